"""A tiny time-bounded cache for warm Lambdas: the read path may be a couple of seconds stale."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

V = TypeVar("V")
logger = logging.getLogger("onsale.cache")


class LazyPool:
    """A thread pool made on first use, not at import (every import runs on each cold start)."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix=self._name)
            return self._pool


# The threads that reload stale entries.
_refresh_pool = LazyPool(2, "cache-refresh")


class TTLCache(Generic[V]):
    """Entries live `ttl_seconds` from when they were loaded. Concurrent misses of one key load it
    once (single flight): the others wait for that load instead of piling onto the database.

    A reader that passes `stale_seconds` accepts an entry that expired less than that long ago:
    it is answered at once while one background reload replaces it (stale-while-revalidate), so
    no such reader waits on the refresh of a popular key; only a miss, or an entry older than
    both, waits for a load. `invalidate` wins over a reload that was already running.

    A `revalidate(old)` callable, when given, replaces `load()` whenever an expired entry is
    still held: it may answer `old` again after a cheap check that it has not changed.
    """

    def __init__(self, ttl_seconds: float, max_entries: int = 1024) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, V]] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._refreshing: set[str] = set()
        self._generations: dict[str, int] = {}  # bumped by invalidate: older loads are not stored
        self._lock = threading.Lock()

    def _fresh(self, key: str) -> tuple[bool, V | None]:
        hit = self._entries.get(key)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def get_or_load(
        self,
        key: str,
        load: Callable[[], V],
        *,
        stale_seconds: float = 0.0,
        revalidate: Callable[[V], V] | None = None,
    ) -> V:
        with self._lock:
            found, value = self._fresh(key)
            if found:
                return value  # type: ignore[return-value]
            hit = self._entries.get(key)
            if hit is not None and revalidate is not None:
                old = hit[1]
                load = functools.partial(revalidate, old)
            if hit and stale_seconds > 0 and hit[0] + stale_seconds > time.monotonic():
                if key not in self._refreshing:
                    self._refreshing.add(key)
                    generation = self._generations.get(key, 0)
                    _refresh_pool().submit(self._refresh, key, load, generation)
                return hit[1]
            loading = self._loading.setdefault(key, threading.Lock())
            generation = self._generations.get(key, 0)
        with loading:
            with self._lock:  # someone else may have loaded it while we waited
                found, value = self._fresh(key)
            if found:
                return value  # type: ignore[return-value]
            loaded = load()
            self._store(key, loaded, generation)
            with self._lock:
                self._loading.pop(key, None)
            return loaded

    def answers_at_once(self, key: str, *, stale_seconds: float = 0.0) -> bool:
        """Whether `get_or_load(key, ..., stale_seconds=...)` would answer without a load now."""
        with self._lock:
            hit = self._entries.get(key)
            return hit is not None and hit[0] + stale_seconds > time.monotonic()

    def _store(self, key: str, value: V, generation: int) -> None:
        with self._lock:
            if self._generations.get(key, 0) != generation:
                return  # invalidated while it loaded: what was read may predate the change
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl_seconds, value)

    def _refresh(self, key: str, load: Callable[[], V], generation: int) -> None:
        try:
            self._store(key, load(), generation)
        except Exception:  # the stale entry ages out; the next reader then loads it itself
            logger.warning("background reload of %s failed", key, exc_info=True)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def invalidate(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._generations[key] = self._generations.get(key, 0) + 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generations.clear()
