"""The demo catalogue the local stack seeds: admin API bodies, worth a demo."""

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.schemas import VenueCreate
from local.demo_data import (
    CATEGORIES,
    DODGER_STADIUM_CAPACITY,
    DODGER_STADIUM_KEY,
    SEAT_BUDGET,
    demo_events,
    demo_venues,
)

NOW = datetime(2026, 3, 14, 15, 9, 26, 535_897, tzinfo=UTC)
# Awkward clocks: just before midnight, just after, a naive datetime, a non-UTC zone.
NOWS = [
    NOW,
    datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC).replace(tzinfo=None),
    datetime.fromisoformat("2026-07-04T20:00:00-07:00"),
]

NAME_PATTERN = re.compile(r"[A-Za-z0-9 ]{1,12}")
TIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
VENUE_FIELDS = {"key", "name", "city", "address", "time_zone", "sections"}
CURTAIN_TIMES = {(13, 0), (14, 30), (17, 30), (19, 0), (19, 30), (19, 45), (20, 0), (20, 30), (21, 30)}
EVENT_FIELDS = {
    "venue_key",
    "name",
    "description",
    "category",
    "performers",
    "start_at",
    "end_at",
    "onsale",
}
ONSALE_FIELDS = {
    "opens_at",
    "hold_seconds",
    "max_per_order",
    "queue_required",
    "admit_per_minute",
}


def parse_time(value: str) -> datetime:
    assert TIME_PATTERN.fullmatch(value), value
    return datetime.fromisoformat(value)


def capacity(venue: dict[str, Any]) -> int:
    return sum(row["seats"] for section in venue["sections"] for row in section["rows"])


def venues_by_key() -> dict[str, dict[str, Any]]:
    return {venue["key"]: venue for venue in demo_venues()}


def other_events(now: datetime = NOW) -> list[dict[str, Any]]:
    return [e for e in demo_events(now) if e["venue_key"] != DODGER_STADIUM_KEY]


def stadium_concert(now: datetime) -> dict[str, Any]:
    (concert,) = [e for e in demo_events(now) if e["venue_key"] == DODGER_STADIUM_KEY]
    return concert


# --- venues -------------------------------------------------------------------------


def test_every_venue_is_an_admin_venue_body_plus_a_unique_key() -> None:
    venues = demo_venues()
    assert len({venue["key"] for venue in venues}) == len(venues)
    for venue in venues:
        assert set(venue) == VENUE_FIELDS
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", venue["key"])
        assert venue["name"]
        assert venue["city"]
        assert venue["address"]
        assert venue["sections"]
        for section in venue["sections"]:
            assert set(section) == {"section", "price", "rows"}
            assert set(section["price"]) == {"amount", "currency"}
            assert type(section["price"]["amount"]) is int
            assert section["price"]["amount"] > 0
            assert re.fullmatch(r"[A-Z]{3}", section["price"]["currency"])
            assert section["rows"]
            for row in section["rows"]:
                assert set(row) == {"row", "seats"}
                assert type(row["seats"]) is int
                assert row["seats"] > 0


CITY_ZONES = {
    "Los Angeles": "America/Los_Angeles",
    "Seattle": "America/Los_Angeles",
    "New York": "America/New_York",
    "Chicago": "America/Chicago",
    "Austin": "America/Chicago",
    "Nashville": "America/Chicago",
    "Toronto": "America/Toronto",
    "London": "Europe/London",
}


def test_every_venue_names_its_citys_real_zone_and_the_admin_api_takes_it() -> None:
    for venue in demo_venues():
        assert venue["time_zone"] == CITY_ZONES[venue["city"]], venue["name"]
        body = {k: v for k, v in venue.items() if k != "key"}
        assert VenueCreate.model_validate(body).time_zone == venue["time_zone"]


@pytest.mark.parametrize("now", NOWS)
def test_shows_and_box_offices_keep_local_time_across_daylight_saving(now: datetime) -> None:
    zones = {key: ZoneInfo(venue["time_zone"]) for key, venue in venues_by_key().items()}
    for event in other_events(now):
        zone = zones[event["venue_key"]]
        start = parse_time(event["start_at"]).astimezone(zone)
        opens = parse_time(event["onsale"]["opens_at"]).astimezone(zone)
        assert (start.hour, start.minute) in CURTAIN_TIMES, (event["name"], start)
        assert (opens.hour, opens.minute) == (10, 0), (event["name"], opens)


def test_section_and_row_names_are_short_letters_digits_and_spaces() -> None:
    for venue in demo_venues():
        section_names = [section["section"] for section in venue["sections"]]
        assert len(set(section_names)) == len(section_names), venue["key"]
        for section in venue["sections"]:
            assert NAME_PATTERN.fullmatch(section["section"]), section["section"]
            assert section["section"] == section["section"].strip()
            row_names = [row["row"] for row in section["rows"]]
            assert len(set(row_names)) == len(row_names)
            for name in row_names:
                assert NAME_PATTERN.fullmatch(name), name


def test_one_venue_charges_one_currency() -> None:
    for venue in demo_venues():
        assert len({s["price"]["currency"] for s in venue["sections"]}) == 1, venue["key"]


def test_dodger_stadium_holds_exactly_56000_in_realistic_sections() -> None:
    stadium = venues_by_key()[DODGER_STADIUM_KEY]
    assert stadium["name"] == "Dodger Stadium"
    assert stadium["city"] == "Los Angeles"
    assert stadium["address"] == "1000 Vin Scully Ave, Los Angeles, CA 90012"
    assert capacity(stadium) == DODGER_STADIUM_CAPACITY == 56_000

    section_sizes = [sum(row["seats"] for row in s["rows"]) for s in stadium["sections"]]
    assert max(section_sizes) <= 2_000
    prices = {s["price"]["amount"] for s in stadium["sections"]}
    assert len(prices) >= 4
    assert {s["price"]["currency"] for s in stadium["sections"]} == {"USD"}
    levels = {s["section"].rsplit(" ", 1)[0] for s in stadium["sections"]}
    assert {"Field", "Loge", "Reserve", "Top Deck", "Pavilion"} <= levels


def test_other_venues_span_cities_and_stay_small() -> None:
    others = [v for v in demo_venues() if v["key"] != DODGER_STADIUM_KEY]
    assert len(others) >= 8
    assert len({venue["city"] for venue in others}) >= 6
    for venue in others:
        assert 150 <= capacity(venue) <= 1_500, venue["key"]


def test_london_sells_in_pounds_and_toronto_in_canadian_dollars() -> None:
    currency_by_city = {
        venue["city"]: {s["price"]["currency"] for s in venue["sections"]} for venue in demo_venues()
    }
    assert currency_by_city["London"] == {"GBP"}
    assert currency_by_city["Toronto"] == {"CAD"}


# --- events -------------------------------------------------------------------------


@pytest.mark.parametrize("now", NOWS)
def test_every_event_is_an_admin_event_body_at_a_known_venue(now: datetime) -> None:
    keys = set(venues_by_key())
    for event in demo_events(now):
        assert set(event) == EVENT_FIELDS
        assert set(event["onsale"]) == ONSALE_FIELDS
        assert event["venue_key"] in keys
        assert event["category"] in CATEGORIES
        assert event["name"]
        assert event["description"]
        assert 1 <= len(event["performers"]) <= 3
        assert all(isinstance(p, str) and p for p in event["performers"])
        for field in ("start_at", "end_at"):
            parse_time(event[field])
        parse_time(event["onsale"]["opens_at"])


def test_events_serialise_to_json() -> None:
    events = demo_events(NOW)
    assert json.loads(json.dumps(events)) == events
    venues = demo_venues()
    assert json.loads(json.dumps(venues)) == venues


@pytest.mark.parametrize("now", NOWS)
def test_exactly_one_stadium_concert_on_sale_now(now: datetime) -> None:
    aware_now = now if now.tzinfo else now.replace(tzinfo=UTC)
    second = aware_now.replace(microsecond=0)
    stadium_events = [e for e in demo_events(now) if e["venue_key"] == DODGER_STADIUM_KEY]
    assert len(stadium_events) == 1
    concert = stadium_events[0]
    assert concert["category"] == "concerts"
    # a month from now, at 7:30 PM on the stadium's clock (a concert's hour, not the seeding's)
    start_at = parse_time(concert["start_at"])
    local = start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (local.hour, local.minute, local.second) == (19, 30, 0)
    assert local.date() == (aware_now.astimezone(local.tzinfo) + timedelta(days=30)).date()
    assert parse_time(concert["end_at"]) == start_at + timedelta(hours=3)
    assert concert["onsale"] == {
        "opens_at": (second - timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hold_seconds": 600,
        "max_per_order": 8,
        "queue_required": False,
        "admit_per_minute": 600,
    }


@pytest.mark.parametrize("now", NOWS)
def test_at_least_sixty_other_upcoming_events(now: datetime) -> None:
    aware_now = now if now.tzinfo else now.replace(tzinfo=UTC)
    events = other_events(now)
    assert len(events) >= 60
    for event in events:
        start_at = parse_time(event["start_at"])
        assert timedelta(days=2) <= start_at - aware_now <= timedelta(days=120), event["name"]
        assert parse_time(event["end_at"]) == start_at + timedelta(hours=3)


def test_events_at_one_venue_fall_on_different_days() -> None:
    days = [(e["venue_key"], e["start_at"][:10]) for e in other_events()]
    assert len(set(days)) == len(days)


def test_all_four_categories_are_present() -> None:
    assert {e["category"] for e in other_events()} == {
        "concerts",
        "sports",
        "theatre",
        "comedy",
    }


@pytest.mark.parametrize("now", NOWS)
def test_onsale_settings(now: datetime) -> None:
    aware_now = now if now.tzinfo else now.replace(tzinfo=UTC)
    events = other_events(now)
    for event in events:
        onsale = event["onsale"]
        assert 300 <= onsale["hold_seconds"] <= 600
        assert 4 <= onsale["max_per_order"] <= 10
        assert type(onsale["queue_required"]) is bool
        assert onsale["admit_per_minute"] > 0
        assert parse_time(onsale["opens_at"]) < parse_time(event["start_at"])
    assert sum(e["onsale"]["queue_required"] for e in demo_events(now)) == 2

    scheduled = [e for e in events if parse_time(e["onsale"]["opens_at"]) > aware_now]
    assert 6 <= len(scheduled) <= 10
    assert len(events) - len(scheduled) >= len(events) // 2  # most are on sale already


def test_performers_recur_across_events_and_include_hard_to_spell_names() -> None:
    appearances = Counter(p for e in other_events() for p in e["performers"])
    recurring = [p for p, count in appearances.items() if count >= 3]
    assert len(recurring) >= 5
    accented = [p for p in appearances if not p.isascii()]
    assert len(accented) >= 3
    assert any(len(p) >= 20 for p in appearances)
    # The stadium headliner also plays elsewhere, so following them finds a second show.
    assert appearances[stadium_concert(NOW)["performers"][0]] >= 1


def test_seat_inventory_outside_the_stadium_stays_under_budget() -> None:
    seats_by_venue = {key: capacity(venue) for key, venue in venues_by_key().items()}
    seats = sum(seats_by_venue[e["venue_key"]] for e in other_events())
    assert seats < SEAT_BUDGET == 40_000


def test_output_is_deterministic_for_the_same_now() -> None:
    assert demo_venues() == demo_venues()
    assert demo_events(NOW) == demo_events(NOW)
    assert demo_events(NOW) == demo_events(NOW.replace(microsecond=0))


def test_a_later_now_moves_the_stadium_concert_with_it() -> None:
    later = NOW + timedelta(days=1)
    assert parse_time(stadium_concert(later)["start_at"]) == parse_time(
        stadium_concert(NOW)["start_at"]
    ) + timedelta(days=1)
