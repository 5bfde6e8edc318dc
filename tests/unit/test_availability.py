"""Per-section availability folded from the seats stream: right, idempotent, and cheap."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.catalog.availability import (
    CHUNK,
    SeatChange,
    SectionState,
    apply_seat_changes,
    read_sections,
    seat_state,
)
from chalicelib.models import SectionAvailability, table_name
from chalicelib.settings import Settings
from tests.fakes.catalog import EVENT_ID, seat_image
from tests.fakes.dynamodb import FakeDynamoDB

T = 1_900_000_000  # "now" in these tests, epoch seconds
EXPIRES = T + 600


def provision(db: FakeDynamoDB, *sections: str, event_id: str = EVENT_ID) -> None:
    """The summary items exactly as inventory provisioning writes them: an empty `held` map."""
    for section in sections:
        db.put_item(
            TableName=table_name(SectionAvailability),
            Item={"event_id": {"S": event_id}, "section": {"S": section}, "held": {"M": {}}},
        )


def free(seat_id: str) -> dict[str, Any]:
    return seat_image(seat_id)


def held(seat_id: str, hold_id: str = "hold-1", expires: int = EXPIRES) -> dict[str, Any]:
    return seat_image(seat_id, hold_id=hold_id, hold_user_id="user-1", hold_expires_at=expires)


def sold(seat_id: str, booking_id: str = "booking-1") -> dict[str, Any]:
    return seat_image(seat_id, status="sold", booking_id=booking_id)


def summary(db: FakeDynamoDB, section: str = "FLOOR") -> SectionState:
    return read_sections(EVENT_ID, db=db).get(section, SectionState())


def stored(db: FakeDynamoDB, section: str = "FLOOR") -> dict[str, Any]:
    item = db.item(table_name(SectionAvailability), {"event_id": {"S": EVENT_ID}, "section": {"S": section}})
    assert item is not None
    return {k: v for k, v in item.items() if k != "updated_at"}


@pytest.fixture
def floor(db: FakeDynamoDB) -> FakeDynamoDB:
    provision(db, "FLOOR")
    return db


def test_a_hold_then_a_sale_then_a_cancellation(floor: FakeDynamoDB) -> None:
    # GIVEN two seats held together
    apply_seat_changes(
        [(free("FLOOR-A-1"), held("FLOOR-A-1")), (free("FLOOR-A-2"), held("FLOOR-A-2"))], db=floor
    )
    state = summary(floor)
    assert state.sold == set()
    assert state.held == {"FLOOR-A-1": EXPIRES, "FLOOR-A-2": EXPIRES}
    assert state.held_now(T) == {"FLOOR-A-1", "FLOOR-A-2"}

    # WHEN the hold is checked out
    apply_seat_changes(
        [(held("FLOOR-A-1"), sold("FLOOR-A-1")), (held("FLOOR-A-2"), sold("FLOOR-A-2"))], db=floor
    )

    # THEN both seats are sold and no longer held
    state = summary(floor)
    assert state.sold == {"FLOOR-A-1", "FLOOR-A-2"}
    assert state.held == {}

    # WHEN the booking is cancelled, seat by seat
    apply_seat_changes([(sold("FLOOR-A-1"), free("FLOOR-A-1"))], db=floor)
    assert summary(floor).sold == {"FLOOR-A-2"}
    apply_seat_changes([(sold("FLOOR-A-2"), free("FLOOR-A-2"))], db=floor)

    # THEN the section is as it was provisioned (DynamoDB keeps no empty set)
    assert summary(floor) == SectionState()
    assert stored(floor) == {"event_id": {"S": EVENT_ID}, "section": {"S": "FLOOR"}, "held": {"M": {}}}


def test_a_released_hold_frees_its_seats(floor: FakeDynamoDB) -> None:
    apply_seat_changes(
        [(free("FLOOR-A-1"), held("FLOOR-A-1")), (free("FLOOR-A-2"), held("FLOOR-A-2"))], db=floor
    )

    apply_seat_changes([(held("FLOOR-A-1"), free("FLOOR-A-1"))], db=floor)

    assert summary(floor).held == {"FLOOR-A-2": EXPIRES}


def test_a_seat_held_again_after_expiry_carries_the_new_expiry(floor: FakeDynamoDB) -> None:
    apply_seat_changes([(free("FLOOR-A-1"), held("FLOOR-A-1", "hold-1", T - 5))], db=floor)
    assert summary(floor).held_now(T) == set()

    # The second holder's write replaces the first hold in place (no release happened).
    apply_seat_changes([(held("FLOOR-A-1", "hold-1", T - 5), held("FLOOR-A-1", "hold-2", EXPIRES))], db=floor)

    assert summary(floor).held == {"FLOOR-A-1": EXPIRES}
    assert summary(floor).held_now(T) == {"FLOOR-A-1"}


def test_a_batch_mixing_holds_sales_releases_and_cancellations(floor: FakeDynamoDB) -> None:
    # GIVEN A-1 held, A-2 held, A-3 sold
    apply_seat_changes(
        [
            (free("FLOOR-A-1"), held("FLOOR-A-1")),
            (free("FLOOR-A-2"), held("FLOOR-A-2", "hold-2")),
            (free("FLOOR-A-3"), held("FLOOR-A-3", "hold-3")),
            (held("FLOOR-A-3", "hold-3"), sold("FLOOR-A-3")),
        ],
        db=floor,
    )
    assert summary(floor) == SectionState(
        sold={"FLOOR-A-3"}, held={"FLOOR-A-1": EXPIRES, "FLOOR-A-2": EXPIRES}
    )

    # WHEN one batch sells A-1, releases A-2, cancels A-3 and holds A-4
    writes = apply_seat_changes(
        [
            (held("FLOOR-A-1"), sold("FLOOR-A-1")),
            (held("FLOOR-A-2", "hold-2"), free("FLOOR-A-2")),
            (sold("FLOOR-A-3"), free("FLOOR-A-3")),
            (free("FLOOR-A-4"), held("FLOOR-A-4", "hold-4")),
        ],
        db=floor,
    )

    # THEN every seat shows its final state (ADD and DELETE on one set need two writes)
    assert summary(floor) == SectionState(sold={"FLOOR-A-1"}, held={"FLOOR-A-4": EXPIRES})
    assert writes == 2


def test_only_the_final_state_of_a_seat_in_a_batch_counts(floor: FakeDynamoDB) -> None:
    # GIVEN a seat held, released and held again by someone else, all in one batch
    writes = apply_seat_changes(
        [
            (free("FLOOR-A-1"), held("FLOOR-A-1", "hold-1", EXPIRES)),
            (held("FLOOR-A-1", "hold-1", EXPIRES), free("FLOOR-A-1")),
            (free("FLOOR-A-1"), held("FLOOR-A-1", "hold-2", EXPIRES + 30)),
        ],
        db=floor,
    )

    assert writes == 1
    assert summary(floor).held == {"FLOOR-A-1": EXPIRES + 30}


def test_a_seat_held_and_released_within_one_batch_needs_no_write(floor: FakeDynamoDB) -> None:
    writes = apply_seat_changes(
        [(free("FLOOR-A-1"), held("FLOOR-A-1")), (held("FLOOR-A-1"), free("FLOOR-A-1"))], db=floor
    )

    assert writes == 0
    assert floor.calls_of("update_item") == []
    assert summary(floor) == SectionState()


def test_replaying_a_batch_changes_nothing(floor: FakeDynamoDB) -> None:
    # GIVEN a batch with a duplicated record (as streams deliver at least once)
    batch: list[SeatChange] = [
        (free("FLOOR-A-1"), held("FLOOR-A-1")),
        (free("FLOOR-A-1"), held("FLOOR-A-1")),
        (free("FLOOR-A-2"), held("FLOOR-A-2")),
        (held("FLOOR-A-2"), sold("FLOOR-A-2")),
        (free("FLOOR-B-1"), held("FLOOR-B-1", "hold-9")),
    ]
    apply_seat_changes(batch, db=floor)
    after_once = stored(floor)

    # WHEN the whole batch is delivered again
    apply_seat_changes(batch, db=floor)

    # THEN the summary is exactly the same
    assert stored(floor) == after_once
    assert summary(floor) == SectionState(
        sold={"FLOOR-A-2"}, held={"FLOOR-A-1": EXPIRES, "FLOOR-B-1": EXPIRES}
    )


def test_replaying_a_cancellation_keeps_the_seat_available(floor: FakeDynamoDB) -> None:
    apply_seat_changes(
        [(held("FLOOR-A-1"), sold("FLOOR-A-1")), (held("FLOOR-A-2"), sold("FLOOR-A-2"))], db=floor
    )
    cancellation: list[SeatChange] = [(sold("FLOOR-A-1"), free("FLOOR-A-1"))]

    apply_seat_changes(cancellation, db=floor)
    apply_seat_changes(cancellation, db=floor)

    assert summary(floor).sold == {"FLOOR-A-2"}


def test_provisioning_a_seat_writes_nothing(floor: FakeDynamoDB) -> None:
    # GIVEN the stream records of new seats (no old image, available, no hold)
    inserts: list[SeatChange] = [(None, free(f"FLOOR-A-{n}")) for n in range(1, 11)]

    # WHEN they are applied THEN no summary is written at all
    assert apply_seat_changes(inserts, db=floor) == 0
    assert floor.calls_of("update_item") == []
    assert apply_seat_changes([], db=floor) == 0


def test_a_sold_seat_never_stays_in_the_held_map(floor: FakeDynamoDB) -> None:
    # GIVEN a hold recorded in the summary
    apply_seat_changes([(free("FLOOR-A-1"), held("FLOOR-A-1"))], db=floor)

    # WHEN the seat's sale arrives with an old image that shows no hold (a duplicate INSERT)
    apply_seat_changes([(None, sold("FLOOR-A-1"))], db=floor)

    # THEN the stale hold entry is gone: the seat is sold, not also held
    assert stored(floor)["held"] == {"M": {}}
    assert summary(floor).sold == {"FLOOR-A-1"}


def test_a_seat_inserted_already_held_is_recorded(floor: FakeDynamoDB) -> None:
    # An UpdateItem that creates an item can reach the stream as an INSERT (moto does this).
    apply_seat_changes([(None, held("FLOOR-A-1"))], db=floor)

    assert summary(floor).held == {"FLOOR-A-1": EXPIRES}


def test_many_seats_of_one_section_are_split_into_several_writes(floor: FakeDynamoDB) -> None:
    # GIVEN a hold of more seats than one update expression carries
    seat_ids = [f"FLOOR-{row}-{n}" for row in "ABC" for n in range(1, 31)]  # 90 seats
    assert len(seat_ids) > 2 * CHUNK

    # WHEN it is applied
    writes = apply_seat_changes([(free(s), held(s)) for s in seat_ids], db=floor)

    # THEN it took three writes of at most CHUNK seats each, and every seat is held
    updates = floor.calls_of("update_item")
    assert writes == len(updates) == 3
    assert [len(u.kwargs["ExpressionAttributeNames"]) for u in updates] == [CHUNK, CHUNK, 90 - 2 * CHUNK]
    assert summary(floor).held == dict.fromkeys(seat_ids, EXPIRES)

    # AND selling them all is split the same way
    floor.calls.clear()
    apply_seat_changes([(held(s), sold(s)) for s in seat_ids], db=floor)
    assert len(floor.calls_of("update_item")) == 3
    assert summary(floor) == SectionState(sold=set(seat_ids), held={})


def test_each_section_gets_its_own_summary(db: FakeDynamoDB) -> None:
    provision(db, "FLOOR", "BALCONY1")
    provision(db, "FLOOR", event_id="ANOTHER-EVENT")

    writes = apply_seat_changes(
        [(free("FLOOR-A-1"), held("FLOOR-A-1")), (free("BALCONY1-1-1"), sold("BALCONY1-1-1"))], db=db
    )

    assert writes == 2
    sections = read_sections(EVENT_ID, db=db)
    assert sections == {
        "FLOOR": SectionState(held={"FLOOR-A-1": EXPIRES}),
        "BALCONY1": SectionState(sold={"BALCONY1-1-1"}),
    }
    assert read_sections("ANOTHER-EVENT", db=db) == {"FLOOR": SectionState()}


# --- reading ----------------------------------------------------------------------------------


def test_held_now_ignores_expired_holds_and_sold_seats() -> None:
    state = SectionState(
        sold={"FLOOR-A-3"},
        held={
            "FLOOR-A-1": T + 1,  # live
            "FLOOR-A-2": T - 1,  # expired
            "FLOOR-A-3": T + 60,  # sold since (a stale entry)
            "FLOOR-A-4": T,  # expires this very second: no longer held
        },
    )

    assert state.held_now(T) == {"FLOOR-A-1"}
    assert state.held_now(T - 10) == {"FLOOR-A-1", "FLOOR-A-2", "FLOOR-A-4"}
    assert state.held_now(T + 61) == set()


def test_read_sections_parses_every_page(settings: Settings) -> None:
    # GIVEN an event with three section summaries, served one per page
    db = FakeDynamoDB(page_size=1)
    db.create_table(table_name(SectionAvailability), "event_id", "section")
    provision(db, "BALCONY1", "FLOOR", "STALLS")
    db.update_item(
        TableName=table_name(SectionAvailability),
        Key={"event_id": {"S": EVENT_ID}, "section": {"S": "FLOOR"}},
        UpdateExpression="SET held.#a = :x ADD sold :s",
        ExpressionAttributeNames={"#a": "FLOOR-A-1"},
        ExpressionAttributeValues={":x": {"N": str(EXPIRES)}, ":s": {"SS": ["FLOOR-A-2", "FLOOR-A-3"]}},
    )
    # A summary item without a `held` map at all (as before provisioning finished) still reads.
    db.put_item(
        TableName=table_name(SectionAvailability),
        Item={"event_id": {"S": EVENT_ID}, "section": {"S": "STALLS"}, "sold": {"SS": ["STALLS-A-1"]}},
    )

    # WHEN they are read
    sections = read_sections(EVENT_ID, db=db)

    # THEN all three arrive, parsed, after following the pages
    assert sections == {
        "BALCONY1": SectionState(),
        "FLOOR": SectionState(sold={"FLOOR-A-2", "FLOOR-A-3"}, held={"FLOOR-A-1": float(EXPIRES)}),
        "STALLS": SectionState(sold={"STALLS-A-1"}),
    }
    queries = db.calls_of("query")
    assert len(queries) == 3
    assert "ExclusiveStartKey" not in queries[0].kwargs
    assert all(q.kwargs["TableName"] == "unit-availability" for q in queries)


def test_read_sections_of_an_unknown_event_is_empty(db: FakeDynamoDB) -> None:
    assert read_sections("NO-SUCH-EVENT", db=db) == {}


@pytest.mark.parametrize(
    ("image", "state"),
    [
        (None, "available"),
        ({}, "available"),
        (seat_image("FLOOR-A-1"), "available"),
        (seat_image("FLOOR-A-1", hold_id="h", hold_expires_at=T + 1), "held"),
        (seat_image("FLOOR-A-1", hold_id="h", hold_expires_at=T), "available"),
        (seat_image("FLOOR-A-1", hold_id="h", hold_expires_at=T - 1), "available"),
        (seat_image("FLOOR-A-1", status="sold", booking_id="b"), "sold"),
    ],
)
def test_seat_state(image: dict[str, Any] | None, state: str) -> None:
    assert seat_state(image, T) == state
