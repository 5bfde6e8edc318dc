"""The waiting room's logic against an in-memory store: the permutation, places, the consumer's
batching, the admitter's serving counter, and standings (position, admission, expiry)."""

from __future__ import annotations

import json
from collections import Counter as Tally
from datetime import timedelta
from typing import Any

import jwt
import pytest

from chalicelib.errors import EventNotOnSaleError, QueueEntryNotFoundError, QueueNotRequiredError
from chalicelib.models import Event
from chalicelib.settings import Settings
from chalicelib.timestamps import epoch_to_rfc3339
from chalicelib.waiting_room import admitter, queue, tokens
from chalicelib.waiting_room.intake import JoinRequest, record_joins
from chalicelib.waiting_room.permutation import permute
from chalicelib.waiting_room.store import Counter
from tests.fakes.catalog import NOW, make_event
from tests.fakes.waiting_room import FakeQueueStore

KEY = b"unit-test-admission-key-" * 3
OPENS = NOW.timestamp()
GRACE = 5.0


@pytest.fixture(autouse=True)
def signing_key(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(tokens, "signing_key", lambda: KEY)
    queue._counters.invalidate(EVENT_ID)
    return KEY


EVENT_ID = "01JQ8Z7Y3K2W9V6T5R4P3N2M1E"


def queued_event(admit_per_minute: int = 60, **kwargs: Any) -> Event:
    event = make_event(opens_at=NOW, **kwargs)
    event.onsale.queue_required = True
    event.onsale.admit_per_minute = admit_per_minute
    return event


def join(user: str, at: float, *, message: str | None = None, pre_open: bool | None = None) -> JoinRequest:
    return JoinRequest(
        message_id=message or f"m-{user}-{at}",
        queue_id=queue.make_queue_id(EVENT_ID, user),
        event_id=EVENT_ID,
        user_id=user,
        joined_at=at,
        pre_open=at < OPENS if pre_open is None else pre_open,
        retain_until=int(OPENS) + 86400,
    )


def place(store: FakeQueueStore, user: str) -> int | None:
    entry = store.entry_items[queue.make_queue_id(EVENT_ID, user)]
    counter = store.counters[EVENT_ID]
    return queue.place_of(entry.cohort, int(entry.arrival), counter, tokens.permutation_key(EVENT_ID, KEY))


# --- the permutation ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 5, 20, 64, 100, 1000, 4097])
def test_the_permutation_is_a_bijection_of_0_to_n(n: int) -> None:
    assert sorted(permute(i, n, KEY) for i in range(n)) == list(range(n))


def test_the_permutation_depends_on_the_key() -> None:
    first = [permute(i, 50, b"key-one") for i in range(50)]
    second = [permute(i, 50, b"key-two") for i in range(50)]
    assert first != second
    assert first != list(range(50))


def test_every_arrival_is_about_equally_likely_to_get_every_place() -> None:
    # 3,000 events (keys) with 10 pre-open fans each: each (arrival, place) cell expects 300.
    n, trials = 10, 3000
    cells: Tally[tuple[int, int]] = Tally()
    for trial in range(trials):
        key = tokens.permutation_key(f"event-{trial}", KEY)
        for arrival in range(n):
            cells[(arrival, permute(arrival, n, key))] += 1
    expected = trials / n
    assert len(cells) == n * n
    # A fair draw keeps every cell within +-25% here (about 5 standard deviations).
    assert all(abs(count - expected) < 0.25 * expected for count in cells.values()), cells
    chi_square = sum((count - expected) ** 2 / expected for count in cells.values())
    assert chi_square < 150  # 81 degrees of freedom: p < 1e-5 beyond this


def test_indexes_outside_the_pool_are_rejected() -> None:
    with pytest.raises(ValueError):
        permute(5, 5, KEY)


# --- the consumer ---------------------------------------------------------------------------


def test_one_counter_write_per_batch_and_one_place_per_fan() -> None:
    store = FakeQueueStore()
    joins = [join(f"u{i}", OPENS - 100 + i) for i in range(25)]
    for start in range(0, 25, 10):  # SQS batches of up to 10
        assert record_joins(joins[start : start + 10], store) == set()
    assert store.calls["reserve"] == 3
    assert store.calls["put_entries"] == 3 and store.calls["put_entry"] == 0  # one write per batch
    assert store.counters[EVENT_ID].pre_count == 25
    arrivals = sorted(int(e.arrival) for e in store.entry_items.values())
    assert arrivals == list(range(1, 26))
    assert store.active == {EVENT_ID}
    assert store.calls["list_event"] == 1  # only the event's first batch registers it


def test_duplicates_and_redeliveries_change_nothing() -> None:
    store = FakeQueueStore()
    first = join("fan", OPENS - 50)
    again = join("fan", OPENS - 40, message="m-again")  # the same fan joining twice
    assert record_joins([first, again, join("other", OPENS - 45)], store) == set()
    before = {q: (e.cohort, int(e.arrival)) for q, e in store.entry_items.items()}
    counter = store.counters[EVENT_ID]
    assert record_joins([first, again], store) == set()  # redelivered
    assert {q: (e.cohort, int(e.arrival)) for q, e in store.entry_items.items()} == before
    assert store.counters[EVENT_ID] == counter
    # the earliest join stood for both
    assert store.entry_items[first.queue_id].joined_at == first.joined_at


def test_arrival_numbers_follow_join_time_within_a_batch() -> None:
    store = FakeQueueStore()
    joins = [join("late", OPENS + 3), join("early", OPENS + 1), join("middle", OPENS + 2)]
    record_joins(joins, store)
    arrival = {e.user_id: int(e.arrival) for e in store.entry_items.values()}
    assert arrival == {"early": 1, "middle": 2, "late": 3}
    assert {e.cohort for e in store.entry_items.values()} == {"post"}


def test_a_failed_write_is_retried_alone_with_its_duplicates() -> None:
    store = FakeQueueStore()
    ok, broken, broken_again = join("ok", OPENS - 9), join("broken", OPENS - 8), join("broken", OPENS - 7)
    store.fail_puts.add(broken.queue_id)
    assert record_joins([ok, broken, broken_again], store) == {broken.message_id, broken_again.message_id}
    store.fail_puts.clear()
    assert record_joins([broken, broken_again], store) == set()
    assert broken.queue_id in store.entry_items


def test_pre_open_joins_processed_after_the_draw_go_to_the_back_in_join_order() -> None:
    store = FakeQueueStore()
    record_joins([join("a", OPENS - 30), join("b", OPENS - 20)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    record_joins([join("after", OPENS + 1)], store)
    record_joins([join("late-pre", OPENS - 10), join("later", OPENS + 2)], store)
    assert sorted([place(store, "a"), place(store, "b")]) == [1, 2]  # type: ignore[type-var]
    assert [place(store, u) for u in ("after", "late-pre", "later")] == [3, 4, 5]


# --- places ---------------------------------------------------------------------------------


def test_pre_open_places_are_a_permutation_and_later_places_follow_in_order() -> None:
    store = FakeQueueStore()
    record_joins([join(f"pre{i}", OPENS - 60 + i) for i in range(10)], store)
    record_joins([join(f"pre{i}", OPENS - 50 + i) for i in range(10, 30)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    record_joins([join(f"post{i}", OPENS + 10 + i) for i in range(5)], store)
    pre = [place(store, f"pre{i}") for i in range(30)]
    assert sorted(pre) == list(range(1, 31))  # type: ignore[type-var]
    assert pre != list(range(1, 31))
    assert [place(store, f"post{i}") for i in range(5)] == [31, 32, 33, 34, 35]


def test_no_place_before_the_draw() -> None:
    assert queue.place_of("pre", 3, Counter(pre_count=5), KEY) is None
    assert queue.place_of("post", 1, Counter(pre_count=5), KEY) is None
    assert queue.place_of("post", 2, Counter(pre_count=5, frozen_pre=5), KEY) == 7


# --- standings ------------------------------------------------------------------------------


def schedule(rate: int = 60) -> queue.Schedule:
    return queue.Schedule(opens_at=OPENS, admit_per_minute=rate, grace_seconds=GRACE)


def test_before_the_draw_the_position_is_the_pool_size_and_the_wait_counts_to_the_opening() -> None:
    where = queue.standing("pre", 4, Counter(pre_count=9), schedule(), OPENS - 100, KEY)
    assert where == queue.Standing(place=None, position=9, estimated_wait_seconds=105 + 5, admitted=False)


def test_position_is_place_minus_serving_and_the_wait_follows_the_rate() -> None:
    counter = Counter(pre_count=0, post_count=10, frozen_pre=0, serving=3.6)
    where = queue.standing("post", 8, counter, schedule(rate=120), OPENS + 60, KEY)
    assert (where.place, where.position, where.estimated_wait_seconds) == (8, 5, 3)
    assert queue.standing("post", 3, counter, schedule(), OPENS + 60, KEY).admitted


def test_a_pending_join_is_estimated_at_the_back_of_its_cohort() -> None:
    counter = Counter(pre_count=4, post_count=6, frozen_pre=4, serving=2)
    assert queue.standing(None, None, counter, schedule(), OPENS + 60, KEY).position == 9
    assert queue.standing(None, None, Counter(pre_count=4), schedule(), OPENS - 60, KEY).position == 5


def _admitted_store(admitted_at: float) -> tuple[FakeQueueStore, str]:
    store = FakeQueueStore()
    record_joins([join("fan", OPENS + 1)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    store.advance(EVENT_ID, previous_tick=OPENS + GRACE, serving=1.0, now=admitted_at, tick=1)
    return store, queue.make_queue_id(EVENT_ID, "fan")


def test_an_admitted_fan_gets_a_token_for_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    event = queued_event()
    monkeypatch.setattr(queue, "_load_event", lambda event_id: event)
    store, queue_id = _admitted_store(OPENS + 6)
    body = queue.queue_status(EVENT_ID, queue_id, "fan", store=store, now=OPENS + 100)
    assert body["status"] == "admitted" and body["position"] == 0 and body["place"] == 1
    assert body["expires_at"] == epoch_to_rfc3339(OPENS + 6 + 600)
    # (NOW is in the future of the wall clock, so only the claims are checked here; verification
    # itself is tested in test_waiting_room_tokens.py)
    claims = jwt.decode(body["admission_token"], KEY, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["sub"] == "fan" and claims["event_id"] == EVENT_ID and claims["queue_id"] == queue_id
    assert claims["exp"] == int(OPENS + 6 + 600) and claims["iat"] == int(OPENS + 6)


def test_an_admission_unused_for_the_window_is_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    event = queued_event()
    monkeypatch.setattr(queue, "_load_event", lambda event_id: event)
    store, queue_id = _admitted_store(OPENS + 6)
    body = queue.queue_status(EVENT_ID, queue_id, "fan", store=store, now=OPENS + 6 + 600)
    assert body["status"] == "expired" and "admission_token" not in body
    assert body["position"] == 0


def test_another_fans_queue_id_is_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    event = queued_event()
    monkeypatch.setattr(queue, "_load_event", lambda event_id: event)
    store, queue_id = _admitted_store(OPENS + 6)
    with pytest.raises(QueueEntryNotFoundError):
        queue.queue_status(EVENT_ID, queue_id, "someone-else", store=store, now=OPENS + 10)
    with pytest.raises(QueueEntryNotFoundError):
        queue.queue_status(EVENT_ID, f"{EVENT_ID}-{'0' * 32}", "fan", store=store, now=OPENS + 10)
    assert queue.claim(queue_id, "fan") == EVENT_ID
    assert queue.claim(queue_id, "someone-else") is None


def test_statuses_for_the_pusher_are_batched(monkeypatch: pytest.MonkeyPatch) -> None:
    event = queued_event(admit_per_minute=120)
    monkeypatch.setattr(queue, "_load_event", lambda event_id: event)
    store = FakeQueueStore()
    record_joins([join(f"u{i}", OPENS + i) for i in range(6)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    store.advance(EVENT_ID, previous_tick=OPENS + GRACE, serving=2.5, now=OPENS + 7, tick=2)
    ids = [queue.make_queue_id(EVENT_ID, f"u{i}") for i in range(6)] + [queue.make_queue_id(EVENT_ID, "new")]
    store.calls.clear()
    bodies = queue.queue_statuses(EVENT_ID, [*ids, "01OTHER-" + "0" * 32], store=store, now=OPENS + 8)
    assert set(bodies) == set(ids)
    assert [bodies[q]["status"] for q in ids] == ["admitted"] * 2 + ["waiting"] * 5
    assert [bodies[q]["position"] for q in ids[2:6]] == [1, 2, 3, 4]
    assert bodies[ids[6]]["position"] == 5 and bodies[ids[6]]["place"] is None  # not written yet
    assert store.calls == Tally({"entries_and_counter": 1, "admission_times": 1})


# --- joining --------------------------------------------------------------------------------


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.urls: list[str] = []

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> dict[str, Any]:
        self.sent.append(json.loads(MessageBody))
        self.urls.append(QueueUrl)
        return {"MessageId": str(len(self.sent))}


def test_joins_before_the_open_go_to_the_pre_open_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("ONSALE_JOIN_QUEUE_URL", "http://sqs/joins")
    monkeypatch.setenv("ONSALE_PRE_OPEN_JOIN_QUEUE_URL", "http://sqs/joins-pre-open")
    get_settings.cache_clear()
    store, sqs = FakeQueueStore(), FakeSqs()
    event = queued_event(inventory_status="provisioning")
    queue.join_queue(EVENT_ID, "early", store=store, sqs=sqs, now=OPENS - 1, event=event)
    queue.join_queue(EVENT_ID, "late", store=store, sqs=sqs, now=OPENS + 1, event=event)
    assert sqs.urls == ["http://sqs/joins-pre-open", "http://sqs/joins"]
    get_settings.cache_clear()


def test_joining_sends_one_message_and_writes_nothing() -> None:
    store, sqs = FakeQueueStore(), FakeSqs()
    event = queued_event(inventory_status="provisioning")
    body = queue.join_queue(EVENT_ID, "fan", store=store, sqs=sqs, now=OPENS - 30, event=event)
    assert body["status"] == "waiting" and body["position"] == 1
    assert body["queue_id"] == queue.make_queue_id(EVENT_ID, "fan")
    (message,) = sqs.sent
    assert message["pre_open"] is True and message["queue_id"] == body["queue_id"]
    assert store.calls == Tally({"entries": 1, "counter": 1})  # no write on the request path
    # once written, joining again answers the same entry and sends nothing
    record_joins([JoinRequest.from_message("m1", json.dumps(message))], store)
    again = queue.join_queue(EVENT_ID, "fan", store=store, sqs=sqs, now=OPENS - 20, event=event)
    assert again["queue_id"] == body["queue_id"] and len(sqs.sent) == 1


def test_only_queued_events_that_have_not_ended_can_be_joined() -> None:
    store, sqs = FakeQueueStore(), FakeSqs()
    plain = make_event(inventory_status="provisioning")
    with pytest.raises(QueueNotRequiredError):
        queue.join_queue(EVENT_ID, "fan", store=store, sqs=sqs, now=OPENS, event=plain)
    ended = queued_event(inventory_status="provisioning", start_at=NOW + timedelta(hours=1))
    with pytest.raises(EventNotOnSaleError):
        queue.join_queue(EVENT_ID, "fan", store=store, sqs=sqs, now=OPENS + 7200, event=ended)
    assert sqs.sent == []


# --- the admitter ---------------------------------------------------------------------------


def test_serving_advances_at_the_rate_carrying_fractions_and_never_past_the_places() -> None:
    counter = Counter(pre_count=3, post_count=7, frozen_pre=3, serving=1.5, ticked_at=100.0)
    assert admitter.next_serving(counter, 90, 101.0) == 3.0  # 1.5 per second
    assert admitter.next_serving(counter, 6000, 101.0) == 10.0  # capped at the 10 places
    # after an outage it resumes at its rate instead of admitting the missed minutes at once
    assert admitter.next_serving(counter, 60, 1000.0) == 1.5 + admitter.MAX_CATCH_UP_SECONDS


def test_the_admitter_draws_after_the_grace_then_admits_and_records_ticks() -> None:
    store = FakeQueueStore()
    event = queued_event(admit_per_minute=120)  # 2 per second
    record_joins([join(f"pre{i}", OPENS - 10 + i) for i in range(3)], store)
    record_joins([join(f"post{i}", OPENS + 1 + i) for i in range(3)], store)

    def tick(at: float) -> list[str]:
        return admitter.tick(store, lambda event_id: event, now=at)

    assert tick(OPENS + 1) == [EVENT_ID]
    assert store.counters[EVENT_ID].frozen_pre is None  # still in the grace period
    tick(OPENS + GRACE)
    assert store.counters[EVENT_ID].frozen_pre == 3 and store.counters[EVENT_ID].serving == 0
    for second in range(1, 5):
        tick(OPENS + GRACE + second)
    assert store.counters[EVENT_ID].serving == 6.0  # all six places, no further
    assert store.ticks[EVENT_ID] == [(2, OPENS + 6), (4, OPENS + 7), (6, OPENS + 8)]
    assert store.admission_times(EVENT_ID, [1, 3, 6]) == {1: OPENS + 6, 3: OPENS + 7, 6: OPENS + 8}


def test_the_pool_waits_for_pre_open_joins_still_queued_then_draws_them_all() -> None:
    # GIVEN three fans who joined before the open, two of them still in the consumer's backlog
    store = FakeQueueStore()
    event = queued_event(admit_per_minute=600)
    early = [join(f"pre{i}", OPENS - 10 + i) for i in range(3)]
    record_joins(early[:1], store)
    backlog = {"messages": 2}

    def tick(at: float) -> None:
        admitter.tick(store, lambda event_id: event, now=at, backlog=lambda: backlog["messages"])

    # WHEN the grace period is over but the backlog is not drained
    tick(OPENS + GRACE + 1)
    # THEN the pool is not fixed and nobody is admitted
    assert store.counters[EVENT_ID].frozen_pre is None
    # WHEN the consumer catches up (the late pre-open joins are numbered in the draw)
    record_joins(early[1:], store)
    backlog["messages"] = 0
    tick(OPENS + GRACE + 2)
    # THEN all three are in the pre-open pool, none at the back
    assert store.counters[EVENT_ID].frozen_pre == 3
    assert {store.entry_items[j.queue_id].cohort for j in early} == {"pre"}


def test_a_backlog_that_never_drains_does_not_stop_the_sale(settings: Settings) -> None:
    store = FakeQueueStore()
    event = queued_event()
    record_joins([join("pre0", OPENS - 3)], store)
    stuck = OPENS + settings.queue_freeze_max_wait_seconds
    admitter.tick(store, lambda event_id: event, now=stuck - 1, backlog=lambda: 5)
    assert store.counters[EVENT_ID].frozen_pre is None
    admitter.tick(store, lambda event_id: event, now=stuck, backlog=lambda: 5)
    assert store.counters[EVENT_ID].frozen_pre == 1


def test_the_backlog_reads_the_pre_open_queue_and_must_read_empty_for_two_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib import settings as settings_module
    from functions import queue_admitter

    monkeypatch.setenv("ONSALE_PRE_OPEN_JOIN_QUEUE_URL", "http://sqs/pre-open")
    settings_module.get_settings.cache_clear()
    monkeypatch.setattr(queue_admitter, "_drained_since", None)

    class Attributes:
        counts = {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "2"}

        def get_queue_attributes(self, *, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
            assert QueueUrl == "http://sqs/pre-open"
            return {"Attributes": {k: v for k, v in self.counts.items() if k in AttributeNames}}

    sqs = Attributes()
    try:
        assert queue_admitter.pre_open_backlog(sqs, now=10.0) == 3
        sqs.counts = {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
        assert queue_admitter.pre_open_backlog(sqs, now=11.0) == 1  # empty once: not yet trusted
        assert queue_admitter.pre_open_backlog(sqs, now=12.0) == 1
        assert queue_admitter.pre_open_backlog(sqs, now=13.0) == 0  # empty for two seconds
        sqs.counts = {"ApproximateNumberOfMessagesDelayed": "1"}
        assert queue_admitter.pre_open_backlog(sqs, now=14.0) == 1
    finally:
        settings_module.get_settings.cache_clear()


def test_overlapping_admitters_never_advance_twice() -> None:
    store = FakeQueueStore()
    record_joins([join(f"post{i}", OPENS + 1 + i) for i in range(10)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    event = queued_event(admit_per_minute=60)
    stale = store.counter(EVENT_ID)
    assert admitter.advance_event(event, store, OPENS + GRACE + 1) is not None
    # a second admitter that read the counter before that tick loses its write
    assert not store.advance(EVENT_ID, previous_tick=stale.ticked_at, serving=2.0, now=OPENS + 7, tick=2)
    assert store.counters[EVENT_ID].serving == 1.0


def test_ended_or_unqueued_events_leave_the_active_list() -> None:
    store = FakeQueueStore()
    record_joins([join("fan", OPENS + 1)], store)
    ended = queued_event(start_at=NOW + timedelta(hours=1))
    assert admitter.tick(store, lambda event_id: ended, now=OPENS + 7200) == []
    assert store.active == set()


# --- the Lambda entry points ----------------------------------------------------------------


def test_the_join_consumer_reports_only_what_failed() -> None:
    from functions import queue_join

    store = FakeQueueStore()
    good = join("fan", OPENS - 5)
    body = json.dumps(
        {
            "queue_id": good.queue_id,
            "event_id": EVENT_ID,
            "user_id": "fan",
            "joined_at": good.joined_at,
            "pre_open": True,
            "retain_until": good.retain_until,
        }
    )
    event = {"Records": [{"messageId": "ok", "body": body}, {"messageId": "bad", "body": "{not json"}]}
    assert queue_join.handler(event, None, store=store) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert good.queue_id in store.entry_items


def test_each_tick_calls_the_pushers_hook_for_every_listed_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions import queue_admitter

    store = FakeQueueStore()
    record_joins([join("fan", OPENS + 1)], store)
    notified: list[str] = []
    monkeypatch.setattr(queue_admitter, "notify_queue", notified.append)
    event = queued_event()
    queue_admitter.tick_once(OPENS + 1, store=store, load_event=lambda event_id: event)
    queue_admitter.wait_for_pushes()  # pushes run beside the ticks
    assert notified == [EVENT_ID]


def test_a_slow_push_round_never_holds_the_ticks_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from functions import queue_admitter

    store = FakeQueueStore()
    record_joins([join(f"fan{i}", OPENS + 1 + i) for i in range(30)], store)
    store.freeze(EVENT_ID, OPENS + GRACE)
    release, started, rounds = threading.Event(), threading.Event(), []

    def slow_round(event_id: str) -> None:
        rounds.append(event_id)
        started.set()
        release.wait(10)

    monkeypatch.setattr(queue_admitter, "notify_queue", slow_round)
    event = queued_event(admit_per_minute=600)  # 10 a second
    try:
        # WHEN three ticks run while the first push round is stuck
        queue_admitter.tick_once(OPENS + GRACE + 1, store=store, load_event=lambda event_id: event)
        assert started.wait(10)
        for second in range(2, 4):
            queue_admitter.tick_once(OPENS + GRACE + second, store=store, load_event=lambda event_id: event)
        # THEN the serving counter kept its pace, and the stuck round was not piled on
        assert store.counters[EVENT_ID].serving == 30.0
        assert rounds == [EVENT_ID]
    finally:
        release.set()
        queue_admitter.wait_for_pushes()
