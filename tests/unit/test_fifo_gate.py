"""The local API's gate lets requests in strictly in the order they came."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from chalicelib.turns import FifoGate


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def _in_line(gate: FifoGate, waiting: int) -> Callable[[], bool]:
    return lambda: len(gate._waiting) == waiting


def test_waiters_enter_in_the_order_they_came_and_no_newcomer_cuts_in() -> None:
    gate = FifoGate(1)
    entered: list[str] = []
    release = {name: threading.Event() for name in ["first", *(f"w{i}" for i in range(6)), "newcomer"]}

    def visitor(name: str) -> None:
        with gate:
            entered.append(name)
            release[name].wait(10)

    threads = [threading.Thread(target=visitor, args=("first",))]
    threads[0].start()
    _wait_until(lambda: entered == ["first"], "the first holder")
    for i in range(6):
        threads.append(threading.Thread(target=visitor, args=(f"w{i}",)))
        threads[-1].start()
        _wait_until(_in_line(gate, i + 1), f"waiter {i} in line")

    release["first"].set()
    _wait_until(lambda: len(entered) == 2, "the slot handed on")
    threads.append(threading.Thread(target=visitor, args=("newcomer",)))  # arrives after the handover
    threads[-1].start()
    _wait_until(_in_line(gate, 6), "the newcomer in line")
    for event in release.values():
        event.set()
    for thread in threads:
        thread.join(10)

    assert entered == ["first", *(f"w{i}" for i in range(6)), "newcomer"]


def test_a_gate_of_n_slots_lets_n_in_at_once_and_gives_each_back() -> None:
    gate = FifoGate(3)
    inside = 0
    most = 0
    lock = threading.Lock()
    go = threading.Barrier(8)

    def visitor() -> None:
        nonlocal inside, most
        go.wait(10)
        for _ in range(50):
            with gate:
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.0005)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=visitor) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert most == 3
    assert gate._free == 3 and not gate._waiting


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        FifoGate(0)
