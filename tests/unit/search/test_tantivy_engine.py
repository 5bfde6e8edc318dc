"""What is particular to the tantivy engine: volume, persistence, one writer and many readers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib import search
from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchQuery, tantivy_engine
from chalicelib.search.paging import encode_cursor
from chalicelib.search.tantivy_engine import MAX_OFFSET, SCHEMA_VERSION, TantivyEngine
from tests.fakes.catalog import NOW
from tests.unit.search.support import doc, ids, index, synthetic_doc


def test_ten_thousand_documents_index_and_search(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path)
    docs = [synthetic_doc(n) for n in range(10_000)]

    index(engine, *docs)

    assert engine.num_docs == 10_000
    first = engine.search(SearchQuery(limit=100, now=NOW))
    assert ids(first) == [f"E{n:07d}" for n in range(100)]
    assert (
        ids(engine.search(SearchQuery(q="show number 4242", performer="Performer 242", now=NOW)))[0]
        == "E0004242"
    )
    munich_jazz = engine.search(SearchQuery(q="jaz", city="munchen", limit=100, now=NOW))
    assert len(munich_jazz.events) == 100 and munich_jazz.next_cursor is not None
    assert all(e["venue"]["city"] == "München" and "Jazz" in e["name"] for e in munich_jazz.events)
    engine.close()


def test_the_index_persists_and_other_instances_read_it(tmp_path: Path) -> None:
    writer = TantivyEngine(tmp_path)
    reader = TantivyEngine(tmp_path)  # as the API process opens it: no writer lock taken
    index(writer, doc("E-1", name="Persisted Show"))

    deadline = time.monotonic() + 5  # readers reload on their own shortly after a commit
    while not ids(reader.search(SearchQuery(q="persisted", now=NOW))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ids(reader.search(SearchQuery(q="persisted", now=NOW))) == ["E-1"]
    writer.close()
    reopened = TantivyEngine(tmp_path)

    assert ids(reopened.search(SearchQuery(q="persisted", now=NOW))) == ["E-1"]
    assert (tmp_path / f"v{SCHEMA_VERSION}" / "meta.json").exists()
    index(reopened, doc("E-2", name="Second Show"))  # the first writer's lock was released
    assert ids(reopened.search(SearchQuery(q="show", now=NOW))) == ["E-1", "E-2"]
    reopened.close()


def test_a_word_first_used_later_is_found_misspelt_by_a_reader_opened_before(tmp_path: Path) -> None:
    writer = TantivyEngine(tmp_path)
    reader = TantivyEngine(tmp_path)
    index(writer, doc("E-1", name="Opening Night"))
    assert ids(reader.search(SearchQuery(q="kaleidsocope", now=NOW))) == []  # its expansion is kept
    index(writer, doc("E-2", name="Kaleidoscope Parade"))

    deadline = time.monotonic() + 5
    while not ids(reader.search(SearchQuery(q="kaleidsocope", now=NOW))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ids(reader.search(SearchQuery(q="kaleidsocope", now=NOW))) == ["E-2"]  # 2 edits
    writer.close()


def test_the_writing_process_expands_to_its_new_words_at_once(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path)
    assert ids(engine.search(SearchQuery(q="zanzib", now=NOW))) == []

    index(engine, doc("E-1", name="Zanzibar Nights"))

    assert ids(engine.search(SearchQuery(q="zanzib", now=NOW))) == ["E-1"]
    assert ids(engine.search(SearchQuery(q="zanizbar", now=NOW))) == ["E-1"]
    engine.close()


def test_a_reader_that_showed_an_event_shows_its_next_version_and_availability(tmp_path: Path) -> None:
    writer = TantivyEngine(tmp_path)
    reader = TantivyEngine(tmp_path)
    index(writer, doc("E-1", name="Harvest Show", updated_at=NOW - timedelta(days=2)))

    def shown() -> tuple[str, int]:
        events = reader.search(SearchQuery(q="harvest", now=NOW)).events
        return (events[0]["name"], events[0]["available_count"]) if events else ("", -1)

    def eventually(expected: tuple[str, int]) -> tuple[str, int]:
        deadline = time.monotonic() + 5
        while shown() != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return shown()

    assert eventually(("Harvest Show", 28)) == ("Harvest Show", 28)
    index(writer, doc("E-1", name="Harvest Show Late", updated_at=NOW - timedelta(days=1)))
    assert eventually(("Harvest Show Late", 28)) == ("Harvest Show Late", 28)
    writer.set_availability({"event_id": "E-1", "as_of": 1, "sold": 10, "holds": []})
    writer.refresh()
    assert eventually(("Harvest Show Late", 18)) == ("Harvest Show Late", 18)
    writer.close()


def test_a_reader_keeps_a_bounded_number_of_decoded_documents_letting_the_oldest_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tantivy_engine, "DECODED_ENTRIES", 3)
    engine = TantivyEngine(tmp_path)
    index(engine, *(synthetic_doc(n) for n in range(5)))

    listed = engine.search(SearchQuery(limit=5, now=NOW))
    again = engine.search(SearchQuery(limit=5, now=NOW))

    assert ids(listed) == ids(again) == [f"E{n:07d}" for n in range(5)]
    # One at a time, not all at once: the last three read are still there.
    assert len(engine._decoded) == 3
    kept = {document["event_id"] for document in engine._decoded.values()}
    assert kept == {"E0000002", "E0000003", "E0000004"}
    engine.close()


def test_a_process_s_searches_run_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = TantivyEngine(tmp_path)
    index(engine, *(synthetic_doc(n) for n in range(50)))
    inside = most = 0
    lock = threading.Lock()
    ranked = tantivy_engine._ranked

    def observed(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.002)  # long enough for the other threads to arrive
        try:
            return ranked(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(tantivy_engine, "_ranked", observed)

    def searches() -> list[list[str]]:
        return [ids(engine.search(SearchQuery(q="show", limit=5, now=NOW))) for _ in range(10)]

    with ThreadPoolExecutor(8) as pool:
        answers = [answer for batch in pool.map(lambda _: searches(), range(8)) for answer in batch]

    assert len(answers) == 80 and all(answer == answers[0] for answer in answers) and answers[0]
    assert most == 1
    engine.close()


def test_a_reopened_index_keeps_its_words_and_adds_each_once(tmp_path: Path) -> None:
    first = TantivyEngine(tmp_path)
    index(first, doc("E-1", name="Harbour Lights", city="Lisbon"))
    first.close()
    second = TantivyEngine(tmp_path)
    index(second, doc("E-2", name="Harbour Nights", city="Lisbon"))

    assert ids(second.search(SearchQuery(q="harbuor lisbn", now=NOW))) == ["E-1", "E-2"]
    words = second._words.searcher().terms_with_prefix("term", "")
    assert {"harbour", "lights", "nights", "lisbon"} <= {term for term, _ in words}
    assert all(count == 1 for _, count in words)
    second.close()


def test_a_prefix_stands_for_its_fifty_most_frequent_words_at_most(tmp_path: Path) -> None:
    # As OpenSearch's bool_prefix (max_expansions 50): "zeta" expands to "zetaz" (in 5 events)
    # and the first 49 of the 60 words seen once, in alphabetical order.
    engine = TantivyEngine(tmp_path)
    rare = [doc(f"R-{n:02d}", name=f"Zeta{n:02d} Show") for n in range(60)]
    common = [doc(f"C-{n}", name="Zetaz Show") for n in range(5)]
    index(engine, *rare, *common)

    found = set(ids(engine.search(SearchQuery(q="zeta", limit=100, now=NOW))))

    assert found == {f"C-{n}" for n in range(5)} | {f"R-{n:02d}" for n in range(49)}
    assert ids(engine.search(SearchQuery(q="zeta55", now=NOW)))[0] == "R-55"  # typed further: found
    engine.close()


def test_the_index_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONSALE_SEARCH_INDEX_DIR", raising=False)
    monkeypatch.delenv("ONSALE_STATE_DIR", raising=False)
    assert search.index_dir() == ".onsale/search-index"
    monkeypatch.setenv("ONSALE_STATE_DIR", "/tmp/state")
    assert search.index_dir() == "/tmp/state/search-index"
    monkeypatch.setenv("ONSALE_SEARCH_INDEX_DIR", "/tmp/elsewhere")
    assert search.index_dir() == "/tmp/elsewhere"


def test_a_cursor_cannot_ask_for_unbounded_depth(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path)

    with pytest.raises(InvalidRequestError):
        engine.search(SearchQuery(cursor=encode_cursor({"o": MAX_OFFSET + 1}), now=NOW))
    assert engine.search(SearchQuery(cursor=encode_cursor({"o": MAX_OFFSET}), now=NOW)).events == []


def test_the_factory_builds_one_engine_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ONSALE_SEARCH_ENGINE", raising=False)
    monkeypatch.setenv("ONSALE_SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    search.reset_engine()
    try:
        built = search.engine()
        assert isinstance(built, TantivyEngine)
        assert built.path == tmp_path / "idx" / f"v{SCHEMA_VERSION}"
        assert search.engine() is built
    finally:
        search.reset_engine()


def test_the_factory_needs_a_url_for_opensearch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONSALE_SEARCH_ENGINE", "opensearch")
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    search.reset_engine()
    try:
        with pytest.raises(RuntimeError, match="OPENSEARCH_URL"):
            search.engine()
        monkeypatch.setenv("OPENSEARCH_URL", "http://127.0.0.1:1")  # built lazily: no connection yet
        search.reset_engine()
        from chalicelib.search.opensearch_engine import OpenSearchEngine

        built = search.engine()
        assert isinstance(built, OpenSearchEngine) and built.index == "onsale-events"
    finally:
        search.reset_engine()


def test_importing_search_loads_neither_engine_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, chalicelib.search, functions.search_indexer; "
        "print(sorted(m for m in ('tantivy', 'opensearchpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert out.strip() == "[]"
