"""The admitter: advances each open queue's serving counter at the event's rate.

Every tick (a second) and for each listed event whose onsale is queued and open: after the
grace period, and once the pre-open join queue is drained (every join made before the open is
then numbered, however far the consumer lagged), it fixes the pre-open pool once, then adds
`admit_per_minute / 60 x elapsed` to the fractional serving counter (never past the places
assigned) and, when the integer part grows, records a tick (event, serving, at) in the same
transaction. The counter write is conditioned on the previous tick time, so overlapping
admitters never advance twice.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable

from chalicelib.errors import EventNotFoundError
from chalicelib.models import Event
from chalicelib.settings import get_settings
from chalicelib.waiting_room.store import Counter, QueueStore

logger = logging.getLogger("onsale.waiting_room")

# After an outage the admitter resumes at its rate instead of admitting the missed time at once.
MAX_CATCH_UP_SECONDS = 5.0


def next_serving(counter: Counter, admit_per_minute: int, now: float) -> float:
    """The serving counter after a tick at `now`, fractions carried, capped at the places assigned."""
    places = counter.places or 0
    previous = counter.ticked_at if counter.ticked_at is not None else now
    elapsed = min(max(0.0, now - previous), MAX_CATCH_UP_SECONDS)
    return max(counter.serving, min(counter.serving + admit_per_minute / 60 * elapsed, float(places)))


# The number of pre-open joins not yet numbered (sent, in flight or being retried).
Backlog = Callable[[], int]


def _no_backlog() -> int:
    return 0


def advance_event(
    event: Event, store: QueueStore, now: float, backlog: Backlog = _no_backlog
) -> Counter | None:
    """One tick of one event; the counter after it (None before admission starts or if beaten)."""
    settings = get_settings()
    opens_at = event.onsale.opens_at.timestamp()
    if now < opens_at + settings.queue_freeze_grace_seconds:
        return None
    counter = store.counter(event.event_id)
    if counter.frozen_pre is None:
        waiting = backlog()
        if waiting:
            if now < opens_at + settings.queue_freeze_max_wait_seconds:
                return None  # pre-open joins still being numbered: they belong in the draw
            logger.warning(
                "pre-open joins still queued %d s after the open; fixing the pool without them",
                int(now - opens_at),
                extra={"event_id": event.event_id, "backlog": waiting},
            )
        return store.freeze(event.event_id, now)  # admission starts at the next tick
    serving = next_serving(counter, int(event.onsale.admit_per_minute), now)
    tick = math.floor(serving) if math.floor(serving) > counter.served else None
    if not store.advance(
        event.event_id, previous_tick=counter.ticked_at, serving=serving, now=now, tick=tick
    ):
        return None
    return Counter(
        pre_count=counter.pre_count,
        post_count=counter.post_count,
        frozen_pre=counter.frozen_pre,
        serving=serving,
        ticked_at=now,
        listed=counter.listed,
    )


def tick(
    store: QueueStore,
    load_event: Callable[[str], Event],
    now: float | None = None,
    backlog: Backlog = _no_backlog,
) -> list[str]:
    """Advance every listed queue once; returns the events whose queues were ticked (whose
    standings may have changed), for the pusher. `backlog` is asked at most once per tick."""
    now = time.time() if now is None else now
    backlog = functools.cache(backlog)
    ticked = []
    for event_id in sorted(store.active_events()):
        try:
            event = load_event(event_id)
        except EventNotFoundError:
            store.unlist_event(event_id)
            continue
        except Exception:
            logger.exception("admitter could not read event %s", event_id)
            continue
        if not event.onsale.queue_required or now >= event.start_at.timestamp():
            store.unlist_event(event_id)  # ended, or no longer queued: nothing more to admit
            continue
        try:
            advance_event(event, store, now, backlog)
        except Exception:
            logger.exception("admitter tick failed for event %s", event_id)
            continue
        ticked.append(event_id)  # before opening too: the pre-open pool grows
    return ticked
