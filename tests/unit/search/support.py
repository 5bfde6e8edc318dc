"""Search test data: event images as the events table's stream carries them, and their documents."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chalicelib.models import VenueRef
from chalicelib.search import SearchEngine, SearchPage, SearchQuery, document_from_event
from tests.fakes.catalog import NOW, make_event

if TYPE_CHECKING:
    from chalicelib.search.tantivy_engine import TantivyEngine

OPENSEARCH_SKIP_REASON = "OPENSEARCH_URL not set: no OpenSearch cluster here"


def event_image(
    event_id: str,
    *,
    name: str = "Test Concert",
    performers: list[str] | None = None,
    venue_name: str = "Test Hall",
    city: str = "Testville",
    venue_id: str = "01JQ8Z7Y3K2W9V6T5R4P3N2M1V",
    time_zone: str | None = None,
    category: str = "concerts",
    description: str = "",
    start_at: datetime = NOW + timedelta(days=30),
    updated_at: datetime = NOW - timedelta(days=1),
) -> dict[str, Any]:
    """An events-table item in DynamoDB JSON (what a stream record's NewImage holds)."""
    event = make_event(event_id=event_id, start_at=start_at)
    event.name = name
    cast(Any, event).performers = list(performers if performers is not None else ["The Testers"])
    event.venue = VenueRef(
        venue_id=venue_id, name=venue_name, city=city, address="1 Test St", time_zone=time_zone
    )
    event.venue_id = venue_id
    event.category = category
    event.description = description
    event.updated_at = updated_at
    image: dict[str, Any] = event.serialize()
    return image


def doc(event_id: str, **fields: Any) -> dict[str, Any]:
    return document_from_event(event_image(event_id, **fields))


def synthetic_doc(n: int, *, start: datetime = NOW) -> dict[str, Any]:
    """A search document built directly (fast, for volume tests)."""
    cities = ["London", "Paris", "Berlin", "München", "São Paulo"]
    return {
        "event_id": f"E{n:07d}",
        "name": f"Show number {n} {['Jazz', 'Rock', 'Opera', 'Comedy'][n % 4]} night",
        "category": ["concerts", "theatre", "comedy"][n % 3],
        "performers": [f"Performer {n % 500}"],
        "venue": {"venue_id": f"V{n % 50:03d}", "name": f"Hall {n % 50}", "city": cities[n % len(cities)]},
        "start_at": (start + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "min_price": {"amount": 1000 + n % 7 * 500, "currency": "EUR"},
        "available_count": 100,
        "description": "A synthetic event",
        "end_at": (start + timedelta(hours=n + 2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": 1_700_000_000_000 + n,
    }


def index(engine: SearchEngine, *docs: dict[str, Any]) -> None:
    for document in docs:
        engine.upsert(document)
    engine.refresh()


def ids(page: SearchPage) -> list[str]:
    return [event["event_id"] for event in page.events]


def search(engine: SearchEngine, **fields: Any) -> SearchPage:
    fields.setdefault("now", NOW)
    return engine.search(SearchQuery(**fields))


def every_page(engine: SearchEngine, **fields: Any) -> list[SearchPage]:
    pages = [search(engine, **fields)]
    while pages[-1].next_cursor is not None:
        assert len(pages) < 100, "pagination does not end"
        pages.append(search(engine, **fields, cursor=pages[-1].next_cursor))
    return pages


def tantivy_engine(path: Path) -> TantivyEngine:
    from chalicelib.search.tantivy_engine import TantivyEngine

    return TantivyEngine(path)


@contextmanager
def opensearch_engine() -> Iterator[SearchEngine]:
    """An OpenSearch engine on a fresh index of the cluster at OPENSEARCH_URL (dropped after)."""
    from opensearchpy import OpenSearch

    from chalicelib.search.opensearch_engine import OpenSearchEngine, load_index_definition

    client = OpenSearch(os.environ["OPENSEARCH_URL"], timeout=30)
    name = f"onsale-test-{uuid.uuid4().hex[:12]}"
    definition = load_index_definition()
    definition["settings"]["index"]["number_of_replicas"] = 0  # single-node test clusters
    engine = OpenSearchEngine(client, name, refresh_writes=True, index_definition=definition)
    try:
        yield engine
    finally:
        client.indices.delete(index=name, ignore_unavailable=True)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
