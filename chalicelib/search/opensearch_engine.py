"""The search engine in AWS: OpenSearch, through opensearch-py.

- The index's settings and mapping are `infrastructure/opensearch/events-index.json` (an
  ASCII-folding analyzer on the searched text, keyword fields for the filters, a date for
  `start_at`); the engine creates the index from that file if it is missing.
- Writes are buffered and sent as one `_bulk` request by `refresh()`. Each document is indexed
  with external versioning (`version_type=external`, `version=updated_at`), so OpenSearch itself
  rejects a write that is not newer than the stored one: that 409 is a success (the stream
  record was stale or a duplicate). Deleting a missing document (404) is a success too.
- An event's availability record is a second document in the same index, `availability:<id>`,
  written with external versioning too (`version=as_of`), so the frequent availability writes
  never touch the event's document and a late one is refused like a stale event. It has no
  `start_at`, so no search (all filter on `start_at`) can match it; a page's records are read with
  one `_mget` and folded into its summaries.
- Requests are built by the pure function `build_search_body`; pages use `search_after` with the
  sort values of the last hit, carried in the opaque cursor.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchPage, SearchQuery
from chalicelib.search.documents import (
    SUMMARY_FIELDS,
    availability_version,
    category_keys,
    filter_keys,
    summary,
    version,
)
from chalicelib.search.paging import (
    WORD_MATCHED,
    decode_cursor,
    encode_cursor,
    rfc3339_from_timestamp,
    start_bounds,
)
from chalicelib.search.text import MIN_PREFIX_CHARS, fuzzy_distance, keyword

logger = logging.getLogger("onsale.search.opensearch")

MAPPING_PATH = Path(__file__).resolve().parents[2] / "infrastructure" / "opensearch" / "events-index.json"
SEARCHED_FIELDS = ["name^3", "performers^2", "venue.name", "venue.city", "category.text^3", "description"]
# OpenSearch's AUTO fuzziness with the thresholds of the tantivy engine: exact up to 3 letters,
# 1 edit for 4-7, 2 for 8 or more (plain "AUTO" is 3 and 6).
FUZZINESS = "AUTO:4,8"
AVAILABILITY_PREFIX = "availability:"


class SearchClient(Protocol):
    """The part of `opensearchpy.OpenSearch` the engine uses (tests pass an in-memory fake)."""

    @property
    def indices(self) -> Any: ...

    def bulk(self, *, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any: ...

    def search(
        self, *, body: Any = None, index: Any = None, params: Any = None, headers: Any = None
    ) -> Any: ...

    def mget(self, *, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any: ...


class SearchWriteError(RuntimeError):
    """OpenSearch refused some writes of a batch (other than stale versions)."""


def load_index_definition(path: Path | None = None) -> dict[str, Any]:
    source = path or Path(os.environ.get("ONSALE_SEARCH_MAPPING") or MAPPING_PATH)
    definition: dict[str, Any] = json.loads(source.read_text())
    return definition


def index_body(doc: dict[str, Any]) -> dict[str, Any]:
    """What is stored in OpenSearch for a document: the document and its filter keys."""
    keys = filter_keys(doc)
    return {**doc, "keys": {name: keys[name] for name in ("city", "category", "performers")}}


def sort_clause(query: SearchQuery) -> list[dict[str, Any]]:
    by_date: list[dict[str, Any]] = [{"start_at": {"order": "asc"}}, {"event_id": {"order": "asc"}}]
    return [{"_score": {"order": "desc"}}, *by_date] if query.words else by_date


# The query's filters on a key that may be misspelt: its name in `SearchQuery`, and its field.
KEY_FIELDS = {"city": "keys.city", "performer": "keys.performers"}


def key_filter(field: str, key: str, misspelt: bool = False) -> dict[str, Any]:
    """Events whose `field` is `key`, or (`misspelt`: no event has it) within its edit distance."""
    distance = fuzzy_distance(key)
    if misspelt and distance:
        return {"fuzzy": {field: {"value": key, "fuzziness": distance, "transpositions": True}}}
    return {"term": {field: key}}


def unknown_keys_body(query: SearchQuery) -> dict[str, Any] | None:
    """The request that tells which of the query's city and performer no event has (one filter
    aggregation each, no hits), None when it has neither (or only ones too short for typos)."""
    aggregations = {
        name: {"filter": {"term": {field: keyword(value)}}}
        for name, field in KEY_FIELDS.items()
        if (value := getattr(query, name)) and fuzzy_distance(keyword(value))
    }
    return {"size": 0, "track_total_hits": False, "aggs": aggregations} if aggregations else None


def build_search_body(query: SearchQuery, misspelt: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The `_search` request body of a query (pure: no I/O). A bad cursor raises InvalidRequestError.

    `misspelt` names the keys (`KEY_FIELDS`) that no event has: those filters allow typos."""
    lower, upper = start_bounds(query)
    start_range: dict[str, Any] = {"gte": rfc3339_from_timestamp(lower)}
    if upper is not None:
        start_range["lt"] = rfc3339_from_timestamp(upper)
    filters: list[dict[str, Any]] = [{"range": {"start_at": start_range}}]
    if query.city:
        filters.append(key_filter(KEY_FIELDS["city"], keyword(query.city), "city" in misspelt))
    if query.category:
        filters.append({"terms": {"keys.category": category_keys(query.category)}})
    if query.performer:
        filters.append(key_filter(KEY_FIELDS["performer"], keyword(query.performer), "performer" in misspelt))
    if query.venue_id:
        filters.append({"term": {"venue.venue_id": query.venue_id}})
    boolean: dict[str, Any] = {"filter": filters}
    if query.words:
        clauses = [word_clause(word) for word in query.words]
        if query.all_words or len(clauses) < 2:
            boolean["must"] = clauses
        else:  # any word will do; events matching more words come first
            boolean["must"] = [{"bool": {"should": clauses, "minimum_should_match": 1}}]
            boolean["should"] = [
                {"constant_score": {"filter": clause, "boost": WORD_MATCHED}} for clause in clauses
            ]
    sort = sort_clause(query)
    body: dict[str, Any] = {
        "size": query.limit + 1,  # one more than a page says whether another page exists
        "track_total_hits": False,
        "_source": {"includes": [*SUMMARY_FIELDS, "capacity"]},
        "query": {"bool": boolean},
        "sort": sort,
    }
    if query.cursor is not None:
        body["search_after"] = _search_after(query.cursor, len(sort))
    return body


def word_clause(word: str) -> dict[str, Any]:
    """One query word: as typed or within its edit distance, or as a prefix, in any searched field."""
    should: list[dict[str, Any]] = [
        {
            "multi_match": {
                "query": word,
                "fields": SEARCHED_FIELDS,
                "type": "best_fields",
                "fuzziness": FUZZINESS,
                "fuzzy_transpositions": True,
                "prefix_length": 0,
                "max_expansions": 50,
            }
        }
    ]
    if len(word) >= MIN_PREFIX_CHARS:
        should.append({"multi_match": {"query": word, "fields": SEARCHED_FIELDS, "type": "bool_prefix"}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _search_after(cursor: str, length: int) -> list[Any]:
    after = decode_cursor(cursor).get("after")
    if (
        not isinstance(after, list)
        or len(after) != length
        or not all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in after)
    ):
        raise InvalidRequestError("The cursor is not valid")
    return after


class OpenSearchEngine:
    def __init__(
        self,
        client: SearchClient,
        index: str,
        *,
        refresh_writes: bool = False,
        index_definition: dict[str, Any] | None = None,
    ) -> None:
        """`refresh_writes=True` makes each `refresh()` wait until its writes are searchable
        (tests); by default they become searchable within the index's refresh interval."""
        self.client = client
        self.index = index
        self.refresh_writes = refresh_writes
        self._index_definition = index_definition
        self._index_ready = False
        self._actions: list[dict[str, Any]] = []

    @classmethod
    def connect(cls, url: str, index: str) -> OpenSearchEngine:
        from opensearchpy import OpenSearch

        options: dict[str, Any] = {"timeout": 10, "max_retries": 2, "retry_on_timeout": True}
        if (os.environ.get("OPENSEARCH_AUTH") or "").lower() == "sigv4":
            import boto3
            from opensearchpy import RequestsAWSV4SignerAuth, RequestsHttpConnection

            from chalicelib.settings import get_settings

            credentials = boto3.Session().get_credentials()
            service = os.environ.get("OPENSEARCH_SERVICE") or "es"
            options["http_auth"] = RequestsAWSV4SignerAuth(credentials, get_settings().region, service)
            options["connection_class"] = RequestsHttpConnection
        return cls(OpenSearch(url, **options), index)

    # --- writes ----------------------------------------------------------------------------

    def upsert(self, doc: dict[str, Any]) -> None:
        meta = {
            "_index": self.index,
            "_id": doc["event_id"],
            "version": version(doc),
            "version_type": "external",
        }
        self._actions.extend([{"index": meta}, index_body(doc)])

    def set_availability(self, availability: dict[str, Any]) -> None:
        meta = {
            "_index": self.index,
            "_id": AVAILABILITY_PREFIX + availability["event_id"],
            "version": availability_version(availability),
            "version_type": "external",
        }
        self._actions.extend([{"index": meta}, {"availability": availability}])

    def delete(self, event_id: str) -> None:
        for doc_id in (event_id, AVAILABILITY_PREFIX + event_id):
            self._actions.append({"delete": {"_index": self.index, "_id": doc_id}})

    def refresh(self) -> None:
        if not self._actions:
            return
        actions, self._actions = self._actions, []
        self.ensure_index()
        params = {"refresh": "true"} if self.refresh_writes else None
        response = self.client.bulk(body=actions, index=self.index, params=params)
        if not response.get("errors"):
            return
        failures = []
        for item in response.get("items", []):
            (operation, outcome), *_ = item.items()
            status = int(outcome.get("status", 500))
            stale = operation == "index" and status == 409  # a newer or equal version is stored
            gone = operation == "delete" and status == 404
            if status < 300 or stale or gone:
                continue
            failures.append(f"{operation} {outcome.get('_id')}: {status} {outcome.get('error')}")
        if failures:
            raise SearchWriteError(f"{len(failures)} writes failed: " + "; ".join(failures[:5]))

    def ensure_index(self) -> None:
        """Create the index from its definition if it does not exist yet."""
        if self._index_ready:
            return
        if not self.client.indices.exists(index=self.index):
            definition = self._index_definition or load_index_definition()
            from opensearchpy.exceptions import RequestError

            try:
                self.client.indices.create(index=self.index, body=definition)
            except RequestError as exc:
                if "resource_already_exists_exception" not in str(exc):
                    raise
        self._index_ready = True

    # --- reads -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        from opensearchpy.exceptions import NotFoundError

        body = build_search_body(query)
        try:
            response = self.client.search(body=body, index=self.index)
        except NotFoundError:
            return SearchPage(events=[], next_cursor=None)  # no index yet: nothing indexed
        hits = response["hits"]["hits"]
        if not hits and (misspelt := self._unknown_keys(query)):
            response = self.client.search(body=build_search_body(query, misspelt), index=self.index)
            hits = response["hits"]["hits"]
        page = hits[: query.limit]
        more = len(hits) > query.limit
        availability = self._availability([hit["_id"] for hit in page])
        now = query.now.timestamp()
        return SearchPage(
            events=[summary(hit["_source"], availability.get(hit["_id"]), now) for hit in page],
            next_cursor=encode_cursor({"after": page[-1]["sort"]}) if more else None,
        )

    def _unknown_keys(self, query: SearchQuery) -> frozenset[str]:
        """The query's keys (`KEY_FIELDS`) that no event has: asked only when a page came back
        empty, so a search that finds events costs one request, as before."""
        body = unknown_keys_body(query)
        if body is None:
            return frozenset()
        counts = self.client.search(body=body, index=self.index).get("aggregations", {})
        return frozenset(name for name, found in counts.items() if found["doc_count"] == 0)

    def _availability(self, event_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The availability records of these events (those that have one), in one `_mget`."""
        if not event_ids:
            return {}
        ids = [AVAILABILITY_PREFIX + event_id for event_id in event_ids]
        response = self.client.mget(body={"ids": ids}, index=self.index)
        found: dict[str, dict[str, Any]] = {}
        for doc in response.get("docs", []):
            record = (doc.get("_source") or {}).get("availability") if doc.get("found") else None
            if record:
                found[record["event_id"]] = record
        return found
