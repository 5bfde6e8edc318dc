"""Every write of an event writes its copy in the same transaction (decision 28): the copy that
cold views read never differs from the event, and a change made concurrently is never lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

import pytest

from chalicelib.catalog import events, inventory
from chalicelib.catalog.availability import EVENT_COPY
from chalicelib.errors import ServiceUnavailableError
from chalicelib.models import Event, SectionAvailability, Venue, table_name
from chalicelib.schemas import EventPatch
from tests.fakes.catalog import EVENT_ID, NOW, create_venue_and_event, make_event
from tests.fakes.dynamodb import FakeDynamoDB


class RacedDynamoDB(FakeDynamoDB):
    """Before each of its first `races` transactions, someone else changes the event's
    description (as a concurrent admin's patch would)."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races
        self.transactions = 0

    def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.transactions += 1
        if self.transactions <= self.races:
            self.update_item(
                TableName=table_name(Event),
                Key={"event_id": {"S": EVENT_ID}},
                UpdateExpression="SET description = :d, updated_at = :u",
                ExpressionAttributeValues={
                    ":d": {"S": f"changed by someone else ({self.transactions})"},
                    ":u": {"S": Event.updated_at.serialize(NOW + timedelta(seconds=self.transactions))},
                },
            )
        return super().transact_write_items(TransactItems=TransactItems)


F = TypeVar("F", bound=FakeDynamoDB)


def tables(db: F) -> F:
    db.create_table(table_name(Venue), "venue_id")
    db.create_table(table_name(Event), "event_id")
    db.create_table(table_name(SectionAvailability), "event_id", "section")
    return db


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pauses between tries, by attempt number (not slept)."""
    taken: list[int] = []
    monkeypatch.setattr(events, "conflict_pause", taken.append)
    return taken


@pytest.fixture
def catalog(settings: object) -> FakeDynamoDB:
    return tables(FakeDynamoDB())


def stored(db: FakeDynamoDB, event_id: str = EVENT_ID) -> dict[str, Any]:
    item = db.item(table_name(Event), {"event_id": {"S": event_id}})
    assert item is not None
    return item


def copy_of(db: FakeDynamoDB, event_id: str = EVENT_ID) -> dict[str, Any]:
    item = db.item(
        table_name(SectionAvailability), {"event_id": {"S": event_id}, "section": {"S": EVENT_COPY}}
    )
    assert item is not None, "the event has no copy"
    return {k: v for k, v in item.items() if k != "section"}


def put(db: FakeDynamoDB, event: Event) -> None:
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    db.put_item(**events.event_copy(event))


def test_a_new_event_is_stored_with_its_copy(catalog: FakeDynamoDB) -> None:
    _, event = create_venue_and_event(catalog)

    assert len(catalog.calls_of("transact_write_items")) == 1
    assert copy_of(catalog, event.event_id) == stored(catalog, event.event_id)
    assert stored(catalog, event.event_id)["inventory_status"] == {"S": "provisioning"}


def test_a_patch_changes_the_event_and_its_copy_together(catalog: FakeDynamoDB) -> None:
    put(catalog, make_event())

    events.patch_event(EVENT_ID, EventPatch(name="Renamed", performers=["New Act"]), db=catalog)

    assert stored(catalog)["name"] == {"S": "Renamed"}
    assert copy_of(catalog) == stored(catalog)


def test_a_patch_made_while_the_event_changed_is_made_again_over_the_change(
    settings: object, pauses: list[int]
) -> None:
    db = tables(RacedDynamoDB(races=2))
    put(db, make_event())

    patched = events.patch_event(EVENT_ID, EventPatch(name="Renamed"), db=db)

    assert db.transactions == 3  # two conflicts, each read again
    assert pauses == [1, 2]  # a pause before each try again
    assert stored(db)["name"] == {"S": "Renamed"}
    assert stored(db)["description"] == {"S": "changed by someone else (2)"}  # not overwritten
    assert patched.description == "changed by someone else (2)"
    assert copy_of(db) == stored(db)


def test_a_patch_that_keeps_conflicting_is_refused_and_writes_nothing(settings: object) -> None:
    db = tables(RacedDynamoDB(races=events.WRITE_ATTEMPTS))
    put(db, make_event())

    with pytest.raises(ServiceUnavailableError):
        events.patch_event(EVENT_ID, EventPatch(name="Renamed"), db=db)

    assert stored(db)["name"] == {"S": "Test Concert"}
    assert copy_of(db)["name"] == {"S": "Test Concert"}  # the racer wrote no copy; nor did the patch


def test_marking_an_event_ready_writes_its_copy_as_ready(catalog: FakeDynamoDB) -> None:
    put(catalog, make_event(inventory_status="provisioning"))

    assert inventory._mark_ready(EVENT_ID, catalog) is True

    assert stored(catalog)["inventory_status"] == {"S": "ready"}
    assert copy_of(catalog) == stored(catalog)
    assert inventory._mark_ready(EVENT_ID, catalog) is False  # once


def test_marking_ready_over_an_admins_change_keeps_the_change(settings: object) -> None:
    db = tables(RacedDynamoDB(races=1))
    put(db, make_event(inventory_status="provisioning"))

    assert inventory._mark_ready(EVENT_ID, db) is True

    assert stored(db)["description"] == {"S": "changed by someone else (1)"}
    assert copy_of(db) == stored(db)


def test_a_patch_read_before_the_event_became_ready_does_not_undo_it(settings: object) -> None:
    """The patch read `provisioning`; provisioning finished before the patch wrote."""

    class ReadyMeanwhile(FakeDynamoDB):
        raced = False

        def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
            if not self.raced:  # same `updated_at`: only `inventory_status` tells them apart
                self.raced = True
                self.put_item(**events.event_copy(ready))
                self.put_item(TableName=table_name(Event), Item=ready.serialize())
            return super().transact_write_items(TransactItems=TransactItems)

    ready = make_event(inventory_status="ready")
    db = tables(ReadyMeanwhile())
    put(db, make_event(inventory_status="provisioning"))

    events.patch_event(EVENT_ID, EventPatch(name="Renamed"), db=db)

    assert stored(db)["inventory_status"] == {"S": "ready"}
    assert stored(db)["name"] == {"S": "Renamed"}
    assert copy_of(db) == stored(db)
