"""Live seat maps: seats-stream records into batched `seats` messages for an event's viewers.

Per stream batch, each seat's change is its state before the batch's earliest record against
its state after the latest one (by sequence number, so duplicates and out-of-order records
change nothing); seats that end where they started are left out. Each event's viewers get one
message per batch, and an event gets at most one batch a second (a pacing slot shared by every
concurrent invocation): at most one message per viewer per second.

`{"type": "seats", "event_id", "changes": [{"seat_id", "section", "status"}], "as_of"}` with
status available|held|sold exactly as `GET /events/{id}/seats` reports them (a held seat also
carries its hold's `expires_at`, so a client can show it available again then); when a second's
changes would not fit in one 32 KB frame: `{"type": "seats", "event_id", "refresh": true,
"as_of"}`, and the client refetches the seat map.

Expired holds produce no record (nothing cleans them up): clients treat a hold past its expiry
as available, as the REST seat map does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.catalog.availability import seat_state
from chalicelib.realtime.connections import ConnectionStore, default_store, seats_channel
from chalicelib.realtime.push import MAX_FRAME_BYTES, Sender, default_sender, encode, push_many
from chalicelib.timestamps import epoch_to_rfc3339

logger = logging.getLogger("onsale.realtime")

PUSH_INTERVAL_SECONDS = 1.0
PACE_ATTEMPTS = 10

SectionNames = Callable[[str], Mapping[str, str]]  # event id -> {section slug: section name}


@dataclass(frozen=True)
class SeatChange:
    seat_id: str
    section: str
    status: str
    hold_expires_at: float | None = None  # held seats: when the hold lapses with no further record

    def as_dict(self) -> dict[str, str]:
        change = {"seat_id": self.seat_id, "section": self.section, "status": self.status}
        if self.status == "held" and self.hold_expires_at is not None:
            change["expires_at"] = epoch_to_rfc3339(self.hold_expires_at)
        return change


def _sequence(record: Mapping[str, Any], position: int) -> tuple[int, int]:
    raw = record.get("dynamodb", {}).get("SequenceNumber")
    try:
        return (int(raw), position)
    except (TypeError, ValueError):
        return (position, position)


def seat_changes(
    records: Iterable[Mapping[str, Any]], *, now: float, section_names: SectionNames
) -> dict[str, list[SeatChange]]:
    """Event id -> the seats whose state the batch changed, with their state as of `now`."""
    first: dict[tuple[str, str], tuple[tuple[int, int], Mapping[str, Any] | None]] = {}
    last: dict[tuple[str, str], tuple[tuple[int, int], Mapping[str, Any] | None]] = {}
    for position, record in enumerate(records):
        data = record.get("dynamodb", {})
        keys = data.get("Keys") or data.get("NewImage") or data.get("OldImage") or {}
        partition, seat_id = keys.get("event_section", {}).get("S"), keys.get("seat_id", {}).get("S")
        if not partition or not seat_id:
            continue
        key, order = (partition, seat_id), _sequence(record, position)
        if key not in first or order < first[key][0]:
            first[key] = (order, data.get("OldImage"))
        if key not in last or order > last[key][0]:
            last[key] = (order, data.get("NewImage"))
    changes: dict[str, list[SeatChange]] = {}
    names: dict[str, Mapping[str, str]] = {}
    for (partition, seat_id), (_, new) in sorted(last.items()):
        before, after = seat_state(first[(partition, seat_id)][1], now), seat_state(new, now)
        if before == after:
            continue
        event_id, _, slug = partition.partition("#")
        if event_id not in names:
            names[event_id] = section_names(event_id)
        section = names[event_id].get(slug, slug)
        expires = (new or {}).get("hold_expires_at", {}).get("N") if after == "held" else None
        changes.setdefault(event_id, []).append(
            SeatChange(seat_id, section, after, float(expires) if expires is not None else None)
        )
    return changes


def seats_frame(event_id: str, changes: list[SeatChange], as_of: float) -> bytes:
    """The one frame for this second: the changes, or a refresh when they would not fit."""
    frame = encode(
        {
            "type": "seats",
            "event_id": event_id,
            "changes": [c.as_dict() for c in changes],
            "as_of": epoch_to_rfc3339(as_of),
        }
    )
    if len(frame) < MAX_FRAME_BYTES:
        return frame
    return encode({"type": "seats", "event_id": event_id, "refresh": True, "as_of": epoch_to_rfc3339(as_of)})


def event_section_names(event_id: str) -> Mapping[str, str]:
    """Section slug -> name from the event's layout (cached in a warm Lambda)."""
    from chalicelib.catalog.events import cached_event
    from chalicelib.errors import EventNotFoundError

    try:
        event = cached_event(event_id)
    except EventNotFoundError:
        return {}
    return {str(s.slug): str(s.section) for s in event.sections}


@dataclass
class SeatPushReport:
    events: int = 0
    messages: int = 0
    gone: int = 0


def wait_for_slot(
    store: ConnectionStore,
    event_id: str,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Block until this event's once-a-second seat push slot is ours; return the time taken."""
    for _ in range(PACE_ATTEMPTS):
        now = clock()
        wait = store.claim_pace(seats_channel(event_id), now, PUSH_INTERVAL_SECONDS)
        if wait <= 0:
            return now
        sleep(wait)
    raise TimeoutError(f"no seat push slot for {event_id}")


def push_seat_changes(
    records: Iterable[Mapping[str, Any]],
    *,
    store: ConnectionStore | None = None,
    sender: Sender | None = None,
    section_names: SectionNames = event_section_names,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> SeatPushReport:
    """Push one batch of seat changes to each affected event's viewers (see module doc)."""
    store = store or default_store()
    sender = sender or default_sender()
    report = SeatPushReport()
    for event_id, changes in seat_changes(records, now=clock(), section_names=section_names).items():
        viewers = store.listeners(seats_channel(event_id))
        report.events += 1
        if not viewers:
            continue
        as_of = wait_for_slot(store, event_id, clock=clock, sleep=sleep)
        frame = seats_frame(event_id, changes, as_of)
        outcome = push_many(((v, frame) for v in viewers), sender=sender, store=store)
        report.messages += len(outcome.delivered)
        report.gone += len(outcome.gone)
    return report
