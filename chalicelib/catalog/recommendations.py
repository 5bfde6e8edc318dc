"""Recommendations: upcoming, not sold-out events a visitor of an event may also like.

Two signals, blended:
- similarity, from the search engine: events sharing a performer (4 points), the venue (3),
  the category (2) or the city (1). Candidates come from ordinary filtered searches (one per
  performer, the venue, the category, the city), which both engines answer the same way
  (the search behaviour tests hold them to it), so no engine needs a query of its own;
- "fans who booked this also booked": the most recent bookers of the event (bookings `by_event`)
  and their other bookings (`by_user`). The event most of them booked gets 5 points, the others
  in proportion.

Never the event itself, past or sold-out events (checked against the live availability
summaries, not the search index, whose counts are the capacity). Reads are a hundred times
writes, so each event's answer is kept for `recommendations_cache_seconds` in a warm Lambda;
events that start meanwhile are dropped from it each time it is served.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib import aws
from chalicelib.cache import TTLCache
from chalicelib.catalog.availability import SectionState
from chalicelib.catalog.events import (
    cached_availability,
    cached_event,
    event_summary,
    onsale_status,
    section_counts,
)
from chalicelib.errors import EventNotFoundError
from chalicelib.models import Booking, Event, table_name
from chalicelib.search.text import keyword
from chalicelib.settings import get_settings

WEIGHTS = {"performer": 4.0, "venue": 3.0, "category": 2.0, "city": 1.0}
CO_BOOKING_WEIGHT = 5.0
MAX_PERFORMERS = 3  # searches per performer of the event, at most
SEARCH_LIMIT = 20  # candidates per search
FANS_SAMPLED = 50  # most recent bookers of the event asked about their other bookings
BOOKINGS_PER_FAN = 20
CO_BOOKED_CANDIDATES = 20
MAX_LIMIT = 20

LoadEvent = Callable[[str], Event]
LoadStates = Callable[[str], dict[str, SectionState]]


@functools.cache
def _answers() -> TTLCache[list[dict[str, Any]]]:
    return TTLCache(ttl_seconds=get_settings().recommendations_cache_seconds, max_entries=2048)


def recommend(event_id: str, limit: int = 6, *, now: float | None = None) -> list[dict[str, Any]]:
    """Up to `limit` EventSummary documents for `event_id`, best first (cached briefly).

    An event that has started since the answer was cached is left out when it is served: the
    cache may be a minute old, a recommendation of a past event never is.
    Unknown event: EventNotFoundError (404 `event_not_found`)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    cached_event(event_id)  # 404 before anything else, and never cached as an empty answer
    found = _answers().get_or_load(f"{event_id}|{limit}", lambda: recommendations_for(event_id, limit))
    return upcoming(found, now if now is not None else time.time())


def upcoming(summaries: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """The EventSummaries whose `start_at` is still in the future at `now`."""
    moment = datetime.fromtimestamp(now, UTC)
    return [s for s in summaries if datetime.fromisoformat(s["start_at"]) > moment]


def max_age(summaries: list[dict[str, Any]], ceiling: int, now: float | None = None) -> int:
    """How long clients may keep this answer: `ceiling` seconds, but never past the start of an
    event it lists (a browser's or CDN's copy must not list a started event either)."""
    moment = now if now is not None else time.time()
    starts = [datetime.fromisoformat(s["start_at"]).timestamp() for s in summaries]
    return max(0, min([ceiling, *(int(start - moment) for start in starts)]))


def recommendations_for(
    event_id: str,
    limit: int,
    *,
    engine: Any = None,
    db: Any = None,
    now: float | None = None,
    load_event: LoadEvent = cached_event,
    load_states: LoadStates = cached_availability,
) -> list[dict[str, Any]]:
    """The uncached computation, with its dependencies as arguments (tests pass fakes)."""
    from chalicelib import search

    engine = engine or search.engine()
    db = db or aws.dynamodb()
    moment = now if now is not None else time.time()
    source = load_event(event_id)
    similar = similar_events(source, engine, datetime.fromtimestamp(moment, UTC))
    co_booked = fans_also_booked(event_id, db=db)
    candidates: dict[str, dict[str, Any]] = dict(similar)
    for other, _ in co_booked.most_common(CO_BOOKED_CANDIDATES):
        if other not in candidates:
            try:
                candidates[other] = event_summary(load_event(other), [])
            except EventNotFoundError:
                continue
    ranked = rank(source, candidates, co_booked)
    chosen: list[dict[str, Any]] = []
    for candidate in ranked:
        if candidate == event_id:
            continue
        summary = live_summary(candidate, moment, load_event, load_states)
        if summary is not None:
            chosen.append(summary)
        if len(chosen) == limit:
            break
    return chosen


def similar_events(source: Event, engine: Any, now: datetime) -> dict[str, dict[str, Any]]:
    """Upcoming events sharing a performer, the venue, the category or the city (EventSummary
    documents from the search index, by event id)."""
    from chalicelib.search import SearchQuery

    queries = [
        SearchQuery(performer=p, limit=SEARCH_LIMIT, now=now)
        for p in [str(x) for x in source.performers][:MAX_PERFORMERS]
    ]
    queries.append(SearchQuery(venue_id=source.venue.venue_id, limit=SEARCH_LIMIT, now=now))
    queries.append(SearchQuery(category=source.category, city=source.venue.city, limit=SEARCH_LIMIT, now=now))
    queries.append(SearchQuery(category=source.category, limit=SEARCH_LIMIT, now=now))
    queries.append(SearchQuery(city=source.venue.city, limit=SEARCH_LIMIT, now=now))
    found: dict[str, dict[str, Any]] = {}
    for query in queries:
        for doc in engine.search(query).events:
            found.setdefault(doc["event_id"], doc)
    return found


def fans_also_booked(event_id: str, *, db: Any) -> Counter[str]:
    """Other events booked by the event's most recent bookers: event id -> number of fans."""
    fans: list[str] = []
    for booking in _query(db, "by_event", "event_id", event_id, 2 * FANS_SAMPLED):
        user = booking["user_id"]["S"]
        if booking.get("status", {}).get("S") == "confirmed" and user not in fans:
            fans.append(user)
        if len(fans) == FANS_SAMPLED:
            break
    counts: Counter[str] = Counter()
    for fan in fans:
        others = {
            b["event_id"]["S"]
            for b in _query(db, "by_user", "user_id", fan, BOOKINGS_PER_FAN)
            if b.get("status", {}).get("S") == "confirmed"
        }
        counts.update(others - {event_id})
    return counts


def _query(db: Any, index: str, key: str, value: str, limit: int) -> list[dict[str, Any]]:
    page = db.query(
        TableName=table_name(Booking),
        IndexName=index,
        KeyConditionExpression=f"{key} = :v",
        ExpressionAttributeValues={":v": {"S": value}},
        ScanIndexForward=False,  # the most recent first
        Limit=limit,
    )
    items: list[dict[str, Any]] = page.get("Items", [])
    return items


def similarity(source: Event, doc: dict[str, Any]) -> float:
    """Points for what a candidate (an EventSummary) shares with the source event."""
    points = 0.0
    performers = {keyword(str(p)) for p in source.performers}
    if performers & {keyword(p) for p in doc.get("performers", [])}:
        points += WEIGHTS["performer"]
    venue = doc.get("venue") or {}
    if venue.get("venue_id") == source.venue.venue_id:
        points += WEIGHTS["venue"]
    if keyword(str(doc.get("category", ""))) == keyword(source.category):
        points += WEIGHTS["category"]
    if keyword(str(venue.get("city", ""))) == keyword(source.venue.city):
        points += WEIGHTS["city"]
    return points


def rank(source: Event, candidates: dict[str, dict[str, Any]], co_booked: Counter[str]) -> list[str]:
    """Candidate ids, best first: similarity plus the co-booking share; ties by date, then id."""
    most = max(co_booked.values(), default=0)

    def score(event_id: str) -> float:
        shared = co_booked.get(event_id, 0) / most if most else 0.0
        return similarity(source, candidates[event_id]) + CO_BOOKING_WEIGHT * shared

    return sorted(candidates, key=lambda e: (-score(e), candidates[e].get("start_at", ""), e))


def live_summary(
    event_id: str, now: float, load_event: LoadEvent, load_states: LoadStates
) -> dict[str, Any] | None:
    """The candidate's EventSummary with live availability; None if it is past, sold out, or gone."""
    try:
        event = load_event(event_id)
    except EventNotFoundError:
        return None
    sections = section_counts(event, load_states(event_id), now)
    summary = event_summary(event, sections)
    status = onsale_status(event, summary["available_count"], datetime.fromtimestamp(now, UTC))
    if status in {"ended", "sold_out", "provisioning"}:
        return None
    return summary
