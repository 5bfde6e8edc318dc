"""Waitlist offers: seats that come back are offered to the waitlist, first come first offered.

Two triggers, one handler:
- the bookings table's stream: a booking turning `cancelled` frees its seats, which are
  offered at once (`reconcile_event` with the freed seats);
- a schedule (EventBridge `rate(1 minute)` in AWS; a loop thread in the local stack): expired
  holds leave no stream record, so the sweep settles ended offers and offers freed seats.

`reconcile_event` is state-based and every offer a conditional write, so duplicate records,
retries and the two triggers racing make one offer per entry. A failing event makes the stream
batch be retried from its first record (harmless for the same reason).
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.booking import waitlist

logger = logging.getLogger("onsale.waitlist_offers")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" not in event:  # the schedule
        offers = waitlist.sweep()
        return {"batchItemFailures": [], "offers": offers}
    return process(event.get("Records") or [])


def freed_seats(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Event id -> seats of bookings that turned cancelled in these records, in order."""
    freed: dict[str, list[str]] = {}
    for record in records:
        if record.get("eventName") != "MODIFY":
            continue
        change = record.get("dynamodb") or {}
        old, new = change.get("OldImage") or {}, change.get("NewImage") or {}
        if new.get("status", {}).get("S") != "cancelled" or old.get("status", {}).get("S") == "cancelled":
            continue
        event_id = new.get("event_id", {}).get("S")
        if not event_id:
            continue
        seats = [s.get("S", "") for s in new.get("seat_ids", {}).get("L", [])]
        freed.setdefault(event_id, []).extend(s for s in seats if s)
    return freed


def process(records: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    """Offer the seats of the cancellations in `records`; never raises."""
    for event_id, seats in freed_seats(records).items():
        try:
            waitlist.reconcile_event(event_id, freed_seat_ids=seats, **options)
        except Exception:
            logger.exception("waitlist offers failed", extra={"event_id": event_id})
            first = (records[0].get("dynamodb") or {}).get("SequenceNumber") or ""
            return {"batchItemFailures": [{"itemIdentifier": str(first)}]}
    return {"batchItemFailures": []}
