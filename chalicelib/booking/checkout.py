"""Checkout, cancellation and the customer's bookings.

Checkout charges the card, then in one transaction turns the held seats into sold seats and
writes the booking, conditioned on the hold still being this user's, active and unexpired.
If that fails because the hold expired meanwhile, the charge is refunded and the customer told.
The charge is keyed by hold and card token, so retries never charge twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from ulid import ULID

from chalicelib import aws
from chalicelib.booking.holds import cancellation_codes, load_hold, resolve_seats
from chalicelib.catalog.events import cached_event, rfc3339
from chalicelib.errors import (
    BookingNotFoundError,
    HoldExpiredError,
    InvalidRequestError,
    NotCancellableError,
    ServiceUnavailableError,
)
from chalicelib.models import Booking, Hold, Money, Seat, table_name
from chalicelib.payments import PaymentProvider, provider

logger = logging.getLogger(__name__)


def booking_view(booking: Booking) -> dict[str, Any]:
    body: dict[str, Any] = {
        "booking_id": booking.booking_id,
        "event_id": booking.event_id,
        "seat_ids": [str(s) for s in booking.seat_ids],
        "status": booking.status,
        "total": {"amount": int(booking.total.amount), "currency": booking.total.currency},
        "created_at": rfc3339(booking.created_at),
        "hold_id": booking.hold_id,
    }
    if booking.cancelled_at:
        body["cancelled_at"] = rfc3339(booking.cancelled_at)
    return body


def _charge_key(hold_id: str, token: str) -> str:
    return f"hold-{hold_id}-" + hashlib.sha256(token.encode()).hexdigest()[:16]


def checkout(
    *,
    hold_id: str,
    user_id: str,
    payment_token: str,
    db: Any = None,
    payments: PaymentProvider | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Pay for a hold and turn it into a confirmed booking."""
    db = db or aws.dynamodb()
    payments = payments or provider()
    hold = load_hold(hold_id, user_id, db=db)
    if hold.status == "converted" and hold.booking_id:
        return booking_view(load_booking(hold.booking_id, user_id, db=db))
    if float(hold.expires_at) <= (now if now is not None else time.time()):
        raise HoldExpiredError("The hold expired before payment; nothing was charged")
    charge = payments.charge(
        amount=int(hold.total.amount),
        currency=hold.total.currency,
        token=payment_token,
        idempotency_key=_charge_key(hold_id, payment_token),
        description=f"Onsale hold {hold_id}",
    )
    created = datetime.now(UTC)
    booking = Booking(
        booking_id=str(ULID()),
        user_id=user_id,
        event_id=hold.event_id,
        hold_id=hold_id,
        seat_ids=[str(s) for s in hold.seat_ids],
        status="confirmed",
        total=Money(amount=int(hold.total.amount), currency=hold.total.currency),
        payment_id=charge.charge_id,
        created_at=created,
    )
    moment = now if now is not None else time.time()
    event = cached_event(hold.event_id)
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": table_name(Hold),
                "Key": {"hold_id": {"S": hold_id}},
                "UpdateExpression": "SET #status = :converted, booking_id = :booking",
                "ConditionExpression": "user_id = :user AND #status = :active AND expires_at > :now",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":converted": {"S": "converted"},
                    ":booking": {"S": booking.booking_id},
                    ":user": {"S": user_id},
                    ":active": {"S": "active"},
                    ":now": {"N": f"{moment:.3f}"},
                },
            }
        },
        {
            "Put": {
                "TableName": table_name(Booking),
                "Item": booking.serialize(),
                "ConditionExpression": "attribute_not_exists(booking_id)",
            }
        },
    ]
    for ref in resolve_seats(event, [str(s) for s in hold.seat_ids]):
        items.append(
            {
                "Update": {
                    "TableName": table_name(Seat),
                    "Key": ref.key(hold.event_id),
                    "UpdateExpression": (
                        "SET #status = :sold, booking_id = :booking "
                        "REMOVE hold_id, hold_user_id, hold_expires_at"
                    ),
                    "ConditionExpression": "hold_id = :hold AND #status = :available",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":sold": {"S": "sold"},
                        ":booking": {"S": booking.booking_id},
                        ":hold": {"S": hold_id},
                        ":available": {"S": "available"},
                    },
                }
            }
        )
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            db.transact_write_items(TransactItems=items)
            return booking_view(booking)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            if not only_conflicts(exc) or attempt == CONFLICT_RETRIES:
                break
            # DynamoDB cancels a transaction that races another on the same items: a hold
            # attempt on one of these (held) seats, say. Nothing was decided; try again.
            time.sleep(0.02 * (attempt + 1))
    return _after_failed_checkout(db, payments, hold_id, user_id, charge.charge_id)


CONFLICT_RETRIES = 3


def only_conflicts(exc: ClientError) -> bool:
    """True when a cancelled transaction failed no condition, only raced another transaction."""
    codes = {code for code in cancellation_codes(exc) if code is not None}
    return bool(codes) and codes <= {"TransactionConflict"}


def _after_failed_checkout(
    db: Any, payments: PaymentProvider, hold_id: str, user_id: str, charge_id: str
) -> dict[str, Any]:
    """The transaction lost: either a concurrent checkout of the same hold won, or it expired."""
    hold = load_hold(hold_id, user_id, db=db)
    if hold.status == "converted" and hold.booking_id:
        winner = load_booking(hold.booking_id, user_id, db=db)
        if winner.payment_id != charge_id:
            payments.refund(charge_id=charge_id, idempotency_key=f"refund-{charge_id}")
        return booking_view(winner)
    payments.refund(charge_id=charge_id, idempotency_key=f"refund-{charge_id}")
    if float(hold.expires_at) > time.time():
        # Still ours and unexpired, but the transaction kept colliding: nothing was sold.
        raise ServiceUnavailableError(
            "We could not complete the booking just now; your card was refunded and your seats "
            "are still held. Try again.",
            retry_after_seconds=1,
        )
    logger.info("hold expired during payment; refunded", extra={"hold_id": hold_id})
    raise HoldExpiredError("The hold expired during payment; your card was refunded")


def load_booking(booking_id: str, user_id: str | None, *, db: Any = None) -> Booking:
    """A booking, if `user_id` owns it (None: an administrator asks)."""
    if not booking_id or len(booking_id) > 64:
        raise BookingNotFoundError()
    db = db or aws.dynamodb()
    item = db.get_item(
        TableName=table_name(Booking), Key={"booking_id": {"S": booking_id}}, ConsistentRead=True
    ).get("Item")
    if not item:
        raise BookingNotFoundError()
    booking = Booking.from_raw_data(item)
    if user_id is not None and booking.user_id != user_id:
        raise BookingNotFoundError()
    return booking


def cancel_booking(
    booking_id: str,
    user_id: str | None,
    *,
    db: Any = None,
    payments: PaymentProvider | None = None,
) -> dict[str, Any]:
    """Cancel a confirmed booking before its event starts: seats return to sale, money back."""
    db = db or aws.dynamodb()
    payments = payments or provider()
    booking = load_booking(booking_id, user_id, db=db)
    if booking.status != "confirmed":
        raise NotCancellableError("This booking is already cancelled")
    event = cached_event(booking.event_id)
    if datetime.now(UTC) >= event.start_at:
        raise NotCancellableError("The event has started; this booking can no longer be cancelled")
    cancelled_at = datetime.now(UTC)
    items: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": table_name(Booking),
                "Key": {"booking_id": {"S": booking_id}},
                "UpdateExpression": "SET #status = :cancelled, cancelled_at = :at",
                "ConditionExpression": "#status = :confirmed",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":cancelled": {"S": "cancelled"},
                    ":confirmed": {"S": "confirmed"},
                    ":at": {"S": Booking.cancelled_at.serialize(cancelled_at)},
                },
            }
        }
    ]
    for ref in resolve_seats(event, [str(s) for s in booking.seat_ids]):
        items.append(
            {
                "Update": {
                    "TableName": table_name(Seat),
                    "Key": ref.key(booking.event_id),
                    "UpdateExpression": "SET #status = :available REMOVE booking_id",
                    "ConditionExpression": "booking_id = :booking AND #status = :sold",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":available": {"S": "available"},
                        ":sold": {"S": "sold"},
                        ":booking": {"S": booking_id},
                    },
                }
            }
        )
    try:
        db.transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        raise NotCancellableError("This booking was cancelled meanwhile") from None
    try:
        payments.refund(charge_id=booking.payment_id, idempotency_key=f"refund-{booking.payment_id}")
    except Exception:  # the cancellation stands; the refund is retried by operations
        logger.exception("refund failed after cancellation", extra={"booking_id": booking_id})
    booking.status = "cancelled"
    booking.cancelled_at = cancelled_at
    return booking_view(booking)


def list_bookings(user_id: str, *, limit: int, cursor: str | None, db: Any = None) -> dict[str, Any]:
    """The caller's bookings, newest first, paginated with an opaque cursor."""
    db = db or aws.dynamodb()
    kwargs: dict[str, Any] = {
        "TableName": table_name(Booking),
        "IndexName": "by_user",
        "KeyConditionExpression": "user_id = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if cursor:
        start = decode_cursor(cursor)
        if start.get("user_id", {}).get("S") != user_id:
            raise InvalidRequestError("The cursor is not valid")
        kwargs["ExclusiveStartKey"] = start
    page = db.query(**kwargs)
    bookings = [booking_view(Booking.from_raw_data(item)) for item in page.get("Items", [])]
    last = page.get("LastEvaluatedKey")
    return {"bookings": bookings, "next_cursor": encode_cursor(last) if last else None}


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequestError("The cursor is not valid") from None
    if not isinstance(value, dict) or not all(
        isinstance(v, dict) and len(v) == 1 and isinstance(next(iter(v.values())), str)
        for v in value.values()
    ):
        raise InvalidRequestError("The cursor is not valid")
    return value
