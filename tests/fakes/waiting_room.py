"""An in-memory `QueueStore` (chalicelib/waiting_room/store.py) for unit tests, with the same
semantics as the DynamoDB one: conditional entry writes, atomic reservation versus freeze,
conditional advances, and ticks looked up as `serving >= place`. Calls are counted by name."""

from __future__ import annotations

import bisect
from collections import Counter as Tally
from dataclasses import replace

from chalicelib.models import QueueEntry
from chalicelib.waiting_room.store import Counter


class FakeQueueStore:
    def __init__(self) -> None:
        self.entry_items: dict[str, QueueEntry] = {}
        self.counters: dict[str, Counter] = {}
        self.ticks: dict[str, list[tuple[int, float]]] = {}  # event -> sorted (serving, at)
        self.active: set[str] = set()
        self.calls: Tally[str] = Tally()
        self.fail_puts: set[str] = set()  # queue ids whose put raises (a throttled write)

    def entries_and_counter(
        self, queue_ids: list[str], event_id: str
    ) -> tuple[dict[str, QueueEntry], Counter]:
        self.calls["entries_and_counter"] += 1
        return self._entries(queue_ids), self.counters.get(event_id, Counter())

    def entries(self, queue_ids: list[str], consistent: bool = False) -> dict[str, QueueEntry]:
        self.calls["entries"] += 1
        return self._entries(queue_ids)

    def _entries(self, queue_ids: list[str]) -> dict[str, QueueEntry]:
        return {q: self.entry_items[q] for q in queue_ids if q in self.entry_items}

    def counter(self, event_id: str, consistent: bool = True) -> Counter:
        self.calls["counter"] += 1
        return self.counters.get(event_id, Counter())

    def reserve(self, event_id: str, cohort: str, count: int) -> tuple[int, bool] | None:
        self.calls["reserve"] += 1
        current = self.counters.get(event_id, Counter())
        if cohort == "pre":
            if current.frozen_pre is not None:
                return None
            self.counters[event_id] = replace(current, pre_count=current.pre_count + count)
            return current.pre_count + 1, current.listed
        self.counters[event_id] = replace(current, post_count=current.post_count + count)
        return current.post_count + 1, current.listed

    def put_entry(self, entry: QueueEntry) -> bool:
        self.calls["put_entry"] += 1
        if entry.queue_id in self.fail_puts:
            raise RuntimeError("throttled")
        if entry.queue_id in self.entry_items:
            return False
        self.entry_items[entry.queue_id] = entry
        return True

    def put_entries(self, entries: list[QueueEntry]) -> None:
        self.calls["put_entries"] += 1
        if any(e.queue_id in self.fail_puts or e.queue_id in self.entry_items for e in entries):
            raise RuntimeError("transaction cancelled")  # all or nothing
        for entry in entries:
            self.entry_items[entry.queue_id] = entry

    def list_event(self, event_id: str) -> None:
        self.calls["list_event"] += 1
        self.active.add(event_id)
        self.counters[event_id] = replace(self.counters.get(event_id, Counter()), listed=True)

    def unlist_event(self, event_id: str) -> None:
        self.active.discard(event_id)

    def active_events(self) -> set[str]:
        return set(self.active)

    def freeze(self, event_id: str, now: float) -> Counter:
        self.calls["freeze"] += 1
        current = self.counters.get(event_id, Counter())
        if current.frozen_pre is None:
            current = replace(current, frozen_pre=current.pre_count, serving=0.0, ticked_at=now)
            self.counters[event_id] = current
        return current

    def advance(
        self, event_id: str, *, previous_tick: float | None, serving: float, now: float, tick: int | None
    ) -> bool:
        self.calls["advance"] += 1
        current = self.counters.get(event_id, Counter())
        if current.ticked_at != previous_tick:
            return False
        self.counters[event_id] = replace(current, serving=serving, ticked_at=now)
        if tick is not None:
            bisect.insort(self.ticks.setdefault(event_id, []), (tick, now))
        return True

    def admission_times(self, event_id: str, places: list[int]) -> dict[int, float]:
        self.calls["admission_times"] += 1
        ticks = self.ticks.get(event_id, [])
        times = {}
        for place in places:
            index = bisect.bisect_left(ticks, (place, float("-inf")))
            if index < len(ticks):
                times[place] = ticks[index][1]
        return times
