"""A warm Lambda re-checks a cached event with a small projected read, not the whole item."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.catalog.events import revalidated_event
from chalicelib.errors import EventNotFoundError
from chalicelib.models import Event, table_name
from tests.fakes.catalog import NOW, make_event
from tests.fakes.dynamodb import FakeDynamoDB


@pytest.fixture
def events(db: FakeDynamoDB) -> FakeDynamoDB:
    db.create_table(table_name(Event), "event_id")
    return db


def store(db: FakeDynamoDB, event: Event) -> None:
    db.put_item(TableName=table_name(Event), Item=event.serialize())


def test_an_unchanged_event_is_answered_from_the_cache_after_a_projected_read(events: FakeDynamoDB) -> None:
    cached = make_event(inventory_status="ready")
    cached.updated_at = NOW
    store(events, cached)

    assert revalidated_event(cached, db=events) is cached
    (probe,) = events.calls_of("get_item")
    assert probe.kwargs["ProjectionExpression"] == "updated_at, inventory_status"


def test_a_patched_event_is_read_again_whole(events: FakeDynamoDB) -> None:
    cached = make_event(inventory_status="ready")
    cached.updated_at = NOW
    changed = make_event(inventory_status="ready")
    changed.updated_at = NOW + timedelta(seconds=1)
    changed.name = "Renamed"
    store(events, changed)

    fresh = revalidated_event(cached, db=events)

    assert fresh.name == "Renamed"
    assert [call.kwargs.get("ProjectionExpression") for call in events.calls_of("get_item")] == [
        "updated_at, inventory_status",
        None,
    ]


def test_the_end_of_provisioning_is_seen_although_updated_at_does_not_move(events: FakeDynamoDB) -> None:
    cached = make_event(inventory_status="provisioning")
    cached.updated_at = NOW
    ready = make_event(inventory_status="ready")
    ready.updated_at = NOW
    store(events, ready)

    assert revalidated_event(cached, db=events).inventory_status == "ready"


def test_a_deleted_event_is_not_found(events: FakeDynamoDB) -> None:
    cached = make_event()
    cached.updated_at = NOW

    with pytest.raises(EventNotFoundError):
        revalidated_event(cached, db=events)
