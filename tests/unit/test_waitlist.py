"""The waitlist: joining a sold-out event, offers in order, expiry passing to the next, one offer
per entry whatever the duplicates, and nobody seeing or cancelling another customer's entry.

Runs on the in-memory DynamoDB with a fake box office (`FakeBoxOffice`) standing in for the
hold machinery: it keeps each seat's owner and writes the hold items and availability
summaries the waitlist reads, as the real transaction and the seats stream do.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.booking import waitlist
from chalicelib.catalog.events import epoch_to_rfc3339
from chalicelib.errors import (
    EventNotOnSaleError,
    HoldNotFoundError,
    InvalidRequestError,
    SeatsAvailableError,
    SeatsUnavailableError,
    WaitlistEntryNotFoundError,
)
from chalicelib.models import Booking, Event, Hold, Money, SectionAvailability, WaitlistEntry, table_name
from chalicelib.schemas import HoldRequest
from chalicelib.settings import Settings
from functions import waitlist_offers
from tests.fakes.catalog import NOW, make_event
from tests.fakes.dynamodb import FakeDynamoDB

T0 = NOW.timestamp()
LAYOUT = {"Floor": (5000, [("A", 4), ("B", 4)])}
SEATS = [
    "FLOOR-A-1",
    "FLOOR-A-2",
    "FLOOR-A-3",
    "FLOOR-A-4",
    "FLOOR-B-1",
    "FLOOR-B-2",
    "FLOOR-B-3",
    "FLOOR-B-4",
]


class FakeBoxOffice:
    """Holds, checkouts and releases over a seat dictionary, writing what the waitlist reads."""

    def __init__(self, db: FakeDynamoDB, event: Event) -> None:
        self.db, self.event = db, event
        self.sold: dict[str, str] = {}  # seat -> owner
        self.held: dict[str, tuple[str, str, float]] = {}  # seat -> (hold id, owner, expiry)
        self.holds_made = 0
        self.during_hold: Any = None  # called as the next hold is made (a racing processor)

    def hold_seats(
        self, *, user_id: str, event_id: str, request: HoldRequest, db: Any, event: Event, now: float
    ) -> dict[str, Any]:
        seats = list(request.seat_ids or [])
        taken = [s for s in seats if s in self.sold or (s in self.held and self.held[s][2] > now)]
        if taken:
            raise SeatsUnavailableError(taken)
        self.holds_made += 1
        hold_id = f"HOLD{self.holds_made:04d}"
        expires = int(now + int(event.onsale.hold_seconds))
        for seat in seats:
            self.held[seat] = (hold_id, user_id, expires)
        hold = Hold(
            hold_id=hold_id,
            user_id=user_id,
            event_id=event_id,
            seat_ids=seats,
            total=Money(amount=5000 * len(seats), currency="USD"),
            status="active",
            expires_at=expires,
            ttl=NOW + timedelta(days=2),
            created_at=NOW,
        )
        self.db.put_item(TableName=table_name(Hold), Item=hold.serialize())
        self.publish()
        if self.during_hold is not None:
            racing, self.during_hold = self.during_hold, None
            racing()
        return {"hold_id": hold_id, "seat_ids": seats, "expires_at": epoch_to_rfc3339(expires)}

    def release(self, hold_id: str, user_id: str, *, db: Any = None) -> None:
        hold = self.hold(hold_id)
        if hold.status != "active" or hold.user_id != user_id:
            raise HoldNotFoundError()
        self._set_hold_status(hold_id, "released")
        for seat in [s for s, h in self.held.items() if h[0] == hold_id]:
            del self.held[seat]
        self.publish()

    def checkout(self, hold_id: str) -> None:
        hold = self.hold(hold_id)
        self._set_hold_status(hold_id, "converted")
        for seat in [str(s) for s in hold.seat_ids]:
            self.sold[seat] = hold.user_id
            self.held.pop(seat, None)
        self.publish()

    def sell(self, seats: list[str], owner: str = "someone") -> None:
        for seat in seats:
            self.sold[seat] = owner
        self.publish()

    def cancel(self, seats: list[str]) -> None:
        for seat in seats:
            del self.sold[seat]
        self.publish()

    def hold(self, hold_id: str) -> Hold:
        item = self.db.item(table_name(Hold), {"hold_id": {"S": hold_id}})
        assert item is not None
        return Hold.from_raw_data(item)

    def active_holds_of(self, user_id: str, now: float) -> set[str]:
        return {h for h, owner, expiry in self.held.values() if owner == user_id and expiry > now}

    def _set_hold_status(self, hold_id: str, status: str) -> None:
        self.db.update_item(
            TableName=table_name(Hold),
            Key={"hold_id": {"S": hold_id}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": status}},
        )

    def publish(self) -> None:
        """The availability summary, as the seats stream consumer writes it."""
        item: dict[str, Any] = {"event_id": {"S": self.event.event_id}, "section": {"S": "FLOOR"}}
        if self.sold:
            item["sold"] = {"SS": sorted(self.sold)}
        item["held"] = {"M": {s: {"N": str(h[2])} for s, h in self.held.items()}}
        self.db.put_item(TableName=table_name(SectionAvailability), Item=item)


@pytest.fixture
def event() -> Event:
    return make_event(layout=LAYOUT, max_per_order=4)


@pytest.fixture
def tables(db: FakeDynamoDB, event: Event, settings: Settings) -> FakeDynamoDB:
    db.create_table(
        table_name(WaitlistEntry),
        "waitlist_id",
        indexes={"by_event": ("event_id", "created_at"), "by_user": ("user_id", "created_at")},
    )
    db.create_table(table_name(Hold), "hold_id")
    db.create_table(table_name(Event), "event_id")
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    return db


@pytest.fixture
def box_office(tables: FakeDynamoDB, event: Event) -> FakeBoxOffice:
    office = FakeBoxOffice(tables, event)
    office.sell(SEATS)  # sold out
    return office


def join(db: FakeDynamoDB, event: Event, user: str, quantity: int = 2, at: float = T0) -> dict[str, Any]:
    return waitlist.join_waitlist(
        user_id=user, event_id=event.event_id, quantity=quantity, db=db, event=event, available=0, now=at
    )


def reconcile(db: FakeDynamoDB, office: FakeBoxOffice, event: Event, at: float, **kw: Any) -> list[str]:
    return waitlist.reconcile_event(
        event.event_id,
        db=db,
        now=at,
        place_hold=office.hold_seats,
        release=office.release,
        rng=random.Random(7),
        **kw,
    )


def entry(db: FakeDynamoDB, waitlist_id: str) -> WaitlistEntry:
    item = db.item(table_name(WaitlistEntry), {"waitlist_id": {"S": waitlist_id}})
    assert item is not None
    return WaitlistEntry.from_raw_data(item)


def cancellation_record(event: Event, seats: list[str], sequence: str = "100") -> dict[str, Any]:
    booking = Booking(
        booking_id="01JQBOOKING",
        user_id="someone",
        event_id=event.event_id,
        hold_id="H",
        seat_ids=seats,
        status="confirmed",
        total=Money(amount=5000 * len(seats), currency="USD"),
        payment_id="P",
        created_at=NOW,
    )
    old = booking.serialize()
    booking.status = "cancelled"
    booking.cancelled_at = NOW
    return {
        "eventName": "MODIFY",
        "dynamodb": {"OldImage": old, "NewImage": booking.serialize(), "SequenceNumber": sequence},
    }


# --- joining ----------------------------------------------------------------------------------


def test_joining_gives_places_in_arrival_order(tables: FakeDynamoDB, event: Event) -> None:
    first = join(tables, event, "ann", at=T0)
    second = join(tables, event, "bob", at=T0 + 1)
    assert (first["position"], second["position"]) == (1, 2)
    assert first["status"] == "waiting" and first["quantity"] == 2


def test_joining_again_returns_the_same_entry(tables: FakeDynamoDB, event: Event) -> None:
    first = join(tables, event, "ann", quantity=2, at=T0)
    join(tables, event, "bob", at=T0 + 1)
    again = join(tables, event, "ann", quantity=3, at=T0 + 5)
    assert again["waitlist_id"] == first["waitlist_id"]
    assert again["position"] == 1 and again["quantity"] == 2
    assert len(tables.items(table_name(WaitlistEntry))) == 2


def test_an_event_with_seats_on_sale_has_no_waitlist(tables: FakeDynamoDB, event: Event) -> None:
    with pytest.raises(SeatsAvailableError) as raised:
        waitlist.join_waitlist(
            user_id="ann", event_id=event.event_id, quantity=1, db=tables, event=event, available=3, now=T0
        )
    assert raised.value.status == 409 and raised.value.code == "seats_available"
    assert tables.items(table_name(WaitlistEntry)) == []


def test_an_event_not_open_yet_has_no_waitlist(tables: FakeDynamoDB) -> None:
    later = make_event(layout=LAYOUT, opens_at=NOW + timedelta(days=1))
    with pytest.raises(EventNotOnSaleError):
        join(tables, later, "ann")


@pytest.mark.parametrize("quantity", [5, 9])
def test_quantity_above_the_order_limit_is_refused(tables: FakeDynamoDB, event: Event, quantity: int) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        join(tables, event, "ann", quantity=quantity)
    assert raised.value.status == 400


def test_rejoining_after_leaving_goes_to_the_back(tables: FakeDynamoDB, event: Event) -> None:
    ann = join(tables, event, "ann", at=T0)
    join(tables, event, "bob", at=T0 + 1)
    waitlist.cancel_entry(ann["waitlist_id"], "ann", db=tables)
    back = join(tables, event, "ann", at=T0 + 2)
    assert back["waitlist_id"] == ann["waitlist_id"] and back["position"] == 2


# --- offers -----------------------------------------------------------------------------------


def test_first_come_first_offered(tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event) -> None:
    # GIVEN two customers waiting for two seats each, Ann first
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    # WHEN a booking of two seats is cancelled
    box_office.cancel(SEATS[:2])
    offered = reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2])
    # THEN Ann is offered exactly those seats, held for her; Bob is now first in line
    assert offered == [ann["waitlist_id"]]
    ann_entry = entry(tables, ann["waitlist_id"])
    assert ann_entry.status == "offered" and int(ann_entry.offer_count) == 1
    hold = box_office.hold(str(ann_entry.offer_hold_id))
    assert hold.user_id == "ann" and sorted(hold.seat_ids) == SEATS[:2]
    assert int(ann_entry.offer_expires_at or 0) == int(hold.expires_at)
    assert entry(tables, bob["waitlist_id"]).status == "waiting"
    assert waitlist.my_waitlist("bob", db=tables)["waitlist"][0]["position"] == 1


def test_an_offer_lasts_the_offer_window(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = join(tables, event, "ann")
    box_office.cancel(SEATS[:2])
    reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2])
    expires = int(entry(tables, ann["waitlist_id"]).offer_expires_at or 0)
    assert expires == int(T0 + 10) + 1800  # ONSALE_WAITLIST_OFFER_SECONDS' default


def test_an_expired_offer_lapses_and_passes_to_the_next(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    box_office.cancel(SEATS[:2])
    reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2])
    expiry = float(entry(tables, ann["waitlist_id"]).offer_expires_at or 0)
    # before the expiry nothing changes
    assert reconcile(tables, box_office, event, expiry - 1) == []
    assert entry(tables, bob["waitlist_id"]).status == "waiting"
    # WHEN Ann lets the offer expire (no stream record: the sweep notices)
    offered = reconcile(tables, box_office, event, expiry)
    # THEN her entry lapsed and Bob holds the same seats
    assert entry(tables, ann["waitlist_id"]).status == "lapsed"
    assert offered == [bob["waitlist_id"]]
    bob_hold = box_office.hold(str(entry(tables, bob["waitlist_id"]).offer_hold_id))
    assert bob_hold.user_id == "bob" and sorted(bob_hold.seat_ids) == SEATS[:2]


def test_a_released_offer_passes_on_at_once(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    box_office.cancel(SEATS[:2])
    reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2])
    waitlist.cancel_entry(ann["waitlist_id"], "ann", db=tables, release=box_office.release)
    assert entry(tables, ann["waitlist_id"]).status == "cancelled"
    assert reconcile(tables, box_office, event, T0 + 11) == [bob["waitlist_id"]]


def test_a_checked_out_offer_converts(tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event) -> None:
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    box_office.cancel(SEATS[:2])
    reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2])
    box_office.checkout(str(entry(tables, ann["waitlist_id"]).offer_hold_id))
    # long after the offer's expiry, a bought offer is converted, not lapsed, and Bob gets nothing
    assert reconcile(tables, box_office, event, T0 + 10_000) == []
    assert entry(tables, ann["waitlist_id"]).status == "converted"
    assert entry(tables, bob["waitlist_id"]).status == "waiting"


def test_a_party_that_does_not_fit_keeps_its_place(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    # GIVEN Ann waits for four seats and Bob, behind her, for two
    ann = join(tables, event, "ann", quantity=4, at=T0)
    bob = join(tables, event, "bob", quantity=2, at=T0 + 1)
    # WHEN two seats come back: Bob's party fits, Ann's does not
    box_office.cancel(SEATS[:2])
    assert reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:2]) == [bob["waitlist_id"]]
    # THEN Ann is still first in line, and is offered four seats as soon as four are free
    assert waitlist.position(entry(tables, ann["waitlist_id"]), db=tables) == 1
    box_office.cancel(SEATS[4:8])
    assert reconcile(tables, box_office, event, T0 + 20, freed_seat_ids=SEATS[4:8]) == [ann["waitlist_id"]]
    hold = box_office.hold(str(entry(tables, ann["waitlist_id"]).offer_hold_id))
    assert sorted(hold.seat_ids) == SEATS[4:8]


def test_duplicate_stream_records_make_one_offer(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    box_office.cancel(SEATS[:2])
    record = cancellation_record(event, SEATS[:2])
    options = {"now": T0 + 10, "place_hold": box_office.hold_seats, "release": box_office.release}
    # the same record delivered twice in a batch, then the batch retried
    for _ in range(2):
        assert waitlist_offers.process([record, record], db=tables, **options) == {"batchItemFailures": []}
    assert int(entry(tables, ann["waitlist_id"]).offer_count) == 1
    assert len(box_office.active_holds_of("ann", T0 + 10)) == 1
    assert entry(tables, bob["waitlist_id"]).status == "waiting"
    assert box_office.holds_made == 1


def test_a_racing_processor_never_makes_a_second_offer(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    # GIVEN four seats back and two customers waiting for two each
    ann = join(tables, event, "ann", at=T0)
    bob = join(tables, event, "bob", at=T0 + 1)
    box_office.cancel(SEATS[:4])
    # WHEN another processor (the sweep) offers after this one made its first hold, before it
    # could mark the entry offered
    box_office.during_hold = lambda: reconcile(tables, box_office, event, T0 + 10)
    reconcile(tables, box_office, event, T0 + 10, freed_seat_ids=SEATS[:4])
    # THEN each customer has exactly one offer and one live hold: the loser's hold was released
    for waiting in (ann, bob):
        assert int(entry(tables, waiting["waitlist_id"]).offer_count) == 1
    assert len(box_office.active_holds_of("ann", T0 + 10)) == 1
    assert len(box_office.active_holds_of("bob", T0 + 10)) == 1


def test_a_not_cancelled_booking_frees_nothing(event: Event) -> None:
    record = cancellation_record(event, SEATS[:2])
    record["dynamodb"]["OldImage"] = record["dynamodb"]["NewImage"]  # cancelled -> cancelled
    insert = {"eventName": "INSERT", "dynamodb": {"NewImage": record["dynamodb"]["NewImage"]}}
    assert waitlist_offers.freed_seats([record, insert]) == {}
    assert waitlist_offers.freed_seats([cancellation_record(event, SEATS[:2])]) == {event.event_id: SEATS[:2]}


def test_a_failing_event_asks_for_the_batch_again(
    tables: FakeDynamoDB, box_office: FakeBoxOffice, event: Event
) -> None:
    join(tables, event, "ann")
    tables.fail_next("query", "InternalServerError")
    result = waitlist_offers.process([cancellation_record(event, SEATS[:2], sequence="42")], db=tables)
    assert result == {"batchItemFailures": [{"itemIdentifier": "42"}]}


# --- privacy of entries -------------------------------------------------------------------------


def test_a_customer_cannot_see_or_cancel_anothers_entry(tables: FakeDynamoDB, event: Event) -> None:
    ann = join(tables, event, "ann")
    assert waitlist.my_waitlist("bob", db=tables) == {"waitlist": []}
    with pytest.raises(WaitlistEntryNotFoundError):
        waitlist.cancel_entry(ann["waitlist_id"], "bob", db=tables)
    assert entry(tables, ann["waitlist_id"]).status == "waiting"
    mine = waitlist.my_waitlist("ann", db=tables)["waitlist"]
    assert [e["waitlist_id"] for e in mine] == [ann["waitlist_id"]]


def test_entry_ids_are_opaque_and_per_customer_and_event() -> None:
    ids = {waitlist.waitlist_id_for(e, u) for e in ("e1", "e2") for u in ("ann", "bob")}
    assert len(ids) == 4 and all(len(i) == 26 and i.isalnum() for i in ids)
    assert "ann" not in "".join(ids)
