"""Reminders a day before: one per confirmed booking of every event starting soon.

Run on a schedule (EventBridge in AWS, a loop thread locally). Each booking's reminder is the
fact `reminder#<booking_id>`, so overlapping or repeated runs send it once; a run that finds a
reminder claimed by another run leaves it to that run (or to a later run, after the lease).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.aws import all_items
from chalicelib.models import Booking, Event, table_name
from chalicelib.notifications import facts
from chalicelib.notifications.postman import ClaimBusyError, Postman, describe

logger = logging.getLogger("onsale.notifications")


def events_starting_between(db: Any, start: datetime, end: datetime) -> Iterator[str]:
    """Ids of events starting in (start, end]: a scan of keys and start times (decisions)."""
    values = {":from": {"S": Event.start_at.serialize(start)}, ":until": {"S": Event.start_at.serialize(end)}}
    for item in all_items(
        db.scan,
        TableName=table_name(Event),
        FilterExpression="start_at > :from AND start_at <= :until",
        ProjectionExpression="event_id, start_at",
        ExpressionAttributeValues=values,
    ):
        yield item["event_id"]["S"]


def confirmed_bookings(db: Any, event_id: str) -> Iterator[dict[str, Any]]:
    for item in all_items(
        db.query,
        TableName=table_name(Booking),
        IndexName="by_event",
        KeyConditionExpression="event_id = :event",
        FilterExpression="#status = :confirmed",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":event": {"S": event_id}, ":confirmed": {"S": "confirmed"}},
    ):
        booking = Booking.from_raw_data(item)
        yield {
            "booking_id": booking.booking_id,
            "user_id": booking.user_id,
            "event_id": booking.event_id,
            "seat_ids": list(booking.seat_ids),
            "total": {"amount": int(booking.total.amount), "currency": booking.total.currency},
        }


def send_due_reminders(postman: Postman) -> dict[str, int]:
    """Send every reminder now due; returns counts by outcome (sent, duplicate, skipped, ...)."""
    now = datetime.fromtimestamp(postman.clock(), UTC)
    until = now + timedelta(hours=postman.settings.reminder_window_hours)
    counts: Counter[str] = Counter()
    for event_id in events_starting_between(postman.db, now, until):
        for booking in confirmed_bookings(postman.db, event_id):
            try:
                counts[postman.deliver(facts.reminder(booking))] += 1
            except ClaimBusyError:
                counts["busy"] += 1  # another run is sending it
            except Exception as exc:  # this one is retried by the next run; the others go on
                counts["failed"] += 1
                logger.error("reminder for booking %s failed: %s", booking["booking_id"], describe(exc))
    return dict(counts)
