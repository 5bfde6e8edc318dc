"""A tiny time-bounded cache for warm Lambdas: the read path may be a couple of seconds stale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Entries live `ttl_seconds` from when they were loaded. Concurrent misses of one key load it
    once (single flight): the others wait for that load instead of piling onto the database."""

    def __init__(self, ttl_seconds: float, max_entries: int = 1024) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, V]] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _fresh(self, key: str) -> tuple[bool, V | None]:
        hit = self._entries.get(key)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def get_or_load(self, key: str, load: Callable[[], V]) -> V:
        with self._lock:
            found, value = self._fresh(key)
            if found:
                return value  # type: ignore[return-value]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:  # someone else may have loaded it while we waited
                found, value = self._fresh(key)
            if found:
                return value  # type: ignore[return-value]
            loaded = load()
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (time.monotonic() + self.ttl_seconds, loaded)
                self._loading.pop(key, None)
            return loaded

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
