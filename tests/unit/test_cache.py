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


def expired_cache(value: str, ttl: float = 0.02, after: float = 0.04) -> TTLCache[str]:
    """A cache holding `value` for key "k", already `after` seconds old (past its `ttl`)."""
    cache: TTLCache[str] = TTLCache(ttl_seconds=ttl)
    assert cache.get_or_load("k", lambda: value) == value
    time.sleep(after)
    return cache


def test_a_stale_reader_is_answered_at_once_while_one_background_reload_replaces_the_entry() -> None:
    cache = expired_cache("first")  # expired, but within the readers' stale window
    loads = 0
    release = threading.Event()

    def slow_reload() -> str:
        nonlocal loads
        loads += 1
        release.wait(5)
        return "second"

    # Many readers while the reload is running: all answered with the old value, one reload.
    answers = [cache.get_or_load("k", slow_reload, stale_seconds=10) for _ in range(20)]
    assert answers == ["first"] * 20
    release.set()
    deadline = time.monotonic() + 5
    while cache.get_or_load("k", slow_reload, stale_seconds=10) != "second":
        assert time.monotonic() < deadline, "the background reload never replaced the entry"
        time.sleep(0.01)
    assert loads == 1


def test_a_reader_without_a_stale_window_waits_for_a_fresh_value() -> None:
    cache = expired_cache("first")

    assert cache.get_or_load("k", lambda: "second") == "second"


def test_an_entry_older_than_the_stale_window_is_loaded_by_the_reader() -> None:
    cache = expired_cache("first", after=0.08)

    assert cache.get_or_load("k", lambda: "second", stale_seconds=0.03) == "second"


def test_a_failed_background_reload_keeps_the_stale_value_until_it_ages_out() -> None:
    cache = expired_cache("first")
    attempted = threading.Event()

    def broken() -> str:
        attempted.set()
        raise ConnectionError("throttled")

    assert cache.get_or_load("k", broken, stale_seconds=0.3) == "first"
    assert attempted.wait(5)
    time.sleep(0.4)  # now past the stale window: the reader loads it itself
    assert cache.get_or_load("k", lambda: "third", stale_seconds=0.3) == "third"


def test_invalidate_wins_over_a_reload_that_was_already_running() -> None:
    cache = expired_cache("before the change")
    started, release = threading.Event(), threading.Event()

    def reload_read_before_the_change() -> str:
        started.set()
        release.wait(5)
        return "before the change"

    assert cache.get_or_load("k", reload_read_before_the_change, stale_seconds=10) == "before the change"
    assert started.wait(5)
    cache.invalidate("k")  # the change is written while the reload is still reading
    release.set()
    time.sleep(0.1)

    assert cache.get_or_load("k", lambda: "after the change") == "after the change"


def test_an_expired_entry_is_revalidated_with_the_old_value_instead_of_loaded() -> None:
    cache = expired_cache("v1")
    checked: list[str] = []

    def unchanged(old: str) -> str:
        checked.append(old)
        return old

    def never() -> str:
        raise AssertionError("a full load was made although an entry could be revalidated")

    assert cache.get_or_load("k", never, revalidate=unchanged) == "v1"
    assert checked == ["v1"]
    cache.invalidate("k")  # nothing held: a load it is
    assert cache.get_or_load("k", lambda: "v2", revalidate=unchanged) == "v2"
    assert checked == ["v1"]
