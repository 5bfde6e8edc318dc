"""A venue's time zone through the local stack: taken by the admin API (or refused as a 400
problem), answered in the event and in search results, and used by the confirmation e-mail."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.integration.test_emails import book
from tests.openapi_check import validate_response
from tests.support import Api, Stack, wait_for_emails

FLOOR = {"section": "Floor", "price": {"amount": 5000, "currency": "USD"}, "rows": [{"row": "A", "seats": 6}]}


def search_until(api: Api, params: dict[str, str], event_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = api.call("GET", "/events/search", params=params).json()
        if any(e["event_id"] == event_id for e in found.get("events", [])) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_a_bad_zone_is_a_400_problem_naming_the_field(api: Api) -> None:
    for zone in ("Mars/Olympus_Mons", "../../../../etc/passwd", 7):
        body = {"name": "Hall", "city": "Nowhere", "address": "1 St", "sections": [FLOOR], "time_zone": zone}

        response = api.call("POST", "/admin/venues", api.admin, json=body)

        assert response.status_code == 400, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_request"
        assert [e["field"] for e in response.json()["errors"]] == ["time_zone"]
        validate_response("POST", "/admin/venues", 400, response.json())


def test_the_zone_reaches_the_event_search_and_the_confirmation(api: Api, stack: Stack) -> None:
    # GIVEN a venue in Nashville that names its zone, and a show there
    name = f"Ryman Echoes {uuid.uuid4().hex[:6]}"
    venue_id = api.create_venue([FLOOR], name=f"{name} Hall", city="Nashville", time_zone="America/Chicago")
    event_id = api.create_event(venue_id, name=name)

    # THEN the event and its search result carry the zone
    event = api.call("GET", f"/events/{event_id}").json()
    validate_response("GET", "/events/{event_id}", 200, event)
    assert event["venue"]["time_zone"] == "America/Chicago"
    found = search_until(api, {"q": name}, event_id)
    validate_response("GET", "/events/search", 200, found)
    (summary,) = [e for e in found["events"] if e["event_id"] == event_id]
    assert summary["venue"]["time_zone"] == "America/Chicago"

    # AND a venue without one answers null, as before
    plain_id = api.create_event(api.create_venue([FLOOR], name=f"{name} Annex"), name=f"{name} Annex Show")
    assert api.call("GET", f"/events/{plain_id}").json()["venue"]["time_zone"] is None

    # WHEN a fan books: the confirmation says when on Nashville's clock, named
    fan = api.new_user(name="Zoned Fan")
    seats = [s["seat_id"] for s in api.call("GET", f"/events/{event_id}/seats").json()["seats"]]
    book(api, fan, event_id, seats[:1])
    (confirmation,) = wait_for_emails(stack, fan.email, f"Your tickets for {name}")
    start = datetime.fromisoformat(event["start_at"].replace("Z", "+00:00")).astimezone(
        ZoneInfo("America/Chicago")
    )
    assert f"{start:%a %d %b %Y, %H:%M} {start.tzname()}" in confirmation["text"]
