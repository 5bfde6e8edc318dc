"""The deploy step that applies the search index and its access rules (no cluster needed: the
requests are built by pure functions and sent to a recording client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.search import DEFAULT_INDEX_NAME
from infrastructure import opensearch_setup as setup

ROOT = Path(__file__).resolve().parents[2]
READER = "arn:aws:iam::123456789012:role/onsale-dev-ApiFunctionRole-1"
INDEXER = "arn:aws:iam::123456789012:role/onsale-dev-SearchIndexerRole-1"


def test_index_definition_is_the_repository_mapping_with_the_replicas_the_domain_holds() -> None:
    source = json.loads((ROOT / "infrastructure" / "opensearch" / "events-index.json").read_text())
    definition = setup.index_definition(replicas=0)
    assert definition["mappings"] == source["mappings"]
    assert definition["settings"]["analysis"] == source["settings"]["analysis"]
    assert definition["settings"]["index"]["number_of_replicas"] == 0


def test_roles_grant_one_index_and_map_the_function_roles() -> None:
    requests = {r.path: r for r in setup.security_requests(DEFAULT_INDEX_NAME, READER, INDEXER)}
    reader = requests[f"/_plugins/_security/api/roles/{setup.READER_ROLE}"].body
    assert reader["index_permissions"] == [
        {"index_patterns": [DEFAULT_INDEX_NAME], "allowed_actions": ["read"]}
    ]
    indexer = requests[f"/_plugins/_security/api/roles/{setup.INDEXER_ROLE}"].body
    (permission,) = indexer["index_permissions"]
    assert permission["index_patterns"] == [DEFAULT_INDEX_NAME]
    assert "*" not in json.dumps(indexer) and "*" not in json.dumps(reader)
    mappings = {path.rsplit("/", 1)[1]: r.body for path, r in requests.items() if "/rolesmapping/" in path}
    assert mappings == {
        setup.READER_ROLE: {"backend_roles": [READER]},
        setup.INDEXER_ROLE: {"backend_roles": [INDEXER]},
    }


def test_an_existing_index_gets_new_fields_not_a_new_index() -> None:
    definition = setup.index_definition(replicas=1)
    fresh = setup.index_requests("onsale-events", definition, exists=False)
    assert [(r.method, r.path) for r in fresh] == [("PUT", "/onsale-events")]
    existing = setup.index_requests("onsale-events", definition, exists=True)
    assert [(r.method, r.path) for r in existing] == [
        ("PUT", "/onsale-events/_mapping"),
        ("PUT", "/onsale-events/_settings"),
    ]
    assert existing[0].body == definition["mappings"]


class Transport:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    def perform_request(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        self.sent.append((method, path, body))
        return {"acknowledged": True}


class Client:
    def __init__(self) -> None:
        self.transport = Transport()


def test_perform_sends_each_request_once() -> None:
    client = Client()
    for request in setup.security_requests("onsale-events", READER, INDEXER):
        setup.perform(client, request)
    assert len(client.transport.sent) == 4
