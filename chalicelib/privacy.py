"""A customer's personal data: everything we hold about them (export), and its erasure.

Every table of `models.ALL_MODELS` is named in `STORES` with what it holds about a person and
what erasure does to it, so a new table cannot be forgotten (tests/unit/test_privacy.py fails
until it is listed). docs/privacy.md is the same list for people.

Erasure runs in the request (seconds at most: a customer has tens of records, not thousands)
and every step is idempotent, so a retried `DELETE /me` finishes what a failed one started.
Financial records (bookings, the local payment ledger) are kept without identity: their
`user_id` becomes a pseudonym that nothing else maps back to a person. The tombstone in the
erasures table is written last; from then on tokens issued before it are refused.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.booking.checkout import booking_view
from chalicelib.booking.holds import hold_view
from chalicelib.errors import HoldNotFoundError
from chalicelib.identity.erasures import mark_erased
from chalicelib.models import (
    Booking,
    Connection,
    Erasure,
    Hold,
    IdempotencyRecord,
    QueueEntry,
    Seat,
    User,
    WaitlistEntry,
    table_name,
)
from chalicelib.settings import Settings, get_settings
from chalicelib.timestamps import epoch_to_rfc3339, rfc3339

logger = logging.getLogger("onsale.privacy")

# Table -> (what it holds about a customer, what erasure does). The unit tests check that this
# names every model, and docs/privacy.md says the same for people.
STORES: dict[str, tuple[str, str]] = {
    "users": ("e-mail address, name, sign-up time, marketing consent", "deleted"),
    "holds": ("seats held, when, by which user id", "released if active; user id pseudonymised"),
    "bookings": ("seats bought, total, payment id, by which user id", "kept; user id pseudonymised"),
    "seats": ("the user id of the last hold on a seat", "pseudonymised"),
    "payments": ("amount, currency, status (no identity, no card data)", "kept (financial record)"),
    "idempotency": ("replayed responses of the customer's requests (ids, seats, totals)", "deleted"),
    "sent_emails": ("which e-mails were sent (kind, subject), by user id; no address", "deleted"),
    "venue_subscriptions": ("venues followed", "deleted"),
    "waitlist": ("waitlist entries and offers", "offers released; deleted"),
    "queue_entries": ("places in waiting rooms", "deleted"),
    "connections": ("open WebSocket connections", "deleted"),
    "erasures": ("the erased user id and when (refuses old tokens; expires after a day)", "written"),
    "venues": ("nothing personal", "-"),
    "events": ("nothing personal", "-"),
    "availability": ("nothing personal (seat ids and expiries)", "-"),
    "queue_counters": ("nothing personal (counts)", "-"),
    "queue_ticks": ("nothing personal (admission times)", "-"),
}

TOMBSTONE_SECONDS = 24 * 3600  # longer than any token the user pool issues (1 hour)


# --- reading a customer's records ------------------------------------------------------------


def _query(db: Any, model: type[Any], index: str, key: str, value: str) -> Iterator[dict[str, Any]]:
    return aws.all_items(
        db.query,
        TableName=table_name(model),
        IndexName=index,
        KeyConditionExpression=f"{key} = :v",
        ExpressionAttributeValues={":v": {"S": value}},
    )


def _scan(db: Any, model: type[Any], **kwargs: Any) -> Iterator[dict[str, Any]]:
    return aws.all_items(db.scan, TableName=table_name(model), **kwargs)


def _connections_of(db: Any, user_id: str) -> list[dict[str, Any]]:
    # No index by user: connections live two hours at most, so the table stays small.
    return list(
        _scan(
            db,
            Connection,
            FilterExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
        )
    )


def _epoch_text(seconds: float | None) -> str | None:
    return epoch_to_rfc3339(float(seconds)) if seconds is not None else None


def _account(cognito: Any, settings: Settings, email: str) -> dict[str, Any] | None:
    """The user pool's record of the account (attributes, status, dates)."""
    if not email:
        return None
    try:
        user = cognito.admin_get_user(UserPoolId=settings.user_pool_id, Username=email)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UserNotFoundException":
            return None
        raise
    account: dict[str, Any] = {
        "attributes": {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])},
        "status": user.get("UserStatus"),
        "enabled": user.get("Enabled"),
    }
    for field, name in (("UserCreateDate", "created_at"), ("UserLastModifiedDate", "updated_at")):
        if isinstance(user.get(field), datetime):
            account[name] = rfc3339(user[field])
    return account


def export(
    user_id: str, *, email: str = "", db: Any = None, cognito: Any = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Every stored datum about the customer, as JSON."""
    from chalicelib.booking.waitlist import entry_view
    from chalicelib.notifications import ledger, subscriptions

    db = db or aws.dynamodb()
    settings = settings or get_settings()
    profile_item = db.get_item(
        TableName=table_name(User), Key={"user_id": {"S": user_id}}, ConsistentRead=True
    ).get("Item")
    profile: dict[str, Any] = {"user_id": user_id, "email": email, "name": "", "created_at": None}
    if profile_item:
        user = User.from_raw_data(profile_item)
        profile = {
            "user_id": user.user_id,
            "email": user.email,
            "name": user.name,
            "created_at": rfc3339(user.created_at),
            "marketing_consent": bool(user.marketing_consent),
        }
        email = user.email
    bookings = [Booking.from_raw_data(i) for i in _query(db, Booking, "by_user", "user_id", user_id)]
    queue_entries = [
        QueueEntry.from_raw_data(i) for i in _query(db, QueueEntry, "by_user", "user_id", user_id)
    ]
    return {
        "exported_at": rfc3339(datetime.now(UTC)),
        "user_id": user_id,
        "profile": profile,
        "account": _account(cognito or aws.cognito(), settings, email),
        "bookings": [booking_view(b) for b in sorted(bookings, key=lambda b: b.created_at)],
        # The local payment ledger's records; with Stripe, Stripe holds them (docs/privacy.md).
        "payments": _payments(db, [b.payment_id for b in bookings])
        if settings.payment_provider == "local"
        else [],
        "holds": [hold_view(Hold.from_raw_data(i)) for i in _query(db, Hold, "by_user", "user_id", user_id)],
        "subscriptions": subscriptions.list_subscriptions(user_id, db=db),
        "waitlist": [
            entry_view(WaitlistEntry.from_raw_data(i))
            for i in _query(db, WaitlistEntry, "by_user", "user_id", user_id)
        ],
        "queue_entries": [_queue_entry(q) for q in queue_entries],
        "connections": [
            {
                "connection_id": c["connection_id"]["S"],
                "channel": c["channel"]["S"],
                "connected_at": _epoch_text(float(c["connected_at"]["N"])) if "connected_at" in c else None,
            }
            for c in _connections_of(db, user_id)
        ],
        **_emails(ledger.emails_sent_to(user_id, db=db)),
    }


def _emails(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """E-mails sent, and facts we decided not to e-mail about (no consent, say), apart."""
    return {
        "emails_sent": [r for r in records if r["status"] == "sent"],
        "emails_not_sent": [r for r in records if r["status"] != "sent"],
    }


def _queue_entry(entry: QueueEntry) -> dict[str, Any]:
    """A waiting-room entry with its standing now (as `GET /events/{id}/queue/{queue_id}`)."""
    from chalicelib.errors import OnsaleError
    from chalicelib.waiting_room.queue import queue_status

    try:
        standing = queue_status(entry.event_id, entry.queue_id, entry.user_id)
    except OnsaleError:  # the event is gone: the entry is all there is
        standing = {"status": "expired"}
    return {
        **standing,
        "queue_id": entry.queue_id,
        "event_id": entry.event_id,
        "cohort": entry.cohort,
        "arrival": int(entry.arrival),
        "joined_at": _epoch_text(entry.joined_at),
    }


def _payments(db: Any, payment_ids: list[str]) -> list[dict[str, Any]]:
    """The local payment ledger's records of the customer's bookings (Stripe keeps its own)."""
    from chalicelib.models import Payment

    found = []
    for payment_id in dict.fromkeys(payment_ids):
        item = db.get_item(TableName=table_name(Payment), Key={"payment_id": {"S": payment_id}}).get("Item")
        if item:
            payment = Payment.from_raw_data(item)
            found.append(
                {
                    "payment_id": payment.payment_id,
                    "amount": {"amount": int(payment.amount), "currency": payment.currency},
                    "status": payment.status,
                    "created_at": rfc3339(payment.created_at),
                }
            )
    return found


# --- erasure ---------------------------------------------------------------------------------


def pseudonym() -> str:
    """The stand-in user id of an erased customer's financial records: random, mapped nowhere."""
    return f"erased-{secrets.token_hex(12)}"


def erase(
    user_id: str,
    *,
    email: str = "",
    db: Any = None,
    cognito: Any = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Erase or pseudonymise everything about the customer; returns what was done, per store."""
    from chalicelib.booking.waitlist import cancel_entry
    from chalicelib.notifications import ledger, subscriptions

    db = db or aws.dynamodb()
    cognito = cognito or aws.cognito()
    settings = settings or get_settings()
    profile = db.get_item(
        TableName=table_name(User), Key={"user_id": {"S": user_id}}, ConsistentRead=True
    ).get("Item")
    if profile:
        email = profile["email"]["S"]
    alias = pseudonym()
    done: dict[str, int] = {}

    # Waitlist first: an open offer is a hold, released by leaving the line.
    entries = [
        WaitlistEntry.from_raw_data(i) for i in _query(db, WaitlistEntry, "by_user", "user_id", user_id)
    ]
    for entry in entries:
        with contextlib.suppress(Exception):  # already finished or cancelled: deleted below anyway
            cancel_entry(entry.waitlist_id, user_id, db=db)
        db.delete_item(TableName=table_name(WaitlistEntry), Key={"waitlist_id": {"S": entry.waitlist_id}})
    done["waitlist"] = len(entries)

    holds = [Hold.from_raw_data(i) for i in _query(db, Hold, "by_user", "user_id", user_id)]
    for hold in holds:
        _erase_hold(db, hold, user_id, alias)
    done["holds"] = len(holds)

    bookings = list(_query(db, Booking, "by_user", "user_id", user_id))
    for item in bookings:
        _pseudonymise(db, Booking, {"booking_id": item["booking_id"]}, user_id, alias)
    done["bookings"] = len(bookings)

    done["idempotency"] = _erase_idempotency(
        db,
        ids={h.hold_id for h in holds}
        | {i["booking_id"]["S"] for i in bookings}
        | {e.waitlist_id for e in entries}
        | {s["subscription_id"] for s in subscriptions.list_subscriptions(user_id, db=db)},
    )
    done["venue_subscriptions"] = subscriptions.delete_subscriptions_of(user_id, db=db)
    queue_entries = list(_query(db, QueueEntry, "by_user", "user_id", user_id))
    for item in queue_entries:
        db.delete_item(TableName=table_name(QueueEntry), Key={"queue_id": item["queue_id"]})
    done["queue_entries"] = len(queue_entries)
    connections = _connections_of(db, user_id)
    for item in connections:
        db.delete_item(
            TableName=table_name(Connection),
            Key={"connection_id": item["connection_id"], "channel": item["channel"]},
        )
    done["connections"] = len(connections)
    done["sent_emails"] = ledger.erase_emails_sent_to(user_id, db=db)

    db.delete_item(TableName=table_name(User), Key={"user_id": {"S": user_id}})
    done["users"] = 1 if profile else 0
    done["cognito"] = _delete_account(cognito, settings, email)

    now = time.time()
    tombstone = Erasure(
        user_id=user_id,
        erased_at=int(now),
        expires_at=int(now + TOMBSTONE_SECONDS),
        ttl=datetime.fromtimestamp(now, UTC) + timedelta(seconds=TOMBSTONE_SECONDS),
    )
    db.put_item(TableName=table_name(Erasure), Item=tombstone.serialize())
    mark_erased(user_id)
    logger.info("account erased", extra={"counts": done})
    return done


def _erase_hold(db: Any, hold: Hold, user_id: str, alias: str) -> None:
    from chalicelib.booking.holds import release_hold, resolve_seats
    from chalicelib.catalog.events import cached_event

    if hold.status == "active" and float(hold.expires_at) > time.time():
        with contextlib.suppress(HoldNotFoundError):  # checked out or released meanwhile
            release_hold(hold.hold_id, user_id, db=db)
    _pseudonymise(db, Hold, {"hold_id": {"S": hold.hold_id}}, user_id, alias)
    try:
        refs = resolve_seats(cached_event(hold.event_id), [str(s) for s in hold.seat_ids])
    except Exception:  # the event is gone: its seats went with it
        return
    for ref in refs:  # a seat still naming this hold names its holder: pseudonymise that too
        with contextlib.suppress(ClientError):
            db.update_item(
                TableName=table_name(Seat),
                Key=ref.key(hold.event_id),
                UpdateExpression="SET hold_user_id = :alias",
                ConditionExpression="hold_id = :hold AND hold_user_id = :user",
                ExpressionAttributeValues={
                    ":alias": {"S": alias},
                    ":hold": {"S": hold.hold_id},
                    ":user": {"S": user_id},
                },
            )


def _pseudonymise(db: Any, model: type[Any], key: dict[str, Any], user_id: str, alias: str) -> None:
    with contextlib.suppress(ClientError):  # already pseudonymised by an earlier attempt
        db.update_item(
            TableName=table_name(model),
            Key=key,
            UpdateExpression="SET user_id = :alias",
            ConditionExpression="user_id = :user",
            ExpressionAttributeValues={":alias": {"S": alias}, ":user": {"S": user_id}},
        )


def _erase_idempotency(db: Any, *, ids: set[str]) -> int:
    """Delete remembered responses that name any of the customer's records.

    Records are keyed by a hash of (caller, route, key), so they are found by content: every
    remembered response names the hold, booking, waitlist entry or subscription it created.
    A scan, over a table TTL keeps to an hour of records, on a rare request.
    """
    if not ids:
        return 0
    removed = 0
    for item in _scan(
        db, IdempotencyRecord, ProjectionExpression="id, #data", ExpressionAttributeNames={"#data": "data"}
    ):
        data = item.get("data", {}).get("S", "")
        if any(i in data for i in ids):
            db.delete_item(TableName=table_name(IdempotencyRecord), Key={"id": item["id"]})
            removed += 1
    return removed


def _delete_account(cognito: Any, settings: Settings, email: str) -> int:
    if not email:
        return 0
    try:
        cognito.admin_delete_user(UserPoolId=settings.user_pool_id, Username=email)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UserNotFoundException":
            return 0
        raise
    return 1
