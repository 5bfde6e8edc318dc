"""Stream records → facts → e-mails, with partial batch failures as Lambda expects them.

Records are handled in order; the first record that cannot be fully handled is reported as
the batch item failure, so Lambda (or the local poller) retries from it. Everything before it
is done, everything after it is retried, and the sent-mail ledger makes the retries harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from chalicelib.models import Booking, Event
from chalicelib.notifications import facts
from chalicelib.notifications.facts import Fact
from chalicelib.notifications.postman import Postman, describe
from chalicelib.notifications.subscriptions import subscribers

logger = logging.getLogger("onsale.notifications")

FactsOf = Callable[[dict[str, Any], Postman], Iterable[Fact]]


def handle_stream(event: dict[str, Any], facts_of: FactsOf, postman: Postman) -> dict[str, Any]:
    for record in event.get("Records", []):
        sequence = record.get("dynamodb", {}).get("SequenceNumber", "")
        failure: BaseException | None = None
        try:
            # Every fact of a record is tried (one failing subscriber does not starve the rest).
            for fact in facts_of(record, postman):
                try:
                    postman.deliver(fact)
                except Exception as exc:
                    failure = failure or exc
        except Exception as exc:
            failure = exc
        if failure is not None:
            logger.error("stream record %s will be retried: %s", sequence, describe(failure))
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}


def _images(record: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    change = record.get("dynamodb", {})
    return change.get("OldImage"), change.get("NewImage")


def _booking(image: dict[str, Any]) -> dict[str, Any]:
    booking = Booking.from_raw_data(image)
    return {
        "booking_id": booking.booking_id,
        "user_id": booking.user_id,
        "event_id": booking.event_id,
        "seat_ids": list(booking.seat_ids),
        "status": booking.status,
        "total": {"amount": int(booking.total.amount), "currency": booking.total.currency},
    }


def booking_facts(record: dict[str, Any], postman: Postman | None = None) -> list[Fact]:
    """A booking becoming confirmed → confirmation; confirmed → cancelled → cancellation."""
    old, new = _images(record)
    if record.get("eventName") not in {"INSERT", "MODIFY"} or not new:
        return []
    # Statuses first: other changes (pseudonymised for erasure, say) are no business of ours.
    before = old.get("status", {}).get("S") if old else None
    after = new.get("status", {}).get("S")
    if after == "confirmed" and before != "confirmed":
        return [facts.booking_confirmed(_booking(new))]
    if after == "cancelled" and before == "confirmed":
        return [facts.booking_cancelled(_booking(new))]
    return []


def event_facts(record: dict[str, Any], postman: Postman) -> Iterable[Fact]:
    """A newly published event (its inventory just became ready) → one alert per follower."""
    old, new = _images(record)
    if record.get("eventName") not in {"INSERT", "MODIFY"} or not new:
        return []
    published = new.get("inventory_status", {}).get("S") == "ready"
    was_published = old is not None and old.get("inventory_status", {}).get("S") == "ready"
    if not published or was_published:
        return []
    event = Event.from_raw_data(new)
    if event.start_at <= datetime.fromtimestamp(postman.clock(), UTC):
        return []  # a replayed record of a past event: nobody wants to hear of it now
    return (
        facts.venue_alert(event_id=event.event_id, venue_id=event.venue_id, user_id=user_id)
        for user_id in subscribers(event.venue_id, db=postman.db)
    )


def waitlist_facts(record: dict[str, Any], postman: Postman | None = None) -> list[Fact]:
    """An offer (status `offered` with a new `offer_count`) → the offer e-mail."""
    old, new = _images(record)
    if record.get("eventName") not in {"INSERT", "MODIFY"} or not new:
        return []
    if new.get("status", {}).get("S") != "offered":
        return []
    count = new.get("offer_count", {}).get("N")
    if count is None or (old is not None and old.get("offer_count", {}).get("N") == count):
        return []
    entry = {
        "waitlist_id": new["waitlist_id"]["S"],
        "event_id": new["event_id"]["S"],
        "user_id": new["user_id"]["S"],
        "quantity": int(new.get("quantity", {}).get("N", "0")),
        "offer_hold_id": new.get("offer_hold_id", {}).get("S", ""),
        "offer_expires_at": int(float(new.get("offer_expires_at", {}).get("N", "0"))),
        "offer_count": int(count),
    }
    return [facts.waitlist_offer(entry)]
