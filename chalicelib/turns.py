"""Taking turns in the order of arrival."""

from __future__ import annotations

import collections
import threading


class FifoGate:
    """At most `slots` holders at once; the others wait, and are let in strictly in the order they
    came. A finishing holder hands its slot straight to the longest waiter, so a newcomer cannot
    take it in between (with `threading.Semaphore` it can, and a woken waiter that lost that race
    waits again at the back of the line)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs a slot")
        self._lock = threading.Lock()
        self._free = slots
        self._waiting: collections.deque[threading.Lock] = collections.deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder whose slot this becomes

    def __exit__(self, *_: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1
