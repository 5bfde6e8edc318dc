"""Event search: one interface, two engines.

- tantivy (embedded, on disk) runs locally and in tests: `ONSALE_SEARCH_ENGINE` unset or "tantivy",
  index directory `ONSALE_SEARCH_INDEX_DIR` (default `$ONSALE_STATE_DIR/search-index`, else
  `.onsale/search-index`).
- OpenSearch runs in AWS: `ONSALE_SEARCH_ENGINE=opensearch`, cluster `OPENSEARCH_URL`, index
  `ONSALE_SEARCH_INDEX` (default "onsale-events").

Both are fed by `functions/search_indexer.py` from two streams: the events table's (documents
built by `document_from_event`) and the availability summaries' (availability records, so that
a result's `available_count` is live within seconds), and both answer
`search(SearchQuery) -> SearchPage` the same way:
- `q`: every word must match one of name, performers, venue name, city, category or description,
  allowing typos (1 edit for words of 4-7 letters, 2 for 8+, transpositions count as one),
  prefixes (2+ letters) and ignoring case and accents; a `q` without any word is treated as
  absent. With `all_words=False` (what `search_events` falls back to when no event matches every
  word) one word is enough, and events matching more words score higher;
- filters: city, performer (case-, accent- and punctuation-insensitive exact; when no event at
  all has that city or performer, those within its edit distance, as for a word of `q`: a
  misspelt name), category (case- and accent-insensitive, singular or plural, -er or -re),
  venue_id (exact), start_date..end_date (inclusive UTC days of start_at);
- events that started before `now` are never listed;
- order: relevance, then start_at, then event_id with `q`; start_at, then event_id without;
- pages: `limit` 1..100, an opaque `cursor`, `next_cursor` None on the last page.

Nothing heavy is imported here: the engines import tantivy / opensearch-py when first built.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol

from chalicelib.errors import InvalidRequestError
from chalicelib.search.text import MAX_QUERY_CHARS, query_words

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
DEFAULT_INDEX_DIR = ".onsale/search-index"
DEFAULT_INDEX_NAME = "onsale-events"


def _now() -> datetime:
    return datetime.now(UTC)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


@dataclass(frozen=True)
class SearchQuery:
    """One search request. Built by the route from query parameters; invalid values raise
    `InvalidRequestError` (400 invalid_request)."""

    q: str | None = None
    city: str | None = None
    category: str | None = None
    performer: str | None = None
    venue_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    now: datetime = field(default_factory=_now)
    all_words: bool = True  # False: any word of `q` is enough (see `search_events`)

    def __post_init__(self) -> None:
        for name in ("q", "city", "category", "performer", "venue_id", "cursor"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidRequestError(f"{name} must be a string")
            object.__setattr__(self, name, _clean(value))
        for name in ("q", "city", "category", "performer", "venue_id"):
            # No stored name is longer (a venue's city, the longest, is at most 200), and a
            # misspelt city or performer is matched by an automaton that grows with its length.
            value = getattr(self, name)
            if value is not None and len(value) > MAX_QUERY_CHARS:
                raise InvalidRequestError(f"{name} must be at most {MAX_QUERY_CHARS} characters")
        if self.q is not None and not query_words(self.q):
            object.__setattr__(self, "q", None)  # nothing searchable: list by date
        if isinstance(self.limit, bool) or not isinstance(self.limit, int):
            raise InvalidRequestError("limit must be an integer")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidRequestError(f"limit must be between 1 and {MAX_LIMIT}")
        for name in ("start_date", "end_date"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
                raise InvalidRequestError(f"{name} must be a date (YYYY-MM-DD)")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise InvalidRequestError("start_date must not be after end_date")
        if self.now.tzinfo is None:
            object.__setattr__(self, "now", self.now.replace(tzinfo=UTC))

    @classmethod
    def from_params(cls, params: Mapping[str, str | None], now: datetime | None = None) -> SearchQuery:
        """A query from `GET /events/search` parameters; a malformed value is a 400 invalid_request.

        Empty values count as absent; dates are `YYYY-MM-DD`; `limit` is 1..100 (default 20).
        """

        def text(name: str) -> str | None:
            value = params.get(name)
            return value if value else None

        raw_limit = text("limit")
        if raw_limit is not None and not re.fullmatch(r"[0-9]{1,3}", raw_limit):
            raise InvalidRequestError(f"limit must be an integer from 1 to {MAX_LIMIT}")
        return cls(
            q=text("q"),
            city=text("city"),
            category=text("category"),
            performer=text("performer"),
            venue_id=text("venue_id"),
            start_date=_date_param(text("start_date"), "start_date"),
            end_date=_date_param(text("end_date"), "end_date"),
            limit=int(raw_limit) if raw_limit is not None else DEFAULT_LIMIT,
            cursor=text("cursor"),
            now=now or _now(),
        )

    @property
    def words(self) -> list[str]:
        """The folded words of `q` that are searched (empty without `q`)."""
        return query_words(self.q) if self.q else []


def _date_param(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError(f"{name} must be a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class SearchPage:
    events: list[dict[str, Any]]  # EventSummary documents
    next_cursor: str | None


class SearchEngine(Protocol):
    def upsert(self, doc: dict[str, Any]) -> None:
        """Index `doc` (from `document_from_event`) unless a newer or equal version is indexed.
        May be buffered until `refresh()`."""

    def set_availability(self, availability: dict[str, Any]) -> None:
        """Keep the event's availability record (`documents.availability_of`) unless one read
        later (`as_of`) is kept; it outlives upserts of the event. May be buffered until
        `refresh()`."""

    def delete(self, event_id: str) -> None:
        """Remove the event (and its availability) from the index. May be buffered until `refresh()`."""

    def search(self, query: SearchQuery) -> SearchPage: ...

    def refresh(self) -> None:
        """Write what `upsert`/`delete` buffered and make it visible to searches."""


def search_events(engine: SearchEngine, query: SearchQuery) -> SearchPage:
    """What `GET /events/search` answers: the events matching every word of `q`, or, when no event
    matches them all ("copper lantern tickets", "comedy in chicago"), the events matching any of
    them, more words first, rather than an empty page. The fallback's pages say so in their
    cursor, so a later page never switches modes."""
    from chalicelib.search.paging import decode_cursor

    if query.cursor is not None:
        payload = decode_cursor(query.cursor)
        if "any" in payload:
            inner = payload["any"]
            if not isinstance(inner, str) or len(query.words) < 2:
                raise InvalidRequestError("The cursor is not valid")
            return _any_word_page(engine, replace(query, cursor=inner, all_words=False))
    page = engine.search(query)
    if page.events or query.cursor is not None or len(query.words) < 2 or not query.all_words:
        return page
    return _any_word_page(engine, replace(query, all_words=False))


def _any_word_page(engine: SearchEngine, query: SearchQuery) -> SearchPage:
    """A page of the any-word fallback, its cursor wrapping the engine's."""
    from chalicelib.search.paging import encode_cursor

    page = engine.search(query)
    return SearchPage(page.events, encode_cursor({"any": page.next_cursor}) if page.next_cursor else None)


def document_from_event(event_image: dict[str, Any]) -> dict[str, Any]:
    """The search document of an events-table item in DynamoDB JSON (a stream's NewImage)."""
    from chalicelib.search.documents import document_from_event as build

    return build(event_image)


def index_dir() -> str:
    """Where the tantivy index lives: `ONSALE_SEARCH_INDEX_DIR`, else `search-index` in the local
    stack's state directory (`ONSALE_STATE_DIR`), else `.onsale/search-index`."""
    if os.environ.get("ONSALE_SEARCH_INDEX_DIR"):
        return os.environ["ONSALE_SEARCH_INDEX_DIR"]
    if os.environ.get("ONSALE_STATE_DIR"):
        return os.path.join(os.environ["ONSALE_STATE_DIR"], "search-index")
    return DEFAULT_INDEX_DIR


_engine_lock = threading.Lock()


def engine() -> SearchEngine:
    """The process's search engine, chosen by `ONSALE_SEARCH_ENGINE` (built on first use, once,
    even when two stream pollers ask at the same moment: tantivy allows one writer)."""
    with _engine_lock:
        return _build_engine()


def reset_engine() -> None:
    """Forget the process's engine (tests switch engines and index directories)."""
    with _engine_lock:
        _build_engine.cache_clear()


@functools.cache
def _build_engine() -> SearchEngine:
    kind = (os.environ.get("ONSALE_SEARCH_ENGINE") or "tantivy").strip().lower()
    if kind == "tantivy":
        from chalicelib.search.tantivy_engine import TantivyEngine

        return TantivyEngine(index_dir())
    if kind == "opensearch":
        from chalicelib.search.opensearch_engine import OpenSearchEngine

        url = os.environ.get("OPENSEARCH_URL")
        if not url:
            raise RuntimeError("ONSALE_SEARCH_ENGINE=opensearch needs OPENSEARCH_URL")
        return OpenSearchEngine.connect(url, os.environ.get("ONSALE_SEARCH_INDEX") or DEFAULT_INDEX_NAME)
    raise RuntimeError(f"Unknown ONSALE_SEARCH_ENGINE {kind!r}: use 'tantivy' or 'opensearch'")


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "SearchEngine",
    "SearchPage",
    "SearchQuery",
    "document_from_event",
    "engine",
    "index_dir",
    "reset_engine",
    "search_events",
]
