"""The engine fixture: every behaviour test runs on tantivy, and on OpenSearch when a cluster is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.search import SearchEngine
from tests.unit.search.support import OPENSEARCH_SKIP_REASON, opensearch_engine, tantivy_engine


@pytest.fixture(params=["tantivy", "opensearch"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchEngine]:
    if request.param == "tantivy":
        local = tantivy_engine(tmp_path / "index")
        yield local
        local.close()
        return
    if not os.environ.get("OPENSEARCH_URL"):
        pytest.skip(OPENSEARCH_SKIP_REASON)
    with opensearch_engine() as built:
        yield built
