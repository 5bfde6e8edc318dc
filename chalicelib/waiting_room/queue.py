"""The waiting room's customer-facing side: joining, and where a customer stands.

A place is never stored: it follows from the entry's cohort and arrival number and the event's
counter. Pre-open arrivals (joined before `opens_at`) hold arrival numbers a = 1..N; once the
admitter fixes N, the place of arrival a is 1 + pi(a - 1), pi a keyed permutation of [0, N). Later
arrivals hold b = 1, 2, ... and the places N + b. `position = place - served` (0 or less: the turn
has come). A place admitted more than the admission window ago is `expired`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib import aws
from chalicelib.cache import TTLCache
from chalicelib.errors import EventNotOnSaleError, QueueEntryNotFoundError, QueueNotRequiredError
from chalicelib.models import Event, QueueEntry
from chalicelib.settings import get_settings
from chalicelib.timestamps import epoch_to_rfc3339
from chalicelib.waiting_room import tokens
from chalicelib.waiting_room.permutation import permute
from chalicelib.waiting_room.store import Counter, DynamoQueueStore, QueueStore

ENTRY_RETENTION = timedelta(days=7)  # after the event starts

# Fans polling their standing all read one counter item: a warm Lambda reads it at most once a
# second, so the item sees (warm Lambdas) reads per second, not (fans / poll interval).
_counters: TTLCache[Counter] = TTLCache(ttl_seconds=1.0, max_entries=256)


def _counter(event_id: str, store: QueueStore) -> Counter:
    return _counters.get_or_load(event_id, lambda: store.counter(event_id, consistent=False))


@dataclass(frozen=True)
class Standing:
    """Where one entry stands at one moment."""

    place: int | None  # None until it is known (a pre-open entry before the draw, a pending join)
    position: int  # places still to be admitted before this one's turn (estimated while place is None)
    estimated_wait_seconds: int
    admitted: bool  # the serving counter reached the place (admitted or already expired)


@dataclass(frozen=True)
class Schedule:
    """What the standing of an entry depends on besides the counter."""

    opens_at: float  # epoch seconds
    admit_per_minute: int
    grace_seconds: float

    @classmethod
    def of(cls, event: Event) -> Schedule:
        return cls(
            opens_at=event.onsale.opens_at.timestamp(),
            admit_per_minute=max(1, int(event.onsale.admit_per_minute)),
            grace_seconds=get_settings().queue_freeze_grace_seconds,
        )

    def wait_for(self, places: float, now: float) -> int:
        """Seconds until `places` more places are admitted (plus the time until admission starts)."""
        until_start = max(0.0, self.opens_at + self.grace_seconds - now)
        return max(0, math.ceil(until_start + places * 60 / self.admit_per_minute))


# --- queue ids ------------------------------------------------------------------------------


def _id_key() -> bytes:
    return hmac.new(tokens.signing_key(), b"queue-id", hashlib.sha256).digest()


def make_queue_id(event_id: str, user_id: str, key: bytes | None = None) -> str:
    """The customer's queue id for an event: the same on every join (one place per customer per
    event), and keyed, so only the join route hands it out."""
    digest = hmac.new(
        key if key is not None else _id_key(), f"{event_id}\x00{user_id}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"{event_id}-{digest}"


def claim(queue_id: str, user_id: str, key: bytes | None = None) -> str | None:
    """The event of `queue_id` if it is `user_id`'s, whether or not its entry is written yet
    (for the WebSocket `$connect`); None for anyone else's or a made-up id."""
    event_id, _, digest = queue_id.rpartition("-")
    if not event_id or len(digest) != 32:
        return None
    expected = make_queue_id(event_id, user_id, key)
    return event_id if hmac.compare_digest(expected, queue_id) else None


# --- places and standings -------------------------------------------------------------------


def place_of(cohort: str, arrival: int, counter: Counter, permutation_key: bytes) -> int | None:
    """The place of an arrival once the pre-open pool is fixed (None before)."""
    pool = counter.frozen_pre
    if pool is None:
        return None
    if cohort == "pre":
        if not 1 <= arrival <= pool:  # cannot happen: reservation and freeze are atomic
            return None
        return 1 + permute(arrival - 1, pool, permutation_key)
    return pool + arrival


def standing(
    cohort: str | None,
    arrival: int | None,
    counter: Counter,
    schedule: Schedule,
    now: float,
    permutation_key: bytes,
) -> Standing:
    """Where an entry stands. `cohort=None` is a join the consumer has not written yet."""
    if cohort is None or arrival is None:
        # An estimate from the counters: a pending join lands at the back of its cohort.
        if now < schedule.opens_at:
            pool = counter.pre_count + 1
            return Standing(None, pool, schedule.wait_for((pool + 1) / 2, now), False)
        ahead = (counter.frozen_pre if counter.frozen_pre is not None else counter.pre_count) + (
            counter.post_count + 1
        )
        position = max(1, ahead - counter.served)
        return Standing(None, position, schedule.wait_for(position, now), False)
    place = place_of(cohort, arrival, counter, permutation_key)
    if place is None:
        if cohort == "pre":
            # Before the draw every pre-open place is equally likely: the honest position is the
            # pool's size, and the expected wait is that of the middle of the pool.
            pool = max(counter.pre_count, arrival)
            return Standing(None, pool, schedule.wait_for((pool + 1) / 2, now), False)
        position = counter.pre_count + arrival
        return Standing(None, position, schedule.wait_for(position, now), False)
    position = place - counter.served
    if position <= 0:
        return Standing(place, 0, 0, True)
    return Standing(place, position, schedule.wait_for(position, now), False)


def _body(
    queue_id: str,
    entry: QueueEntry | None,
    where: Standing,
    admitted_at: float | None,
    event_id: str,
    now: float,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "queue_id": queue_id,
        "position": where.position,
        "status": "waiting",
        "estimated_wait_seconds": where.estimated_wait_seconds,
        "place": where.place,
    }
    if not where.admitted or entry is None:
        return body
    window = get_settings().admission_window_seconds
    if admitted_at is None or now >= admitted_at + window:
        # Its tick is older than the window (or was swept long after): the turn went unused.
        body.update(status="expired", position=0, estimated_wait_seconds=0)
        return body
    expires_at = int(admitted_at + window)
    body.update(
        status="admitted",
        admission_token=tokens.issue(
            user_id=entry.user_id,
            event_id=event_id,
            queue_id=queue_id,
            admitted_at=int(admitted_at),
            expires_at=expires_at,
        ),
        expires_at=epoch_to_rfc3339(expires_at),
    )
    return body


def _bodies(
    event: Event,
    queue_ids: list[str],
    entries: dict[str, QueueEntry],
    counter: Counter,
    store: QueueStore,
    now: float,
) -> dict[str, dict[str, Any]]:
    schedule = Schedule.of(event)
    key = tokens.permutation_key(event.event_id)
    standings: dict[str, Standing] = {}
    for queue_id in queue_ids:
        entry = entries.get(queue_id)
        if entry is None:
            standings[queue_id] = standing(None, None, counter, schedule, now, key)
        else:
            standings[queue_id] = standing(entry.cohort, int(entry.arrival), counter, schedule, now, key)
    admitted = [s.place for s in standings.values() if s.admitted and s.place is not None]
    times = store.admission_times(event.event_id, admitted) if admitted else {}
    return {
        queue_id: _body(
            queue_id,
            entries.get(queue_id),
            where,
            times.get(where.place) if where.place is not None else None,
            event.event_id,
            now,
        )
        for queue_id, where in standings.items()
    }


# --- the service functions ------------------------------------------------------------------


def _load_event(event_id: str) -> Event:
    from chalicelib.catalog import events

    return events.cached_event(event_id)


def _check_joinable(event: Event, now: float) -> None:
    from chalicelib.catalog import events

    if not event.onsale.queue_required:
        raise QueueNotRequiredError("This event has no waiting room: hold seats directly")
    if now >= event.start_at.timestamp():
        raise EventNotOnSaleError("This event has ended")
    if event.inventory_status == "ready" and now >= event.onsale.opens_at.timestamp():
        sections = events.section_counts(event, events.cached_availability(event.event_id), now)
        if sum(s["available"] for s in sections) == 0:
            raise EventNotOnSaleError("This event is sold out")


def websocket_url(queue_id: str) -> str:
    base = get_settings().websocket_url
    if not base:
        return ""
    return f"{base}{'&' if '?' in base else '?'}queue_id={queue_id}"


def join_queue(
    event_id: str,
    user_id: str,
    *,
    store: QueueStore | None = None,
    sqs: Any = None,
    now: float | None = None,
    event: Event | None = None,
) -> dict[str, Any]:
    """Join an event's waiting room (or find the place already held): at most one read (entry
    and counter in one BatchGetItem) and one SQS message; the consumer assigns the arrival number."""
    now = time.time() if now is None else now
    event = event or _load_event(event_id)
    _check_joinable(event, now)
    store = store or DynamoQueueStore()
    queue_id = make_queue_id(event_id, user_id)
    entries = store.entries([queue_id])
    counter = _counter(event_id, store)
    if queue_id not in entries:
        message = {
            "queue_id": queue_id,
            "event_id": event_id,
            "user_id": user_id,
            "joined_at": now,
            "pre_open": now < event.onsale.opens_at.timestamp(),
            "retain_until": int((event.start_at + ENTRY_RETENTION).timestamp()),
        }
        settings = get_settings()
        url = settings.join_queue_url
        if message["pre_open"] and settings.pre_open_join_queue_url:
            url = settings.pre_open_join_queue_url  # the admitter waits for it to drain
        (sqs or aws.sqs()).send_message(QueueUrl=url, MessageBody=json.dumps(message, separators=(",", ":")))
    body = _bodies(event, [queue_id], entries, counter, store, now)[queue_id]
    body["websocket_url"] = websocket_url(queue_id)
    return body


def queue_status(
    event_id: str,
    queue_id: str,
    user_id: str,
    *,
    store: QueueStore | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The caller's standing (the polling alternative to the WebSocket); another customer's
    queue id, or one never handed out, is 404 like an unknown one."""
    if claim(queue_id, user_id) != event_id:
        raise QueueEntryNotFoundError()
    event = _load_event(event_id)
    store = store or DynamoQueueStore()
    entries = store.entries([queue_id])
    counter = _counter(event_id, store)
    entry = entries.get(queue_id)
    if entry is not None and entry.user_id != user_id:
        raise QueueEntryNotFoundError()
    now = time.time() if now is None else now
    return _bodies(event, [queue_id], entries, counter, store, now)[queue_id]


def queue_statuses(
    event_id: str, queue_ids: list[str], *, store: QueueStore | None = None, now: float | None = None
) -> dict[str, dict[str, Any]]:
    """The GET body of each queue id of one event (ids of other events are left out), for the
    pusher: one BatchGetItem per 100 ids with the counter, and one tick Query for the admitted."""
    wanted = [q for q in dict.fromkeys(queue_ids) if q.rpartition("-")[0] == event_id]
    if not wanted:
        return {}
    event = _load_event(event_id)
    store = store or DynamoQueueStore()
    entries, counter = store.entries_and_counter(wanted, event_id)
    now = time.time() if now is None else now
    return _bodies(event, wanted, entries, counter, store, now)


def load_entry(queue_id: str, *, store: QueueStore | None = None) -> QueueEntry | None:
    """The stored entry (event_id, user_id, ...), or None if it is unknown or not written yet."""
    return (store or DynamoQueueStore()).entries([queue_id]).get(queue_id)
