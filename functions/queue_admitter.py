"""Scheduled admitter: EventBridge invokes it every minute; it ticks every second for about 55 s,
advancing the serving counter of every open queued onsale (chalicelib/waiting_room/admitter.py).
Locally, local/stack.py calls `tick_once` every second from a thread instead."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from chalicelib.waiting_room import admitter
from chalicelib.waiting_room.store import DynamoQueueStore, QueueStore

logger = logging.getLogger("onsale.waiting_room")

RUN_SECONDS = 55.0  # EventBridge's next invocation starts the next minute's ticks


def notify_queue(event_id: str) -> None:
    """Called after each tick of an event's queue: positions may have moved. The realtime
    pusher sends each WebSocket listener what changed (chalicelib/realtime/queue_updates.py)."""
    from chalicelib.realtime import push_queue_updates

    push_queue_updates(event_id)


# SQS's message counts are approximate: the queue must read empty for this long in a row.
DRAINED_FOR_SECONDS = 2.0
_drained_since: float | None = None
BACKLOG_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


def pre_open_backlog(sqs: Any = None, now: float | None = None) -> int:
    """Pre-open joins not yet numbered: messages of the pre-open join queue, visible, in flight
    or delayed; 1 until the queue has read empty for `DRAINED_FOR_SECONDS`."""
    global _drained_since
    from chalicelib import aws
    from chalicelib.settings import get_settings

    url = get_settings().pre_open_join_queue_url
    if not url:
        return 0
    attributes = (sqs or aws.sqs()).get_queue_attributes(QueueUrl=url, AttributeNames=BACKLOG_ATTRIBUTES)
    waiting = sum(int(attributes["Attributes"].get(name, 0)) for name in BACKLOG_ATTRIBUTES)
    moment = time.monotonic() if now is None else now
    if waiting:
        _drained_since = None
        return waiting
    if _drained_since is None:
        _drained_since = moment
    return 0 if moment - _drained_since >= DRAINED_FOR_SECONDS else 1


def tick_once(
    now: float | None = None, *, store: QueueStore | None = None, load_event: Any = None, backlog: Any = None
) -> list[str]:
    """One tick over every open queue, then the hook for each."""
    from chalicelib.catalog import events

    ticked = admitter.tick(
        store or DynamoQueueStore(), load_event or events.cached_event, now, backlog or pre_open_backlog
    )
    for event_id in ticked:
        _notify_in_background(event_id)
    return ticked


# Pushes run beside the ticks, not inside them: hundreds of listeners must not slow the serving
# counter (a tick longer than MAX_CATCH_UP_SECONDS would lose admissions). One push round per
# event at a time; a tick that finds the last round still running skips it (the next round
# sends what changed meanwhile).
_pushers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="queue-push")
_rounds: dict[str, Future[None]] = {}
_rounds_lock = threading.Lock()


def _notify_logged(event_id: str) -> None:
    try:
        notify_queue(event_id)
    except Exception:  # a failed push never stops admissions
        logger.exception("notify_queue failed for %s", event_id)


def _notify_in_background(event_id: str) -> None:
    with _rounds_lock:
        running = _rounds.get(event_id)
        if running is not None and not running.done():
            return
        _rounds[event_id] = _pushers.submit(_notify_logged, event_id)


def wait_for_pushes(timeout: float = 30.0) -> None:
    """Block until the push rounds under way are done (end of an invocation; tests)."""
    with _rounds_lock:
        running = list(_rounds.values())
    wait(running, timeout=timeout)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.settings import get_settings

    interval = get_settings().admitter_tick_seconds
    started = time.monotonic()
    ticks = 0
    while True:
        tick_started = time.monotonic()
        remaining_ms = context.get_remaining_time_in_millis() if context is not None else 60_000
        if tick_started - started >= RUN_SECONDS or remaining_ms < 3_000:
            break
        try:
            tick_once()
        except Exception:
            logger.exception("admitter tick failed")
        ticks += 1
        time.sleep(max(0.0, interval - (time.monotonic() - tick_started)))
    wait_for_pushes(timeout=max(0.0, (context.get_remaining_time_in_millis() / 1000 - 1) if context else 2.0))
    return {"ticks": ticks}
