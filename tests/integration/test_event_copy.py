"""Against the running stack: a cold event view is one DynamoDB request (the event's copy and
its section summaries, one Query), and the copy follows every write of the event (decision 28)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.catalog.availability import EVENT_COPY
from chalicelib.models import Event, SectionAvailability, table_name
from tests.support import Api

# Longer than an API worker keeps an event and its sections (2 s, and 1 s more while it reloads).
CACHES_LAPSE_SECONDS = 3.5


def stored_pair(event_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the event's item, its copy without the sort key), read strongly consistent."""
    from chalicelib import aws

    db = aws.dynamodb()
    item = db.get_item(TableName=table_name(Event), Key={"event_id": {"S": event_id}}, ConsistentRead=True)
    copy = db.get_item(
        TableName=table_name(SectionAvailability),
        Key={"event_id": {"S": event_id}, "section": {"S": EVENT_COPY}},
        ConsistentRead=True,
    )
    assert "Item" in copy, "the event has no copy"
    return item["Item"], {k: v for k, v in copy["Item"].items() if k != "section"}


def cold_view(api: Api, event_id: str) -> tuple[dict[str, Any], str]:
    time.sleep(CACHES_LAPSE_SECONDS)
    response = api.call("GET", f"/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json(), response.headers.get("X-Onsale-Aws-Calls", "")


@pytest.mark.usefixtures("services")
def test_the_copy_follows_the_event_and_a_cold_view_reads_it_in_one_request(api: Api) -> None:
    event_id, seats = api.small_event(seats_per_row=4, rows=2, name="Copy Check Night")
    item, copy = stored_pair(event_id)
    assert copy == item
    assert item["inventory_status"] == {"S": "ready"}

    buyer = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", buyer, json={"seat_ids": seats[:2]})
    assert hold.status_code == 201, hold.text
    renamed = api.call("PATCH", f"/admin/events/{event_id}", api.admin, json={"name": "Copy Check Encore"})
    assert renamed.status_code == 200, renamed.text
    item, copy = stored_pair(event_id)
    assert copy == item
    assert item["name"] == {"S": "Copy Check Encore"}

    deadline = time.monotonic() + 30  # the held seats reach the summaries through the seats stream
    while True:
        view, calls = cold_view(api, event_id)
        if view["sections"][0]["held"] == 2 or time.monotonic() > deadline:
            break

    assert calls == "dynamodb.Query=1"
    assert view["name"] == "Copy Check Encore"
    assert view["onsale"]["status"] == "on_sale"
    assert (view["sections"][0]["held"], view["available_count"]) == (2, 6)


@pytest.mark.usefixtures("services")
def test_admins_patching_one_event_at_once_all_get_through_and_no_change_is_lost(api: Api) -> None:
    event_id, _ = api.small_event(seats_per_row=2, rows=1)
    changes: list[dict[str, Any]] = [
        {"name": "Raced Night"},
        {"description": "Doors at seven"},
        {"category": "comedy"},
        {"performers": ["The Racers"]},
        {"onsale": {"hold_seconds": 321}},
        {"onsale": {"max_per_order": 3}},
        {"onsale": {"admit_per_minute": 777}},
        {"onsale": {"queue_required": True}},
    ]
    admin = api.admin

    def patch(body: dict[str, Any]) -> int:
        return api.call("PATCH", f"/admin/events/{event_id}", admin, json=body).status_code

    with ThreadPoolExecutor(len(changes)) as pool:
        statuses = list(pool.map(patch, changes))

    assert statuses == [200] * len(changes)
    item, copy = stored_pair(event_id)
    assert copy == item
    event = Event.from_raw_data(item)
    assert (event.name, event.description, event.category, list(event.performers)) == (
        "Raced Night",
        "Doors at seven",
        "comedy",
        ["The Racers"],
    )
    onsale = event.onsale
    assert (onsale.hold_seconds, onsale.max_per_order, onsale.admit_per_minute, onsale.queue_required) == (
        321,
        3,
        777,
        True,
    )
