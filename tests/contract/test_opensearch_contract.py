"""The OpenSearch adapter's contract with its index definition and with a real cluster.

The first tests read `infrastructure/opensearch/events-index.json` only and always run: every
field the engine writes, filters, sorts or searches exists in the (strict) mapping with a type
that supports that use. The others need a cluster (`OPENSEARCH_URL`), as the behaviour suite in
tests/unit/search does.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.search import SearchQuery
from chalicelib.search.opensearch_engine import (
    SEARCHED_FIELDS,
    OpenSearchEngine,
    build_search_body,
    index_body,
    load_index_definition,
)
from tests.fakes.catalog import NOW
from tests.unit.search.support import OPENSEARCH_SKIP_REASON, doc

DEFINITION = load_index_definition()
PROPERTIES: dict[str, Any] = DEFINITION["mappings"]["properties"]


def field(path: str) -> dict[str, Any]:
    """The mapping of a dotted field path, including multi-fields (`name.keyword`)."""
    node: dict[str, Any] = {"properties": PROPERTIES}
    for part in path.split("."):
        if "properties" in node and part in node["properties"]:
            node = node["properties"][part]
        elif "fields" in node and part in node["fields"]:
            node = node["fields"][part]
        else:
            raise AssertionError(f"{path} is not in the mapping")
    return node


def leaves(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def test_the_mapping_is_strict_and_holds_every_field_the_engine_writes() -> None:
    body = index_body(doc("E-1", performers=["A", "B"], description="words"))

    assert DEFINITION["mappings"]["dynamic"] == "strict"
    for path in leaves(body):
        field(path)


def test_the_venue_time_zone_is_stored_but_not_indexed() -> None:
    body = index_body(doc("E-1", time_zone="America/Chicago"))

    assert body["venue"]["time_zone"] == "America/Chicago"
    assert field("venue.time_zone") == {"type": "keyword", "index": False, "doc_values": False}


def test_filters_and_sorts_use_keyword_and_date_fields() -> None:
    body = build_search_body(
        SearchQuery(q="x y", city="c", category="k", performer="p", venue_id="v", now=NOW)
    )

    for clause in body["query"]["bool"]["filter"]:
        ((kind, target),) = clause.items()
        ((path, _),) = target.items()
        assert field(path)["type"] == ("date" if kind == "range" else "keyword"), path
    for sort in body["sort"]:
        ((path, _),) = sort.items()
        if path != "_score":
            assert field(path)["type"] in {"date", "keyword"}, path


def test_searched_fields_are_folded_text() -> None:
    analysis = DEFINITION["settings"]["analysis"]

    assert "asciifolding" in analysis["analyzer"]["folded"]["filter"]
    for spec in SEARCHED_FIELDS:
        mapping = field(spec.split("^")[0])
        assert mapping["type"] == "text" and mapping["analyzer"] == "folded", spec


# --- against a cluster --------------------------------------------------------------------------

needs_cluster = pytest.mark.skipif(not os.environ.get("OPENSEARCH_URL"), reason=OPENSEARCH_SKIP_REASON)


@pytest.fixture
def cluster() -> Iterator[tuple[Any, str]]:
    from opensearchpy import OpenSearch

    client = OpenSearch(os.environ["OPENSEARCH_URL"], timeout=30)
    name = f"onsale-contract-{uuid.uuid4().hex[:12]}"
    definition = load_index_definition()
    definition["settings"]["index"]["number_of_replicas"] = 0
    client.indices.create(index=name, body=definition)
    try:
        yield client, name
    finally:
        client.indices.delete(index=name, ignore_unavailable=True)


@needs_cluster
def test_the_cluster_accepts_the_definition_and_folds_accents(cluster: tuple[Any, str]) -> None:
    client, name = cluster

    analyzed = client.indices.analyze(
        index=name, body={"analyzer": "folded", "text": "Beyoncé Valdés-Harrington"}
    )

    assert [t["token"] for t in analyzed["tokens"]] == ["beyonce", "valdes", "harrington"]


@needs_cluster
def test_bulk_answers_as_the_engine_expects(cluster: tuple[Any, str]) -> None:
    client, name = cluster
    engine = OpenSearchEngine(client, name, refresh_writes=True)
    newer = doc("E-1", name="Newer")
    older = {**doc("E-1", name="Older"), "updated_at": newer["updated_at"] - 1}

    engine.upsert(newer)
    engine.refresh()
    response = client.bulk(
        body=[
            {
                "index": {
                    "_index": name,
                    "_id": "E-1",
                    "version": older["updated_at"],
                    "version_type": "external",
                }
            },
            index_body(older),
            {"delete": {"_index": name, "_id": "E-404"}},
        ],
        params={"refresh": "true"},
    )

    statuses = [(op, outcome["status"]) for item in response["items"] for op, outcome in item.items()]
    assert statuses == [("index", 409), ("delete", 404)]
    engine.upsert(older)
    engine.delete("E-404")
    engine.refresh()  # both answers are successes to the engine
    assert client.get(index=name, id="E-1")["_source"]["name"] == "Newer"
