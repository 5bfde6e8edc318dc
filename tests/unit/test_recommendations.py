"""Recommendations: similar events from the search index blended with what the event's fans
also booked; never the event itself, past or sold-out events.

Runs on a real tantivy index (in a temporary folder) and the in-memory DynamoDB.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.catalog import recommendations
from chalicelib.catalog.availability import SectionState
from chalicelib.catalog.events import event_summary
from chalicelib.errors import EventNotFoundError
from chalicelib.models import Booking, Event, Money, table_name
from chalicelib.search import document_from_event
from chalicelib.settings import Settings
from tests.fakes.catalog import NOW
from tests.fakes.dynamodb import FakeDynamoDB
from tests.unit.search.support import event_image, tantivy_engine

HOME = {"venue_id": "V-HOME", "venue_name": "Home Hall", "city": "Testville"}
AWAY = {"venue_id": "V-AWAY", "venue_name": "Away Arena", "city": "Elsewhere"}
DAY = timedelta(days=1)

# event id -> what it shares with SOURCE (performer The Testers, Home Hall in Testville, concerts)
CATALOGUE: dict[str, dict[str, Any]] = {
    "SOURCE": {**HOME, "performers": ["The Testers"], "category": "concerts", "start_at": NOW + 10 * DAY},
    "PERFORMER": {**AWAY, "performers": ["The Testers"], "category": "theatre", "start_at": NOW + 3 * DAY},
    "VENUE": {**HOME, "performers": ["Other Band"], "category": "comedy", "start_at": NOW + 4 * DAY},
    "CATEGORY": {**AWAY, "performers": ["Third Band"], "category": "concerts", "start_at": NOW + 5 * DAY},
    "CITY": {
        "venue_id": "V-CORNER",
        "venue_name": "Corner Club",
        "city": "Testville",
        "performers": ["Fourth"],
        "category": "sports",
        "start_at": NOW + 6 * DAY,
    },
    "UNRELATED": {**AWAY, "performers": ["Nobody"], "category": "sports", "start_at": NOW + 7 * DAY},
    "PAST": {**HOME, "performers": ["The Testers"], "category": "concerts", "start_at": NOW - DAY},
    "SOLD_OUT": {**HOME, "performers": ["The Testers"], "category": "concerts", "start_at": NOW + 2 * DAY},
}


@pytest.fixture
def events() -> dict[str, Event]:
    return {
        event_id: Event.from_raw_data(event_image(event_id, **fields))
        for event_id, fields in CATALOGUE.items()
    }


@pytest.fixture
def engine(tmp_path: Path, events: dict[str, Event]) -> Iterator[Any]:
    engine = tantivy_engine(tmp_path / "index")
    for event in events.values():
        engine.upsert(document_from_event(event.serialize()))
    engine.refresh()
    yield engine
    engine.close()


@pytest.fixture
def bookings(settings: Settings) -> FakeDynamoDB:
    db = FakeDynamoDB()
    db.create_table(
        table_name(Booking),
        "booking_id",
        indexes={"by_user": ("user_id", "created_at"), "by_event": ("event_id", "created_at")},
    )
    return db


def book(db: FakeDynamoDB, user: str, event_id: str, status: str = "confirmed", minute: int = 0) -> None:
    booking = Booking(
        booking_id=f"B-{user}-{event_id}",
        user_id=user,
        event_id=event_id,
        hold_id="H",
        seat_ids=["FLOOR-A-1"],
        status=status,
        total=Money(amount=5000, currency="USD"),
        payment_id="P",
        created_at=NOW - timedelta(days=1) + timedelta(minutes=minute),
    )
    db.put_item(TableName=table_name(Booking), Item=booking.serialize())


def states_for(sold_out: set[str], events: dict[str, Event]) -> Any:
    def load(event_id: str) -> dict[str, SectionState]:
        if event_id not in sold_out:
            return {}
        event = events[event_id]
        from chalicelib.booking.holds import section_seats

        return {s.slug: SectionState(sold=set(section_seats(s))) for s in event.sections}

    return load


def recommend(
    engine: Any,
    db: FakeDynamoDB,
    events: dict[str, Event],
    limit: int = 10,
    sold_out: frozenset[str] = frozenset({"SOLD_OUT"}),
) -> list[str]:
    def load(event_id: str) -> Event:
        if event_id not in events:
            raise EventNotFoundError()
        return events[event_id]

    found = recommendations.recommendations_for(
        "SOURCE",
        limit,
        engine=engine,
        db=db,
        now=NOW.timestamp(),
        load_event=load,
        load_states=states_for(set(sold_out), events),
    )
    return [summary["event_id"] for summary in found]


def test_similar_events_rank_by_what_they_share(engine: Any, bookings: FakeDynamoDB, events: Any) -> None:
    # performer (4) ties with venue + city (3 + 1): the earlier event first; then category, city
    assert recommend(engine, bookings, events) == ["PERFORMER", "VENUE", "CATEGORY", "CITY"]


def test_fans_who_booked_this_also_booked(engine: Any, bookings: FakeDynamoDB, events: Any) -> None:
    # GIVEN three fans of SOURCE: two also booked UNRELATED, one also booked CATEGORY
    for minute, fan in enumerate(("f1", "f2", "f3")):
        book(bookings, fan, "SOURCE", minute=minute)
    book(bookings, "f1", "UNRELATED")
    book(bookings, "f2", "UNRELATED")
    book(bookings, "f1", "CATEGORY")
    # a cancelled booking is no signal
    book(bookings, "f3", "CITY", status="cancelled")
    # THEN the most co-booked event leads (5 points), CATEGORY gains half of that (2 + 2.5)
    assert recommend(engine, bookings, events) == ["UNRELATED", "CATEGORY", "PERFORMER", "VENUE", "CITY"]


def test_never_the_event_itself_past_or_sold_out(engine: Any, bookings: FakeDynamoDB, events: Any) -> None:
    # fans booked the past event too: co-booking cannot bring it back
    book(bookings, "f1", "SOURCE")
    book(bookings, "f1", "PAST")
    found = recommend(engine, bookings, events)
    assert "SOURCE" not in found and "PAST" not in found and "SOLD_OUT" not in found
    # it was left out for being sold out: with seats it leads (it shares everything)
    assert recommend(engine, bookings, events, sold_out=frozenset())[0] == "SOLD_OUT"


def test_limit_and_live_availability(engine: Any, bookings: FakeDynamoDB, events: Any) -> None:
    found = recommendations.recommendations_for(
        "SOURCE",
        2,
        engine=engine,
        db=bookings,
        now=NOW.timestamp(),
        load_event=events.__getitem__,
        load_states=states_for(set(), events),
    )
    assert [f["event_id"] for f in found] == ["SOLD_OUT", "PERFORMER"]
    # the count is the live one (the index only knows the capacity)
    assert found[0]["available_count"] == events["SOLD_OUT"].capacity


def test_rank_blends_similarity_and_co_bookings(events: dict[str, Event]) -> None:
    source = events["SOURCE"]
    candidates = {e: document_from_event(events[e].serialize()) for e in ("PERFORMER", "CITY", "UNRELATED")}
    assert recommendations.rank(source, candidates, Counter()) == ["PERFORMER", "CITY", "UNRELATED"]
    # UNRELATED: 0 + 5; PERFORMER: 4; CITY: 1 + 2.5 (one fan out of the most, two)
    assert recommendations.rank(source, candidates, Counter({"UNRELATED": 2, "CITY": 1})) == [
        "UNRELATED",
        "PERFORMER",
        "CITY",
    ]


def test_an_unknown_event_is_not_found(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(event_id: str) -> Event:
        raise EventNotFoundError()

    monkeypatch.setattr(recommendations, "cached_event", missing)
    with pytest.raises(EventNotFoundError):
        recommendations.recommend("NOPE")


def test_answers_are_cached_briefly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, events: dict[str, Event]
) -> None:
    computed: list[str] = []

    def compute(event_id: str, limit: int) -> list[dict[str, Any]]:
        computed.append(event_id)
        return []

    monkeypatch.setattr(recommendations, "cached_event", events.__getitem__)
    monkeypatch.setattr(recommendations, "recommendations_for", compute)
    recommendations._answers.cache_clear()
    for _ in range(3):
        assert recommendations.recommend("SOURCE") == []
    assert computed == ["SOURCE"]
    recommendations._answers.cache_clear()


def test_an_event_that_starts_while_the_answer_is_cached_is_no_longer_served(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, events: dict[str, Event]
) -> None:
    # GIVEN an answer computed (and cached) while PERFORMER (in 3 days) and VENUE (in 4) were upcoming
    computed: list[str] = []

    def compute(event_id: str, limit: int) -> list[dict[str, Any]]:
        computed.append(event_id)
        return [event_summary(events[e], []) for e in ("PERFORMER", "VENUE")]

    monkeypatch.setattr(recommendations, "cached_event", events.__getitem__)
    monkeypatch.setattr(recommendations, "recommendations_for", compute)
    recommendations._answers.cache_clear()
    served = recommendations.recommend("SOURCE", now=NOW.timestamp())
    assert [s["event_id"] for s in served] == ["PERFORMER", "VENUE"]

    # WHEN PERFORMER starts, and a second later, while that answer is still cached
    starts = events["PERFORMER"].start_at.timestamp()
    at_start = recommendations.recommend("SOURCE", now=starts)
    after = recommendations.recommend("SOURCE", now=starts + 1)

    # THEN it is not recommended any more (its start is not in the future), from the same cached answer
    assert [s["event_id"] for s in at_start] == ["VENUE"]
    assert [s["event_id"] for s in after] == ["VENUE"]
    assert [s["event_id"] for s in recommendations.recommend("SOURCE", now=starts - 1)] == [
        "PERFORMER",
        "VENUE",
    ]
    assert computed == ["SOURCE"]
    recommendations._answers.cache_clear()


def test_clients_may_not_keep_an_answer_past_the_start_of_an_event_it_lists(events: dict[str, Event]) -> None:
    listed = [event_summary(events[e], []) for e in ("PERFORMER", "VENUE")]
    starts = events["PERFORMER"].start_at.timestamp()

    assert recommendations.max_age(listed, ceiling=60, now=starts - 3600) == 60
    assert recommendations.max_age(listed, ceiling=60, now=starts - 30) == 30
    assert recommendations.max_age(listed, ceiling=60, now=starts - 0.5) == 0
    assert recommendations.max_age([], ceiling=60, now=starts) == 60
