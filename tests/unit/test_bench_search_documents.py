"""The search benchmark builds its 100,000 documents directly (going through the model costs ~1 ms
each); they must stay what the project's own `document_from_event` builds, or the benchmark
measures documents the product never indexes (and refuses to run)."""

from __future__ import annotations

from datetime import UTC, datetime

from bench import search as bench_search


def test_the_benchmark_s_direct_documents_match_document_from_event() -> None:
    corpus = bench_search.make_corpus(200, seed=7, now=datetime(2026, 12, 1, tzinfo=UTC))

    checked = bench_search.check_documents(corpus, updated_ms=1_796_000_000_000, every=10)

    assert checked == 20
