"""The events and availability streams consumer: records in order, one refresh per batch,
one availability read per event per batch, stream-style failures."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib import search
from chalicelib.catalog.availability import EVENT_COPY, SectionState
from chalicelib.search import SearchPage, SearchQuery
from chalicelib.search.documents import HOLD_BUCKET_SECONDS
from functions import search_indexer
from tests.fakes.catalog import NOW
from tests.unit.search.support import event_image, ids


class FakeEngine:
    """Records what the handler asks of an engine; fails where a test says."""

    def __init__(self, fail_upsert_of: str | None = None, fail_refresh: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_upsert_of = fail_upsert_of
        self.fail_refresh = fail_refresh

    def upsert(self, doc: dict[str, Any]) -> None:
        if doc["event_id"] == self.fail_upsert_of:
            raise ConnectionError("search cluster unreachable")
        self.calls.append(("upsert", (doc["event_id"], doc["name"], doc["updated_at"])))

    def set_availability(self, availability: dict[str, Any]) -> None:
        self.calls.append(
            ("availability", (availability["event_id"], availability["sold"], availability["holds"]))
        )

    def delete(self, event_id: str) -> None:
        self.calls.append(("delete", event_id))

    def refresh(self) -> None:
        self.calls.append(("refresh", None))
        if self.fail_refresh:
            raise ConnectionError("bulk request timed out")

    def search(self, query: SearchQuery) -> SearchPage:
        raise NotImplementedError


_sequence = iter(range(100, 10_000))


def record(event_name: str, event_id: str, **fields: Any) -> dict[str, Any]:
    """A DynamoDB stream record of the events table (NEW_AND_OLD_IMAGES)."""
    change: dict[str, Any] = {
        "Keys": {"event_id": {"S": event_id}},
        "SequenceNumber": f"{next(_sequence):021d}",
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if event_name != "REMOVE":
        change["NewImage"] = event_image(event_id, **fields)
    return {
        "eventID": f"id-{change['SequenceNumber']}",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": change,
    }


def availability_record(event_id: str, section: str, event_name: str = "MODIFY") -> dict[str, Any]:
    """A DynamoDB stream record of the availability table (KEYS_ONLY)."""
    change = {
        "Keys": {"event_id": {"S": event_id}, "section": {"S": section}},
        "SequenceNumber": f"{next(_sequence):021d}",
        "StreamViewType": "KEYS_ONLY",
    }
    return {"eventID": f"id-{change['SequenceNumber']}", "eventName": event_name, "dynamodb": change}


class FakeSections:
    """Section summaries by event, as `read_sections` returns them; counts the reads."""

    def __init__(self, states: dict[str, dict[str, SectionState]], fail_for: str | None = None) -> None:
        self.states, self.fail_for = states, fail_for
        self.reads: list[str] = []

    def __call__(self, event_id: str) -> dict[str, SectionState]:
        self.reads.append(event_id)
        if event_id == self.fail_for:
            raise ConnectionError("throttled")
        return self.states.get(event_id, {})


def version(minutes: int) -> dict[str, Any]:
    return {"updated_at": NOW + timedelta(minutes=minutes)}


def test_records_are_applied_in_order_then_refreshed_once() -> None:
    engine = FakeEngine()
    records = [
        record("INSERT", "E-1", name="First", **version(1)),
        record("MODIFY", "E-1", name="Renamed", **version(2)),
        record("INSERT", "E-2", name="Second", **version(1)),
        record("REMOVE", "E-2"),
    ]

    result = search_indexer.process(records, engine)

    assert result == {"batchItemFailures": []}
    ms = int(NOW.timestamp()) * 1000
    assert engine.calls == [
        ("upsert", ("E-1", "First", ms + 60_000)),
        ("upsert", ("E-1", "Renamed", ms + 120_000)),
        ("upsert", ("E-2", "Second", ms + 60_000)),
        ("delete", "E-2"),
        ("refresh", None),
    ]


def test_availability_is_read_once_per_event_per_batch_and_handed_to_the_engine() -> None:
    engine = FakeEngine()
    far = time.time() + 3_600  # a hold that has not expired
    sections = FakeSections(
        {
            "E-1": {
                "floor": SectionState(sold={"F-1", "F-2"}, held={"F-3": far, "F-4": 1.0}),  # F-4 expired
                "balcony": SectionState(sold={"B-1"}, held={"B-1": far}),  # sold wins over a stale hold
            },
        }
    )
    records = [
        availability_record("E-1", "floor", "INSERT"),
        availability_record("E-1", "balcony"),
        availability_record("E-2", "floor"),
        availability_record("E-1", "floor"),
        availability_record("E-1", "floor", "REMOVE"),
    ]

    result = search_indexer.process(records, engine, sections)

    assert result == {"batchItemFailures": []}
    assert sections.reads == ["E-1", "E-2"]
    bucket = math.ceil(far / HOLD_BUCKET_SECONDS) * HOLD_BUCKET_SECONDS
    assert engine.calls == [
        ("availability", ("E-1", 3, [[bucket, 1]])),
        ("availability", ("E-2", 0, [])),
        ("refresh", None),
    ]


def test_a_write_of_the_events_copy_reads_nothing() -> None:
    """The copy is written in the transaction of an events-table change, whose own record reindexes."""
    engine = FakeEngine()
    sections = FakeSections({"E-1": {}})

    result = search_indexer.process(
        [availability_record("E-1", EVENT_COPY, "INSERT"), availability_record("E-1", EVENT_COPY)],
        engine,
        sections,
    )

    assert result == {"batchItemFailures": []}
    assert sections.reads == []
    assert engine.calls == [("refresh", None)]


def test_a_failed_availability_read_reports_that_record() -> None:
    engine = FakeEngine()
    records = [
        availability_record("E-1", "floor"),
        availability_record("E-2", "floor"),
        record("INSERT", "E-3"),
    ]

    result = search_indexer.process(records, engine, FakeSections({}, fail_for="E-2"))

    assert result == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}
    assert [name for name, _ in engine.calls] == ["availability", "refresh"]


def test_a_failure_reports_that_record_and_writes_the_ones_before() -> None:
    engine = FakeEngine(fail_upsert_of="E-3")
    records = [record("INSERT", f"E-{n}", name=f"Event {n}") for n in range(1, 6)]

    result = search_indexer.process(records, engine)

    assert result == {"batchItemFailures": [{"itemIdentifier": records[2]["dynamodb"]["SequenceNumber"]}]}
    assert [name for name, _ in engine.calls] == ["upsert", "upsert", "refresh"]  # E-4, E-5 not tried


def test_a_failed_refresh_fails_the_whole_batch() -> None:
    engine = FakeEngine(fail_refresh=True)
    records = [record("INSERT", "E-1"), record("INSERT", "E-2")]

    result = search_indexer.process(records, engine)

    assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}


def test_a_record_that_is_not_an_event_is_skipped_not_retried_forever() -> None:
    engine = FakeEngine()
    broken = record("INSERT", "E-1")
    broken["dynamodb"]["NewImage"] = {"event_id": {"S": "E-1"}, "name": {"S": "no venue, no dates"}}
    no_image = record("MODIFY", "E-2")
    del no_image["dynamodb"]["NewImage"]
    unknown = record("INSERT", "E-3")
    unknown["eventName"] = "TRUNCATE"

    result = search_indexer.process([broken, no_image, unknown, record("INSERT", "E-4")], engine)

    assert result == {"batchItemFailures": []}
    assert [call[1][0] if call[0] == "upsert" else call[0] for call in engine.calls] == ["E-4", "refresh"]


def test_the_handler_never_raises_when_the_engine_cannot_be_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONSALE_SEARCH_ENGINE", "solr")
    search.reset_engine()
    records = [record("INSERT", "E-1")]
    try:
        result = search_indexer.handler({"Records": records}, None)
    finally:
        search.reset_engine()

    assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
    assert search_indexer.handler({"Records": []}, None) == {"batchItemFailures": []}


@pytest.fixture
def tantivy_handler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """`handler` as Lambda calls it, on a tantivy index in a temporary directory."""
    monkeypatch.setenv("ONSALE_SEARCH_ENGINE", "tantivy")
    monkeypatch.setenv("ONSALE_SEARCH_INDEX_DIR", str(tmp_path / "index"))
    search.reset_engine()
    yield search_indexer.handler
    search.engine().close()  # type: ignore[attr-defined]
    search.reset_engine()


def test_duplicate_and_late_records_leave_the_newest_version(tantivy_handler: Any) -> None:
    batch = [
        record("INSERT", "E-1", name="Draft Title", **version(1)),
        record("INSERT", "E-1", name="Draft Title", **version(1)),  # the emulator's double INSERT
        record("MODIFY", "E-1", name="Final Title", **version(3)),
        record("MODIFY", "E-1", name="Middle Title", **version(2)),  # late
        record("INSERT", "E-2", name="Other Show", **version(1)),
    ]

    assert tantivy_handler({"Records": batch}, None) == {"batchItemFailures": []}
    assert tantivy_handler({"Records": batch[:4]}, None) == {"batchItemFailures": []}  # redelivered
    assert tantivy_handler({"Records": [batch[3]]}, None) == {"batchItemFailures": []}  # late, alone

    engine = search.engine()
    page = engine.search(SearchQuery(q="title", now=NOW))
    assert [(e["event_id"], e["name"]) for e in page.events] == [("E-1", "Final Title")]
    assert ids(engine.search(SearchQuery(now=NOW))) == ["E-1", "E-2"]

    assert tantivy_handler({"Records": [record("REMOVE", "E-1")]}, None) == {"batchItemFailures": []}
    assert ids(engine.search(SearchQuery(now=NOW))) == ["E-2"]
