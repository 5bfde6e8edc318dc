"""Queue pushes: position only on change and at most once a second, admitted once, 410 purges."""

from __future__ import annotations

from chalicelib.realtime.connections import Connection, queue_channel, seats_channel
from chalicelib.realtime.queue_updates import push_queue_updates
from tests.fakes.realtime import FakeConnectionStore, FakeQueue, FakeSender

NOW = 1_800_000_000.0


def setup(*queue_ids: str) -> tuple[FakeConnectionStore, FakeSender, FakeQueue]:
    store, sender, queue = FakeConnectionStore(), FakeSender(), FakeQueue()
    for n, queue_id in enumerate(queue_ids):
        store.add(Connection(f"c{n}", queue_channel("E1"), "E1", queue_id=queue_id, user_id=f"u{n}"))
    return store, sender, queue


def tick(store: FakeConnectionStore, sender: FakeSender, queue: FakeQueue, now: float) -> None:
    push_queue_updates("E1", store=store, sender=sender, statuses=queue, now=now)


def test_the_first_tick_after_connecting_pushes_the_current_position() -> None:
    store, sender, queue = setup("q0")
    queue.waiting("q0", position=42, wait=252)
    tick(store, sender, queue, NOW)
    assert sender.messages("c0") == [{"type": "position", "position": 42, "estimated_wait_seconds": 252}]


def test_position_is_pushed_only_when_it_changed() -> None:
    store, sender, queue = setup("q0")
    queue.waiting("q0", position=10)
    tick(store, sender, queue, NOW)
    writes = store.writes
    tick(store, sender, queue, NOW + 1)  # same position
    tick(store, sender, queue, NOW + 2)
    assert len(sender.messages("c0")) == 1
    assert store.writes == writes  # nothing pushed, nothing written
    queue.waiting("q0", position=7)
    tick(store, sender, queue, NOW + 3)
    assert [m["position"] for m in sender.messages("c0")] == [10, 7]


def test_position_is_pushed_at_most_once_a_second_per_connection() -> None:
    store, sender, queue = setup("q0")
    queue.waiting("q0", position=10)
    tick(store, sender, queue, NOW)
    queue.waiting("q0", position=9)
    tick(store, sender, queue, NOW + 0.4)  # changed, but too soon
    queue.waiting("q0", position=8)
    tick(store, sender, queue, NOW + 0.9)
    assert [m["position"] for m in sender.messages("c0")] == [10]
    tick(store, sender, queue, NOW + 1.0)
    assert [m["position"] for m in sender.messages("c0")] == [10, 8]


def test_admitted_is_pushed_once_with_the_token_and_expiry() -> None:
    store, sender, queue = setup("q0")
    queue.waiting("q0", position=1)
    tick(store, sender, queue, NOW)
    queue.admit("q0", token="tok-123", expires_at="2027-01-01T10:10:00Z")
    tick(store, sender, queue, NOW + 0.2)  # not held back by the position pacing
    tick(store, sender, queue, NOW + 1.5)
    tick(store, sender, queue, NOW + 2.5)
    admitted = [m for m in sender.messages("c0") if m["type"] == "admitted"]
    assert admitted == [
        {"type": "admitted", "admission_token": "tok-123", "expires_at": "2027-01-01T10:10:00Z"}
    ]


def test_statuses_are_fetched_in_one_batched_call_per_tick() -> None:
    store, sender, queue = setup("q0", "q1", "q2")
    for n in range(3):
        queue.waiting(f"q{n}", position=n + 1)
    tick(store, sender, queue, NOW)
    assert queue.calls == [("E1", ["q0", "q1", "q2"])]
    assert [len(sender.messages(f"c{n}")) for n in range(3)] == [1, 1, 1]


def test_a_connection_answering_410_is_purged_at_once_and_not_written_back() -> None:
    store, sender, queue = setup("q0", "q1")
    store.add(Connection("c0", seats_channel("E1"), "E1"))
    sender.gone.add("c0")
    queue.waiting("q0", position=3)
    queue.waiting("q1", position=4)
    tick(store, sender, queue, NOW)
    assert "c0" not in store.connection_ids()
    assert store.listeners(queue_channel("E1")) == ["c1"]
    queue.waiting("q1", position=2)
    tick(store, sender, queue, NOW + 1)
    assert [m["position"] for m in sender.messages("c1")] == [4, 2]


def test_expired_places_and_other_events_get_nothing() -> None:
    store, sender, queue = setup("q0")
    store.add(Connection("other", queue_channel("E2"), "E2", queue_id="q9", user_id="u9"))
    queue.statuses["q0"] = {"queue_id": "q0", "position": 0, "status": "expired", "estimated_wait_seconds": 0}
    queue.waiting("q9", position=1)
    tick(store, sender, queue, NOW)
    assert sender.frames == []


def test_no_listeners_means_no_status_lookup() -> None:
    store, sender, queue = setup()
    tick(store, sender, queue, NOW)
    assert queue.calls == []


def test_a_connection_still_opening_that_answers_410_is_kept_and_served_next_tick() -> None:
    # GIVEN a connection whose $connect answered a moment ago, its handshake not yet done
    store, sender, queue = setup()
    store.add(Connection("new", queue_channel("E1"), "E1", queue_id="q0", user_id="u0", connected_at=NOW - 1))
    sender.gone.add("new")
    queue.waiting("q0", position=5)
    # WHEN the tick's push answers 410
    tick(store, sender, queue, NOW)
    # THEN the connection is not purged, and the next tick delivers what it missed
    assert "new" in store.connection_ids()
    sender.gone.discard("new")
    tick(store, sender, queue, NOW + 1)
    assert [m["position"] for m in sender.messages("new")] == [5]
    # AND once it is older than the opening window, a 410 purges it at once
    sender.gone.add("new")
    queue.waiting("q0", position=4)
    tick(store, sender, queue, NOW + 60)
    assert "new" not in store.connection_ids()
