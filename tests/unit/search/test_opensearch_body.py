"""The OpenSearch engine without a cluster: the request bodies it builds, and the writes it sends
(to an in-memory fake client)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchQuery
from chalicelib.search.opensearch_engine import (
    FUZZINESS,
    SEARCHED_FIELDS,
    OpenSearchEngine,
    SearchWriteError,
    build_search_body,
    unknown_keys_body,
)
from chalicelib.search.paging import WORD_MATCHED, decode_cursor, encode_cursor
from tests.fakes.catalog import NOW
from tests.unit.search.fake_opensearch import FakeOpenSearch
from tests.unit.search.support import doc

INDEX = "onsale-events"
DEFINITION: dict[str, Any] = {"settings": {}, "mappings": {"properties": {}}}


def query(**fields: Any) -> SearchQuery:
    return SearchQuery(now=NOW, **fields)


def filters(body: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = body["query"]["bool"]["filter"]
    return result


@pytest.fixture
def client() -> FakeOpenSearch:
    return FakeOpenSearch()


@pytest.fixture
def engine(client: FakeOpenSearch) -> OpenSearchEngine:
    return OpenSearchEngine(client, INDEX, index_definition=DEFINITION)


# --- build_search_body ------------------------------------------------------------------------


def test_without_q_it_lists_upcoming_events_by_date() -> None:
    body = build_search_body(query(limit=5))

    assert body["size"] == 6  # one more than the page, to know whether another page exists
    assert "must" not in body["query"]["bool"]
    assert filters(body) == [{"range": {"start_at": {"gte": "2027-03-01T12:00:00Z"}}}]
    assert body["sort"] == [{"start_at": {"order": "asc"}}, {"event_id": {"order": "asc"}}]
    assert body["_source"] == {
        "includes": [
            "event_id",
            "name",
            "category",
            "performers",
            "venue",
            "start_at",
            "min_price",
            "available_count",
            "capacity",  # what live availability is subtracted from
        ]
    }
    assert "search_after" not in body


def test_q_becomes_one_fuzzy_multi_match_per_word_and_sorts_by_score_first() -> None:
    body = build_search_body(query(q="Beyoncé  Paris beyonce"))

    must = body["query"]["bool"]["must"]
    assert len(must) == 2  # folded, and repeated words count once
    fuzzy, prefix = must[0]["bool"]["should"]
    assert must[0]["bool"]["minimum_should_match"] == 1
    assert fuzzy == {
        "multi_match": {
            "query": "beyonce",
            "fields": [
                "name^3",
                "performers^2",
                "venue.name",
                "venue.city",
                "category.text^3",
                "description",
            ],
            "type": "best_fields",
            "fuzziness": "AUTO:4,8",
            "fuzzy_transpositions": True,
            "prefix_length": 0,
            "max_expansions": 50,
        }
    }
    assert prefix == {"multi_match": {"query": "beyonce", "fields": SEARCHED_FIELDS, "type": "bool_prefix"}}
    assert must[1]["bool"]["should"][0]["multi_match"]["query"] == "paris"
    assert body["sort"] == [
        {"_score": {"order": "desc"}},
        {"start_at": {"order": "asc"}},
        {"event_id": {"order": "asc"}},
    ]
    assert FUZZINESS.startswith("AUTO")


def test_any_word_puts_the_word_clauses_in_one_should_of_which_one_must_match() -> None:
    strict = build_search_body(query(q="copper lantern tickets"))
    relaxed = build_search_body(query(q="copper lantern tickets", all_words=False))

    (either,) = relaxed["query"]["bool"]["must"]
    assert either["bool"]["minimum_should_match"] == 1
    assert either["bool"]["should"] == strict["query"]["bool"]["must"]
    assert relaxed["query"]["bool"]["should"] == [
        {"constant_score": {"filter": clause, "boost": WORD_MATCHED}} for clause in either["bool"]["should"]
    ]
    assert relaxed["sort"][0] == {"_score": {"order": "desc"}}


def test_a_one_letter_word_is_not_a_prefix() -> None:
    body = build_search_body(query(q="a"))

    (clause,) = body["query"]["bool"]["must"]
    assert len(clause["bool"]["should"]) == 1


def test_filters_use_the_normalised_keys() -> None:
    body = build_search_body(
        query(
            city=" São  Paulo ",
            category="Théâtre",
            performer="Luna Valdés-Harrington",
            venue_id="V1",
            start_date=date(2027, 4, 1),
            end_date=date(2027, 4, 30),
        )
    )

    assert filters(body) == [
        {"range": {"start_at": {"gte": "2027-04-01T00:00:00Z", "lt": "2027-05-01T00:00:00Z"}}},
        {"term": {"keys.city": "sao paulo"}},
        {"terms": {"keys.category": ["theater", "theaters", "theatre", "theatres"]}},
        {"term": {"keys.performers": "luna valdes harrington"}},
        {"term": {"venue.venue_id": "V1"}},
    ]


def test_a_misspelt_city_or_performer_filter_allows_typos() -> None:
    body = build_search_body(
        query(city="Londn", performer="Théo Marcheti", category="theatre"), frozenset({"city", "performer"})
    )

    assert filters(body)[1:] == [
        {"fuzzy": {"keys.city": {"value": "londn", "fuzziness": 1, "transpositions": True}}},
        {"terms": {"keys.category": ["theater", "theaters", "theatre", "theatres"]}},
        {"fuzzy": {"keys.performers": {"value": "theo marcheti", "fuzziness": 2, "transpositions": True}}},
    ]


def test_a_key_too_short_for_typos_stays_exact_even_when_unknown() -> None:
    body = build_search_body(query(city="Rom"), frozenset({"city"}))

    assert filters(body)[1:] == [{"term": {"keys.city": "rom"}}]
    assert unknown_keys_body(query(city="Rom")) is None
    assert unknown_keys_body(query(q="hamlet")) is None


def test_the_unknown_keys_request_counts_each_key_without_hits() -> None:
    assert unknown_keys_body(query(city="Londn", performer="Beyonse")) == {
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "city": {"filter": {"term": {"keys.city": "londn"}}},
            "performer": {"filter": {"term": {"keys.performers": "beyonse"}}},
        },
    }


def test_the_lower_bound_is_now_when_start_date_is_in_the_past() -> None:
    body = build_search_body(query(start_date=NOW.date() - timedelta(days=3)))

    assert filters(body)[0] == {"range": {"start_at": {"gte": "2027-03-01T12:00:00Z"}}}


def test_now_is_rounded_up_to_the_second() -> None:
    body = build_search_body(SearchQuery(now=NOW + timedelta(milliseconds=1)))

    assert filters(body)[0] == {"range": {"start_at": {"gte": "2027-03-01T12:00:01Z"}}}


def test_a_cursor_carries_search_after() -> None:
    after = [1.25, 1_806_000_000_000, "E-1"]

    body = build_search_body(query(q="jazz", cursor=encode_cursor({"after": after})))

    assert body["search_after"] == after


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        encode_cursor({"o": 20}),  # a tantivy cursor
        encode_cursor({"after": [1_806_000_000_000, "E-1"]}),  # sorted without q: two values
        encode_cursor({"after": [True, 1, "E-1"]}),
        encode_cursor({"after": [{"x": 1}, 1, "E-1"]}),
    ],
)
def test_a_cursor_that_does_not_fit_the_query_is_rejected(cursor: str) -> None:
    with pytest.raises(InvalidRequestError):
        build_search_body(query(q="jazz", cursor=cursor))


# --- writes -----------------------------------------------------------------------------------


def test_upserts_are_sent_at_refresh_as_one_bulk_with_external_versions(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    first = doc("E-1", name="Jazz Night", city="München", performers=["Beyoncé"])
    second = doc("E-2", name="Opera Gala")

    engine.upsert(first)
    engine.upsert(second)
    assert client.bulk_calls == []
    engine.refresh()

    (call,) = client.bulk_calls
    assert call["index"] == INDEX
    assert call["params"] is None  # searchable after the index's refresh interval
    meta, source = call["body"][0:2]
    assert meta == {
        "index": {"_index": INDEX, "_id": "E-1", "version": first["updated_at"], "version_type": "external"}
    }
    assert source == {**first, "keys": {"city": "munchen", "category": "concerts", "performers": ["beyonce"]}}
    assert call["body"][2]["index"]["_id"] == "E-2"
    assert client.stored(INDEX, "E-2")["name"] == "Opera Gala"


def test_the_index_is_created_from_its_definition_once(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    engine.upsert(doc("E-1"))
    engine.refresh()
    engine.upsert(doc("E-2"))
    engine.refresh()

    assert client.indices.definitions == {INDEX: DEFINITION}
    assert client.indices.calls == [("exists", INDEX), ("create", INDEX)]


def test_an_existing_index_is_left_alone(client: FakeOpenSearch) -> None:
    client.indices.definitions[INDEX] = {"existing": True}
    engine = OpenSearchEngine(client, INDEX, index_definition=DEFINITION)

    engine.upsert(doc("E-1"))
    engine.refresh()

    assert client.indices.definitions == {INDEX: {"existing": True}}


def test_a_stale_version_conflict_is_a_success(engine: OpenSearchEngine, client: FakeOpenSearch) -> None:
    newer = doc("E-1", name="New Name", updated_at=NOW)
    older = doc("E-1", name="Old Name", updated_at=NOW - timedelta(minutes=1))

    engine.upsert(newer)
    engine.upsert(older)  # out of order within a batch
    engine.refresh()
    engine.upsert(older)  # and in a later batch
    engine.upsert(newer)  # a duplicate
    engine.refresh()

    assert client.stored(INDEX, "E-1")["name"] == "New Name"
    assert len(client.bulk_calls) == 2


def test_deletes_are_bulked_and_a_missing_document_is_fine(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    engine.upsert(doc("E-1"))
    engine.refresh()

    engine.delete("E-1")
    engine.delete("E-404")
    engine.refresh()

    assert client.bulk_calls[-1]["body"] == [
        {"delete": {"_index": INDEX, "_id": "E-1"}},
        {"delete": {"_index": INDEX, "_id": "availability:E-1"}},  # none was written: a 404, fine
        {"delete": {"_index": INDEX, "_id": "E-404"}},
        {"delete": {"_index": INDEX, "_id": "availability:E-404"}},
    ]
    assert client.documents[INDEX] == {}


def test_other_write_errors_raise(engine: OpenSearchEngine, client: FakeOpenSearch) -> None:
    client.reject["E-2"] = {"type": "mapper_parsing_exception", "reason": "failed to parse"}
    engine.upsert(doc("E-1"))
    engine.upsert(doc("E-2"))

    with pytest.raises(SearchWriteError, match="E-2: 400"):
        engine.refresh()
    engine.refresh()  # the failed batch is not kept: the stream redelivers it
    assert len(client.bulk_calls) == 1


def test_refresh_with_nothing_buffered_sends_nothing(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    engine.refresh()

    assert client.bulk_calls == [] and client.indices.calls == []


def test_refresh_writes_makes_the_bulk_wait_for_searchability(client: FakeOpenSearch) -> None:
    engine = OpenSearchEngine(client, INDEX, refresh_writes=True, index_definition=DEFINITION)

    engine.upsert(doc("E-1"))
    engine.refresh()

    assert client.bulk_calls[0]["params"] == {"refresh": "true"}


# --- search -----------------------------------------------------------------------------------


NOT_RETURNED = {"description", "end_at", "updated_at", "capacity"}


def hit(event_id: str, sort: list[Any]) -> dict[str, Any]:
    source = {k: v for k, v in doc(event_id).items() if k not in {"description", "end_at", "updated_at"}}
    return {"_id": event_id, "_source": source, "sort": sort}


def test_search_pages_with_search_after(engine: OpenSearchEngine, client: FakeOpenSearch) -> None:
    client.indices.definitions[INDEX] = DEFINITION
    client.search_response = {
        "hits": {"hits": [hit("E-1", [1, "E-1"]), hit("E-2", [2, "E-2"]), hit("E-3", [3, "E-3"])]}
    }

    page = engine.search(query(limit=2))

    assert [e["event_id"] for e in page.events] == ["E-1", "E-2"]
    assert page.events[0] == {k: v for k, v in doc("E-1").items() if k not in NOT_RETURNED}
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor)["after"] == [2, "E-2"]

    client.search_response = {"hits": {"hits": [hit("E-3", [3, "E-3"])]}}
    last = engine.search(query(limit=2, cursor=page.next_cursor))

    assert client.search_calls[-1]["body"]["search_after"] == [2, "E-2"]
    assert client.search_calls[-1]["index"] == INDEX
    assert [e["event_id"] for e in last.events] == ["E-3"]
    assert last.next_cursor is None


def test_an_empty_page_asks_which_keys_are_unknown_and_searches_again_allowing_their_typos(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    client.indices.definitions[INDEX] = DEFINITION
    client.search_responses = [
        {"hits": {"hits": []}},
        {"hits": {"hits": []}, "aggregations": {"city": {"doc_count": 0}, "performer": {"doc_count": 3}}},
        {"hits": {"hits": [hit("E-1", [1, "E-1"])]}},
    ]

    page = engine.search(query(city="Londn", performer="Beyonce"))

    exact, counts, again = (call["body"] for call in client.search_calls)
    assert filters(exact)[1:] == [{"term": {"keys.city": "londn"}}, {"term": {"keys.performers": "beyonce"}}]
    assert counts == unknown_keys_body(query(city="Londn", performer="Beyonce"))
    assert filters(again)[1:] == [
        {"fuzzy": {"keys.city": {"value": "londn", "fuzziness": 1, "transpositions": True}}},
        {"term": {"keys.performers": "beyonce"}},  # some event has it: it stays exact
    ]
    assert [e["event_id"] for e in page.events] == ["E-1"]


def test_a_page_with_events_or_known_keys_costs_one_search(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    client.indices.definitions[INDEX] = DEFINITION
    client.search_responses = [{"hits": {"hits": [hit("E-1", [1, "E-1"])]}}]
    engine.search(query(city="Londn"))
    assert len(client.search_calls) == 1

    client.search_responses = [
        {"hits": {"hits": []}},
        {"hits": {"hits": []}, "aggregations": {"city": {"doc_count": 2}}},
    ]
    page = engine.search(query(city="London", q="nothing like it"))

    assert len(client.search_calls) == 3  # the empty page, and the count that found the city known
    assert page.events == []


def test_searching_before_the_index_exists_finds_nothing(engine: OpenSearchEngine) -> None:
    page = engine.search(query(q="anything"))

    assert page.events == [] and page.next_cursor is None


def test_availability_is_a_second_document_written_with_its_read_time_as_version(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    record = {"event_id": "E-1", "as_of": 1_700_000_000_123, "sold": 4, "holds": [[1_700_000_600, 2]]}

    engine.set_availability(record)
    engine.set_availability({**record, "as_of": 1_700_000_000_000, "sold": 9})  # read earlier: refused
    engine.refresh()

    meta, source = client.bulk_calls[0]["body"][0:2]
    assert meta == {
        "index": {
            "_index": INDEX,
            "_id": "availability:E-1",
            "version": 1_700_000_000_123,
            "version_type": "external",
        }
    }
    assert source == {"availability": record}
    assert client.stored(INDEX, "availability:E-1") == {"availability": record}


def test_a_page_folds_in_its_availability_from_one_mget(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    client.indices.definitions[INDEX] = DEFINITION
    capacity = doc("E-1")["capacity"]
    now = int(NOW.timestamp())
    engine.set_availability(
        {"event_id": "E-1", "as_of": 1, "sold": 4, "holds": [[now + 60, 2], [now - 10, 5]]}
    )
    engine.refresh()
    client.search_response = {"hits": {"hits": [hit("E-1", [1, "E-1"]), hit("E-2", [2, "E-2"])]}}

    page = engine.search(query(limit=5))

    (call,) = client.mget_calls
    assert call == {"body": {"ids": ["availability:E-1", "availability:E-2"]}, "index": INDEX}
    assert [e["available_count"] for e in page.events] == [capacity - 6, capacity]  # E-2: nothing sold


def test_a_page_answers_the_venue_time_zone_and_null_for_older_documents(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    client.indices.definitions[INDEX] = DEFINITION
    zoned = hit("E-1", [1, "E-1"])
    zoned["_source"] = {
        **zoned["_source"],
        "venue": {**zoned["_source"]["venue"], "time_zone": "Europe/London"},
    }
    older = hit("E-2", [2, "E-2"])
    older["_source"]["venue"].pop("time_zone")  # indexed before venues had zones
    client.search_response = {"hits": {"hits": [zoned, older]}}

    page = engine.search(query(limit=5))

    assert [e["venue"]["time_zone"] for e in page.events] == ["Europe/London", None]
    assert "time_zone" not in older["_source"]["venue"]  # the hit itself is left as it was


def test_the_venue_time_zone_is_written_to_the_index(
    engine: OpenSearchEngine, client: FakeOpenSearch
) -> None:
    engine.upsert(doc("E-1", time_zone="America/Toronto"))
    engine.refresh()

    assert client.stored(INDEX, "E-1")["venue"]["time_zone"] == "America/Toronto"
