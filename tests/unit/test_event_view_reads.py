"""The event page's reads: a cold view is one Query of the event's availability partition (its
copy first, then the section summaries), a warm view reads nothing, and an id that cannot be an
event costs one read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import aws
from chalicelib.catalog import availability, events
from chalicelib.errors import EventNotFoundError
from chalicelib.models import Event, SectionAvailability, table_name
from tests.fakes.catalog import EVENT_ID, make_event
from tests.fakes.dynamodb import FakeDynamoDB


@pytest.fixture(autouse=True)
def cold_caches() -> Iterator[None]:
    for cache in (events._events, events._availability):
        cache.clear()
    yield
    for cache in (events._events, events._availability):
        cache.clear()


@pytest.fixture
def reader(db: FakeDynamoDB, monkeypatch: pytest.MonkeyPatch) -> FakeDynamoDB:
    db.create_table(table_name(Event), "event_id")
    monkeypatch.setattr(aws, "dynamodb_reader", lambda: db)
    return db


def store(
    db: FakeDynamoDB, event: Event, *, copy: bool = True, sold: tuple[str, ...] = ("FLOOR-A-1",)
) -> None:
    """The event as its writes leave it: the item, its copy (unless `copy` is False: an event
    stored before copies were written) and a summary per section."""
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    if copy:
        db.put_item(**events.event_copy(event))
    for section in event.sections:
        summary = {"event_id": {"S": event.event_id}, "section": {"S": section.slug}, "held": {"M": {}}}
        mine = [seat for seat in sold if seat.startswith(f"{section.slug}-")]
        if mine:
            summary["sold"] = {"SS": mine}
        db.put_item(TableName=table_name(SectionAvailability), Item=summary)


def operations(db: FakeDynamoDB) -> list[str]:
    return [call.operation for call in db.calls if call.operation in {"get_item", "query"}]


def section(view: dict[str, object], name: str) -> dict[str, int]:
    found = [s for s in view["sections"] if s["section"] == name]  # type: ignore[attr-defined]
    assert len(found) == 1, view["sections"]
    return dict(found[0])


def test_a_cold_view_is_one_query_of_the_copy_and_the_sections(reader: FakeDynamoDB) -> None:
    event = make_event()
    store(reader, event)
    reader.calls.clear()

    view = events.event_view(EVENT_ID)

    assert operations(reader) == ["query"]
    assert view["name"] == event.name
    assert view["venue"]["address"] == event.venue.address
    assert section(view, "Floor")["sold"] == 1
    assert section(view, "Floor")["available"] == 19
    assert section(view, "Balcony 1")["available"] == 8
    assert view["available_count"] == 27


def test_the_copy_is_what_the_view_shows(reader: FakeDynamoDB) -> None:
    """Were the event item read instead of its copy, the view would say otherwise."""
    event = make_event()
    store(reader, event)
    event.name = "The name on the copy"
    reader.put_item(**events.event_copy(event))

    assert events.event_view(EVENT_ID)["name"] == "The name on the copy"


def test_an_event_without_a_copy_is_read_from_its_table(reader: FakeDynamoDB) -> None:
    store(reader, make_event(), copy=False)
    reader.calls.clear()

    view = events.event_view(EVENT_ID)

    assert operations(reader) == ["query", "get_item"]
    assert section(view, "Floor")["sold"] == 1


def test_a_provisioning_event_has_its_copy_and_no_sections_yet(reader: FakeDynamoDB) -> None:
    event = make_event(inventory_status="provisioning")
    reader.put_item(TableName=table_name(Event), Item=event.serialize())
    reader.put_item(**events.event_copy(event))
    reader.calls.clear()

    view = events.event_view(EVENT_ID)

    assert operations(reader) == ["query"]
    assert view["onsale"]["status"] == "provisioning"
    assert section(view, "Floor")["available"] == 20


def test_a_copy_spread_over_pages_is_read_whole(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    paged = FakeDynamoDB(page_size=1)
    paged.create_table(table_name(Event), "event_id")
    paged.create_table(table_name(SectionAvailability), "event_id", "section")
    monkeypatch.setattr(aws, "dynamodb_reader", lambda: paged)
    store(paged, make_event(), sold=("FLOOR-A-1", "BALCONY1-1-2"))
    paged.calls.clear()

    view = events.event_view(EVENT_ID)

    assert operations(paged) == ["query", "query", "query"]
    assert (section(view, "Floor")["sold"], section(view, "Balcony 1")["sold"]) == (1, 1)


def test_section_readers_skip_the_copy(reader: FakeDynamoDB) -> None:
    store(reader, make_event())

    states = availability.read_sections(EVENT_ID, db=reader)

    assert sorted(states) == ["BALCONY1", "FLOOR"]
    assert states["FLOOR"].sold == {"FLOOR-A-1"}


def test_a_warm_view_reads_nothing(reader: FakeDynamoDB) -> None:
    store(reader, make_event())
    first = events.event_view(EVENT_ID)
    reads = operations(reader)

    assert events.event_view(EVENT_ID) == first
    assert operations(reader) == reads


@pytest.mark.parametrize(
    ("event_id", "reads"),
    [
        ("nope", ["get_item"]),  # cannot be an event: one read
        ("../../etc/passwd", ["get_item"]),
        ("01JQ8Z7Y3K2W9V6T5R4P3N2M1É", ["get_item"]),
        (EVENT_ID, ["query", "get_item"]),  # could be one stored before copies
    ],
)
def test_an_unknown_or_malformed_id_is_not_found(
    reader: FakeDynamoDB, event_id: str, reads: list[str]
) -> None:
    with pytest.raises(EventNotFoundError):
        events.event_view(event_id)

    assert operations(reader) == reads
