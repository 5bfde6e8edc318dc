"""What customers see of an event: its onsale status, per-section counts and the seat map."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.booking.holds import resolve_seats, section_seats
from chalicelib.catalog import events
from chalicelib.catalog.availability import SectionState
from chalicelib.catalog.events import onsale_status, section_counts
from chalicelib.models import Event
from tests.fakes.catalog import EVENT_ID, NOW, make_event

OPENS = NOW - timedelta(hours=1)
STARTS = NOW + timedelta(days=30)
T = NOW.timestamp()


@pytest.fixture(autouse=True)
def fresh_seat_maps() -> None:
    """Seat maps are cached for a second per process: each test draws its own."""
    events._seat_maps.clear()


@pytest.fixture
def event() -> Event:
    return make_event(opens_at=OPENS, start_at=STARTS)


def test_an_event_being_provisioned_says_so_whatever_the_time(event: Event) -> None:
    event.inventory_status = "provisioning"

    for moment in (OPENS - timedelta(days=1), NOW, STARTS + timedelta(days=1)):
        assert onsale_status(event, None, now=moment) == "provisioning"
        assert onsale_status(event, 0, now=moment) == "provisioning"


def test_before_the_onsale_opens_the_event_is_scheduled(event: Event) -> None:
    assert onsale_status(event, 100, now=OPENS - timedelta(seconds=1)) == "scheduled"
    assert onsale_status(event, 0, now=OPENS - timedelta(days=10)) == "scheduled"


def test_from_the_opening_moment_the_event_is_on_sale(event: Event) -> None:
    assert onsale_status(event, 100, now=OPENS) == "on_sale"
    assert onsale_status(event, 1, now=STARTS - timedelta(seconds=1)) == "on_sale"


def test_an_unknown_availability_does_not_mean_sold_out(event: Event) -> None:
    # Holds ask for the status without counting seats: they must not be refused as sold out.
    assert onsale_status(event, None, now=NOW) == "on_sale"


def test_with_no_seat_left_the_event_is_sold_out(event: Event) -> None:
    assert onsale_status(event, 0, now=NOW) == "sold_out"


def test_once_the_event_starts_the_sale_has_ended(event: Event) -> None:
    assert onsale_status(event, 100, now=STARTS) == "ended"
    assert onsale_status(event, 0, now=STARTS + timedelta(days=1)) == "ended"


def test_onsale_status_reads_the_clock_when_not_given_one() -> None:
    assert (
        onsale_status(make_event(opens_at=NOW.replace(year=2000), start_at=NOW.replace(year=2999)), 5)
        == "on_sale"
    )
    assert (
        onsale_status(make_event(opens_at=NOW.replace(year=2999), start_at=NOW.replace(year=3000)), 5)
        == "scheduled"
    )


# --- section counts -------------------------------------------------------------------------


def test_section_counts_count_live_holds_and_sales_only(event: Event) -> None:
    # GIVEN the floor (20 seats) with 2 sold, 1 live hold, 1 expired hold, and a stale hold
    # entry on a seat sold since; the balcony has no summary yet
    states = {
        "FLOOR": SectionState(
            sold={"FLOOR-A-1", "FLOOR-A-2"},
            held={"FLOOR-A-3": T + 60, "FLOOR-A-4": T - 1, "FLOOR-A-1": T + 60},
        )
    }

    # WHEN counted now
    counts = section_counts(event, states, T)

    # THEN expired holds are available again and no seat is counted twice
    assert counts == [
        {
            "section": "Floor",
            "price": {"amount": 5000, "currency": "USD"},
            "available": 17,
            "held": 1,
            "sold": 2,
            "total": 20,
        },
        {
            "section": "Balcony 1",
            "price": {"amount": 2500, "currency": "USD"},
            "available": 8,
            "held": 0,
            "sold": 0,
            "total": 8,
        },
    ]


def test_section_counts_once_every_hold_has_expired(event: Event) -> None:
    states = {"FLOOR": SectionState(held={f"FLOOR-A-{n}": T + 60 for n in range(1, 11)})}

    assert section_counts(event, states, T)[0]["available"] == 10
    assert section_counts(event, states, T + 60)[0]["available"] == 20


def test_a_section_never_shows_fewer_than_zero_seats() -> None:
    event = make_event(layout={"Floor": (5000, [("A", 2)])})
    states = {"FLOOR": SectionState(sold={"FLOOR-A-1", "FLOOR-A-2", "FLOOR-A-3"})}

    assert section_counts(event, states, T)[0]["available"] == 0


def test_a_reloaded_event_shows_its_new_prices_and_sections() -> None:
    before = make_event(layout={"Floor": (5000, [("A", 2)])})
    assert [c["price"]["amount"] for c in section_counts(before, {}, T)] == [5000]

    after = make_event(layout={"Floor": (6500, [("A", 2)]), "Balcony": (3000, [("B", 4)])})
    counts = section_counts(after, {}, T)

    assert [(c["section"], c["price"]["amount"], c["total"]) for c in counts] == [
        ("Floor", 6500, 2),
        ("Balcony", 3000, 4),
    ]
    counts[0]["price"]["amount"] = 1  # an answer is the caller's to change
    assert section_counts(after, {}, T)[0]["price"]["amount"] == 6500
    assert events.event_summary(after, counts)["min_price"] == {"amount": 3000, "currency": "USD"}


# --- the seat map ---------------------------------------------------------------------------


def test_the_seat_map_lists_every_seat_with_its_status(event: Event, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an event whose floor has a sale, a live hold and an expired hold
    states = {
        "FLOOR": SectionState(
            sold={"FLOOR-B-10"},
            held={"FLOOR-A-1": 4_000_000_000, "FLOOR-A-2": 1_000_000_000},
        )
    }
    monkeypatch.setattr(events, "cached_event", lambda event_id, view=False: event)
    monkeypatch.setattr(events, "cached_availability", lambda event_id, view=False: states)

    # WHEN the seat map is drawn
    body = events.seat_map(EVENT_ID)

    # THEN it has every seat of the layout, once, with the right status
    seats = {s["seat_id"]: s for s in body["seats"]}
    assert len(seats) == len(body["seats"]) == int(event.capacity) == 28
    assert body["event_id"] == EVENT_ID
    assert seats["FLOOR-B-10"]["status"] == "sold"
    assert seats["FLOOR-A-1"]["status"] == "held"
    assert seats["FLOOR-A-2"]["status"] == "available"
    assert sum(s["status"] == "available" for s in seats.values()) == 26
    assert seats["BALCONY1-AA-3"] == {
        "seat_id": "BALCONY1-AA-3",
        "section": "Balcony 1",
        "row": "AA",
        "number": 3,
        "price": {"amount": 2500, "currency": "USD"},
        "status": "available",
    }
    # AND every seat id it shows can be held: the map and the hold path agree on ids
    assert [r.seat_id for r in resolve_seats(event, list(seats))] == list(seats)
    assert list(seats) == [s for section in event.sections for s in section_seats(section)]


def test_a_large_seat_map_comes_in_pages_of_whole_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a stadium-like event: 12 sections of 6,000 seats (72,000 in all)
    layout = {f"Field {n}": (5000, [(str(r), 100) for r in range(1, 61)]) for n in range(1, 13)}
    stadium = make_event(layout=layout)
    monkeypatch.setattr(events, "cached_event", lambda event_id, view=False: stadium)
    monkeypatch.setattr(events, "cached_availability", lambda event_id, view=False: {})

    # WHEN a client follows next_cursor from the first page to the last
    pages, cursor = [], None
    while True:
        page = events.seat_map(EVENT_ID, cursor=cursor)
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # THEN every seat comes exactly once, in pages that each stay within the page budget
    seat_ids = [s["seat_id"] for page in pages for s in page["seats"]]
    assert len(seat_ids) == len(set(seat_ids)) == 72_000
    assert len(pages) == 4
    assert all(len(page["seats"]) <= events.SEAT_MAP_PAGE_SEATS for page in pages)
    # and no section is split between pages
    sections_per_page = [{s["section"] for s in page["seats"]} for page in pages]
    assert sum(len(s) for s in sections_per_page) == 12


def test_a_small_seat_map_is_one_page(event: Event, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "cached_event", lambda event_id, view=False: event)
    monkeypatch.setattr(events, "cached_availability", lambda event_id, view=False: {})

    assert events.seat_map(EVENT_ID)["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJzZWN0aW9uX2luZGV4IjogOTl9", "eyJzZWN0aW9uX2luZGV4IjogMH0"])
def test_a_forged_or_out_of_range_seat_map_cursor_is_a_400(
    cursor: str, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.errors import InvalidRequestError

    monkeypatch.setattr(events, "cached_event", lambda event_id, view=False: event)
    monkeypatch.setattr(events, "cached_availability", lambda event_id, view=False: {})

    with pytest.raises(InvalidRequestError):
        events.seat_map(EVENT_ID, cursor=cursor)
