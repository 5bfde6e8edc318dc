"""The warm-Lambda cache: fresh hits, expiry, and one load for many concurrent misses."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.cache import TTLCache


def test_concurrent_misses_of_one_key_load_it_once() -> None:
    cache: TTLCache[int] = TTLCache(ttl_seconds=60)
    loads = 0
    release = threading.Event()

    def slow_load() -> int:
        nonlocal loads
        loads += 1
        release.wait(5)  # hold every other caller at the door while this load runs
        return 42

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(cache.get_or_load, "event", slow_load) for _ in range(8)]
        time.sleep(0.2)
        release.set()
        assert [f.result() for f in futures] == [42] * 8
    assert loads == 1


def test_expired_entries_are_loaded_again_and_failures_are_not_cached() -> None:
    cache: TTLCache[str] = TTLCache(ttl_seconds=0.05)
    assert cache.get_or_load("k", lambda: "first") == "first"
    assert cache.get_or_load("k", lambda: "second") == "first"
    time.sleep(0.08)
    assert cache.get_or_load("k", lambda: "third") == "third"

    def broken() -> str:
        raise ConnectionError("database unreachable")

    cache.invalidate("k")
    with pytest.raises(ConnectionError):
        cache.get_or_load("k", broken)
    assert cache.get_or_load("k", lambda: "recovered") == "recovered"
