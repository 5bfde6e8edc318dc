"""The DAX switch: with DAX_ENDPOINT set, `chalicelib.aws.dynamodb_reader()` is an
`amazondax.AmazonDaxClient`, and exactly the eventually consistent catalogue reads (events,
venues, availability summaries) go through it; the booking path (holds, checkout, anything on
holds, seats, bookings or payments, and every strongly consistent read) never does.

`amazon-dax-client` cannot run without a cluster, so a fake `amazondax` module stands in for it:
its client records every call and serves reads from the same in-memory tables as the plain
client (`tests/fakes/dynamodb.py`), which records its own calls."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.booking import checkout, holds
from chalicelib.cache import TTLCache
from chalicelib.catalog import availability, events, venues
from chalicelib.models import (
    Booking,
    Event,
    Hold,
    Money,
    Payment,
    RowLayout,
    Seat,
    SectionAvailability,
    SectionLayout,
    Venue,
)
from chalicelib.payments.local import LocalProvider
from chalicelib.schemas import HoldRequest
from chalicelib.settings import get_settings
from tests.fakes.catalog import EVENT_ID, make_event
from tests.fakes.dynamodb import FakeDynamoDB

DAX_ENDPOINT = "daxs://onsale-test.abc123.dax-clusters.eu-west-1.amazonaws.com"
USER = "user-1"
VENUE_ID = "01JQ8Z7Y3K2W9V6T5R4P3N2M1V"
HOLD_ID = "01JQ8Z7Y3K2W9V6T5R4P3N2H01"
ENV = {
    "ONSALE_STAGE": "dax",
    "ONSALE_TABLE_PREFIX": "dax-",
    "AWS_REGION": "eu-west-1",
    "ONSALE_PAYMENT_PROVIDER": "local",
}
CATALOG_READS = {"get_item", "query", "batch_get_item"}


class PlainDynamoDB(FakeDynamoDB):
    """The plain client: FakeDynamoDB, plus transactions recorded (not applied: the tests seed
    what they read)."""

    def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self._record("transact_write_items", {"TransactItems": TransactItems})
        return {}


class FakeDaxClient:
    """Stands in for `amazondax.AmazonDaxClient`: records construction and calls."""

    instances: list[FakeDaxClient] = []
    tables: dict[str, Any] = {}  # the plain client's tables, set by the fixture

    def __init__(self, **kwargs: Any) -> None:
        self.options = kwargs
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._reader = FakeDynamoDB()
        self._reader.tables = FakeDaxClient.tables  # a cache of the same tables
        FakeDaxClient.instances.append(self)

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("get_item", kwargs))
        return self._reader.get_item(**kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("query", kwargs))
        return self._reader.query(**kwargs)

    def __getattr__(self, operation: str) -> Any:
        raise AssertionError(f"{operation} was sent through DAX")


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[PlainDynamoDB]:
    """Settings for a stage with DAX, a fake `amazondax`, and the plain client as a recording fake."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAX_ENDPOINT", DAX_ENDPOINT)
    monkeypatch.delenv("ONSALE_AWS_ENDPOINT", raising=False)
    db = PlainDynamoDB()
    seed(db)
    module = types.ModuleType("amazondax")
    module.AmazonDaxClient = FakeDaxClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "amazondax", module)
    monkeypatch.setattr(FakeDaxClient, "instances", [])
    monkeypatch.setattr(FakeDaxClient, "tables", db.tables)

    def client(service: str) -> Any:
        assert service == "dynamodb", service
        return db

    monkeypatch.setattr(aws, "client", client)
    # The warm-Lambda caches in front of the reads start empty.
    monkeypatch.setattr(events, "_events", TTLCache(ttl_seconds=60))
    monkeypatch.setattr(events, "_availability", TTLCache(ttl_seconds=60))
    clear_caches()
    db.calls.clear()
    yield db
    clear_caches()


def clear_caches() -> None:
    get_settings.cache_clear()
    aws.dynamodb_reader.cache_clear()


def seed(db: PlainDynamoDB) -> None:
    for model, keys in (
        (Venue, ("venue_id", None)),
        (Event, ("event_id", None)),
        (SectionAvailability, ("event_id", "section")),
        (Seat, ("event_section", "seat_id")),
        (Hold, ("hold_id", None)),
        (Booking, ("booking_id", None)),
        (Payment, ("payment_id", None)),
    ):
        db.create_table(f"dax-{model.Meta.table_name}", *keys)
    now = datetime.now(UTC)
    event = on_sale_event()
    db.put_item(TableName="dax-events", Item=event.serialize())
    db.put_item(
        TableName="dax-venues",
        Item=Venue(
            venue_id=VENUE_ID,
            name="Test Hall",
            city="Testville",
            address="1 Test St",
            sections=[
                SectionLayout(
                    section="Floor",
                    slug="FLOOR",
                    price=Money(amount=5000, currency="USD"),
                    rows=[RowLayout(row="A", seats=10)],
                )
            ],
            capacity=10,
            created_at=now,
        ).serialize(),
    )
    for section in event.sections:
        db.put_item(
            TableName="dax-availability",
            Item={"event_id": {"S": EVENT_ID}, "section": {"S": section.slug}, "held": {"M": {}}},
        )
    expires = int(now.timestamp()) + 600
    db.put_item(
        TableName="dax-holds",
        Item=Hold(
            hold_id=HOLD_ID,
            user_id=USER,
            event_id=EVENT_ID,
            seat_ids=["FLOOR-A-1", "FLOOR-A-2"],
            total=Money(amount=10000, currency="USD"),
            status="active",
            expires_at=expires,
            ttl=datetime.fromtimestamp(expires, UTC) + timedelta(days=1),
            created_at=now,
        ).serialize(),
    )


def on_sale_event() -> Event:
    now = datetime.now(UTC)
    return make_event(opens_at=now - timedelta(hours=1), start_at=now + timedelta(days=30))


def dax_calls() -> list[tuple[str, dict[str, Any]]]:
    return [call for client in FakeDaxClient.instances for call in client.calls]


def plain_calls(db: PlainDynamoDB) -> list[tuple[str, dict[str, Any]]]:
    return [(call.operation, call.kwargs) for call in db.calls]


def tables_of(calls: list[tuple[str, dict[str, Any]]]) -> set[str]:
    found = set()
    for operation, kwargs in calls:
        if operation == "transact_write_items":
            found |= {next(iter(i.values()))["TableName"] for i in kwargs["TransactItems"]}
        else:
            found.add(kwargs["TableName"])
    return found


def assert_dax_served_catalogue_reads_only() -> None:
    for operation, kwargs in dax_calls():
        assert operation in CATALOG_READS, operation
        assert kwargs["TableName"] in {"dax-events", "dax-venues", "dax-availability"}, kwargs["TableName"]
        assert not kwargs.get("ConsistentRead"), "DAX cannot serve strongly consistent reads"


# --- the switch --------------------------------------------------------------------------------


@pytest.mark.usefixtures("plain")
def test_reader_is_the_dax_client_when_dax_endpoint_is_set() -> None:
    reader = aws.dynamodb_reader()
    assert isinstance(reader, FakeDaxClient)
    assert reader.options == {"region_name": "eu-west-1", "endpoints": [DAX_ENDPOINT]}
    assert aws.dynamodb_reader() is reader  # built once per process
    assert aws.dynamodb() is not reader


def test_reader_is_the_plain_client_without_dax(
    plain: PlainDynamoDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAX_ENDPOINT")
    clear_caches()
    assert aws.dynamodb_reader() is plain
    events.load_event(EVENT_ID)
    assert FakeDaxClient.instances == []  # amazondax is not even touched
    assert [op for op, _ in plain_calls(plain)] == ["get_item"]


# --- what goes through DAX ---------------------------------------------------------------------


def test_event_reads_go_through_dax(plain: PlainDynamoDB) -> None:
    event = events.load_event(EVENT_ID, consistent=False)
    assert event.event_id == EVENT_ID
    assert [(op, kw["TableName"]) for op, kw in dax_calls()] == [("get_item", "dax-events")]
    assert plain_calls(plain) == []


def test_strongly_consistent_event_reads_do_not(plain: PlainDynamoDB) -> None:
    events.load_event(EVENT_ID, consistent=True)
    assert dax_calls() == []
    ((operation, kwargs),) = plain_calls(plain)
    assert (operation, kwargs["TableName"], kwargs["ConsistentRead"]) == ("get_item", "dax-events", True)


def test_venue_reads_go_through_dax(plain: PlainDynamoDB) -> None:
    assert venues.get_venue(VENUE_ID).name == "Test Hall"
    assert [(op, kw["TableName"]) for op, kw in dax_calls()] == [("get_item", "dax-venues")]
    assert plain_calls(plain) == []


def test_availability_reads_go_through_dax(plain: PlainDynamoDB) -> None:
    sections = availability.read_sections(EVENT_ID)
    assert set(sections) == {s.slug for s in on_sale_event().sections}
    assert [(op, kw["TableName"]) for op, kw in dax_calls()] == [("query", "dax-availability")]
    assert plain_calls(plain) == []


def test_the_event_page_is_served_by_dax_alone(plain: PlainDynamoDB) -> None:
    view = events.event_view(EVENT_ID)
    assert view["event_id"] == EVENT_ID
    assert tables_of(dax_calls()) == {"dax-events", "dax-availability"}
    assert plain_calls(plain) == []
    assert_dax_served_catalogue_reads_only()


# --- what never does ---------------------------------------------------------------------------


def test_the_hold_transaction_never_goes_through_dax(plain: PlainDynamoDB) -> None:
    event = on_sale_event()
    seats = holds.section_seats(event.sections[0])[:2]
    hold = holds.hold_seats(user_id=USER, event_id=EVENT_ID, request=HoldRequest(seat_ids=seats), event=event)
    assert hold["seat_ids"] == seats
    assert FakeDaxClient.instances == []  # not even built
    ((operation, kwargs),) = plain_calls(plain)
    assert operation == "transact_write_items"
    assert tables_of([(operation, kwargs)]) == {"dax-holds", "dax-seats"}


def test_quantity_holds_take_only_a_hint_from_dax(plain: PlainDynamoDB) -> None:
    """Picking seats reads the (stale) section summary as a hint; the transaction decides."""
    event = on_sale_event()
    request = HoldRequest(section="Floor", quantity=2)
    hold = holds.hold_seats(user_id=USER, event_id=EVENT_ID, request=request, event=event)
    assert len(hold["seat_ids"]) == 2
    assert [(op, kw["TableName"]) for op, kw in dax_calls()] == [("query", "dax-availability")]
    assert_dax_served_catalogue_reads_only()
    operations = plain_calls(plain)
    assert [op for op, _ in operations] == ["transact_write_items"]
    assert tables_of(operations) == {"dax-holds", "dax-seats"}


def test_reading_a_hold_is_strongly_consistent_and_never_through_dax(plain: PlainDynamoDB) -> None:
    assert holds.load_hold(HOLD_ID, USER).hold_id == HOLD_ID
    assert FakeDaxClient.instances == []
    ((operation, kwargs),) = plain_calls(plain)
    assert (operation, kwargs["TableName"], kwargs["ConsistentRead"]) == ("get_item", "dax-holds", True)


def test_checkout_reads_only_the_event_layout_through_dax(plain: PlainDynamoDB) -> None:
    booking = checkout.checkout(
        hold_id=HOLD_ID, user_id=USER, payment_token="tok_visa", payments=LocalProvider()
    )
    assert booking["status"] == "confirmed"
    # The event's layout (which seat ids exist) may come from the cache; nothing else does.
    assert [(op, kw["TableName"]) for op, kw in dax_calls()] == [("get_item", "dax-events")]
    assert_dax_served_catalogue_reads_only()
    booking_path = plain_calls(plain)
    assert ("get_item", "dax-holds") in [(op, kw.get("TableName")) for op, kw in booking_path]
    assert all(kw.get("ConsistentRead") for op, kw in booking_path if op == "get_item")
    assert "transact_write_items" in [op for op, _ in booking_path]
    assert tables_of(booking_path) == {"dax-holds", "dax-bookings", "dax-seats", "dax-payments"}
