"""In-memory stand-ins for the realtime side: the connections store, the `@connections` sender,
a clock, and the waiting room's batched status lookup."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.realtime.connections import Connection
from chalicelib.realtime.push import ConnectionGoneError


class FakeConnectionStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Connection] = {}
        self.paces: dict[str, float] = {}
        self.writes = 0  # record_push calls that wrote
        self._lock = threading.Lock()

    def add(self, connection: Connection) -> None:
        with self._lock:
            self.items[(connection.connection_id, connection.channel)] = dataclasses.replace(connection)

    def remove(self, connection_id: str) -> None:
        with self._lock:
            for key in [k for k in self.items if k[0] == connection_id]:
                del self.items[key]

    def listeners(self, channel: str) -> list[str]:
        return sorted(cid for cid, ch in self.items if ch == channel)

    def load(self, channel: str, connection_ids: Iterable[str]) -> list[Connection]:
        return [
            dataclasses.replace(self.items[(c, channel)])
            for c in connection_ids
            if (c, channel) in self.items
        ]

    def record_push(self, connection: Connection) -> None:
        with self._lock:
            key = (connection.connection_id, connection.channel)
            if key in self.items:  # never resurrects a purged connection
                self.items[key] = dataclasses.replace(connection)
                self.writes += 1

    def record_pushes(self, connections: list[Connection]) -> None:
        for connection in connections:
            self.record_push(connection)

    def claim_pace(self, key: str, now: float, interval: float) -> float:
        with self._lock:
            last = self.paces.get(key)
            if last is None or last <= now - interval:
                self.paces[key] = now
                return 0.0
            return last + interval - now

    def connection_ids(self) -> set[str]:
        return {cid for cid, _ in self.items}


class FakeSender:
    """Records every frame per connection; ids in `gone` answer like API Gateway's 410."""

    def __init__(self, gone: Iterable[str] = ()) -> None:
        self.gone = set(gone)
        self.frames: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.gone:
            raise ConnectionGoneError(connection_id)
        with self._lock:
            self.frames.append((connection_id, data))

    def messages(self, connection_id: str) -> list[dict[str, Any]]:
        return [json.loads(data) for cid, data in self.frames if cid == connection_id]


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeQueue:
    """`queue_statuses(event_id, queue_ids)` over a dict the test edits; counts the calls."""

    def __init__(self) -> None:
        self.statuses: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, event_id: str, queue_ids: list[str]) -> Mapping[str, Mapping[str, Any]]:
        self.calls.append((event_id, list(queue_ids)))
        return {q: dict(self.statuses[q]) for q in queue_ids if q in self.statuses}

    def waiting(self, queue_id: str, position: int, wait: int = 60) -> None:
        self.statuses[queue_id] = {
            "queue_id": queue_id,
            "position": position,
            "status": "waiting",
            "estimated_wait_seconds": wait,
        }

    def admit(self, queue_id: str, token: str, expires_at: str) -> None:
        self.statuses[queue_id] = {
            "queue_id": queue_id,
            "position": 0,
            "status": "admitted",
            "estimated_wait_seconds": 0,
            "admission_token": token,
            "expires_at": expires_at,
        }
