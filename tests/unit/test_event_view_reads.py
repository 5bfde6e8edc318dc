"""The event page's reads: a cold view reads the event and its section summaries side by side
(one round trip of waiting, not two), a warm view reads nothing, and an id that cannot be an
event costs one read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.catalog import events
from chalicelib.errors import EventNotFoundError
from tests.fakes.catalog import EVENT_ID, NOW, make_event


class GatedReader:
    """The read client of the view path. With `gate`, the event's GetItem answers only once the
    summaries' Query has started (or after 10 s, recording that it had not): run one after the
    other, the two reads never overlap."""

    def __init__(self, item: dict[str, Any] | None, *, gate: bool) -> None:
        self.item = item
        self.gate = gate
        self.calls: list[str] = []
        self.query_started = threading.Event()
        self.overlapped: bool | None = None

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.calls.append("GetItem")
        if self.gate and "ProjectionExpression" not in request:
            self.overlapped = self.query_started.wait(timeout=10)
        return {"Item": self.item} if self.item is not None else {}

    def query(self, **request: Any) -> dict[str, Any]:
        self.calls.append("Query")
        self.query_started.set()
        sold = {"sold": {"SS": ["FLOOR-A-1"]}}
        return {"Items": [{"event_id": {"S": EVENT_ID}, "section": {"S": "FLOOR"}, **sold}]}


@pytest.fixture(autouse=True)
def cold_caches() -> Iterator[None]:
    for cache in (events._events, events._availability):
        cache.clear()
    yield
    for cache in (events._events, events._availability):
        cache.clear()


def use(monkeypatch: pytest.MonkeyPatch, reader: GatedReader) -> GatedReader:
    monkeypatch.setattr(aws, "dynamodb_reader", lambda: reader)
    return reader


def an_event_item() -> dict[str, Any]:
    item: dict[str, Any] = make_event(opens_at=NOW - timedelta(hours=1)).serialize()
    return item


def test_a_cold_view_reads_the_event_and_its_sections_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = use(monkeypatch, GatedReader(an_event_item(), gate=True))

    view = events.event_view(EVENT_ID)

    assert reader.overlapped is True
    assert sorted(reader.calls) == ["GetItem", "Query"]
    floor = next(s for s in view["sections"] if s["section"].lower() == "floor")
    assert floor["sold"] == 1


def test_a_warm_view_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = use(monkeypatch, GatedReader(an_event_item(), gate=False))
    first = events.event_view(EVENT_ID)
    reads = list(reader.calls)

    assert events.event_view(EVENT_ID) == first
    assert reader.calls == reads


@pytest.mark.parametrize("event_id", ["nope", "../../etc/passwd", "01JQ8Z7Y3K2W9V6T5R4P3N2M1É", EVENT_ID])
def test_an_unknown_or_malformed_id_is_not_found(monkeypatch: pytest.MonkeyPatch, event_id: str) -> None:
    reader = use(monkeypatch, GatedReader(None, gate=False))

    with pytest.raises(EventNotFoundError):
        events.event_view(event_id)

    if event_id != EVENT_ID:  # cannot be an event: the summaries are not read
        assert reader.calls == ["GetItem"]


def test_work_on_another_thread_is_tallied_as_the_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    query = SimpleNamespace(service_model=SimpleNamespace(service_name="dynamodb"), name="Query")
    aws.reset_call_counter()
    tallied_there: list[object] = []

    def work() -> None:
        aws._count_call(query)

    run = aws.counted_here(work)  # wrapped here, run there

    def elsewhere() -> None:
        run()
        tallied_there.append(getattr(aws._calls, "counter", None))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()

    assert aws.call_counts() == {"dynamodb.Query": 1}
    assert tallied_there == [None]  # the worker keeps no tally of its own afterwards
