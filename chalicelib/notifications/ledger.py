"""The sent-mail table: one item per fact, claimed with a conditional write before sending.

A fact is `claimed` (with a lease) before the e-mail goes to SES and `sent` (with SES's message
id) after. A second claim of the same fact fails while the first is sent, skipped or within its
lease, so duplicates, retries and overlapping runs send nothing twice. A sender that died
between claim and send leaves a claim whose lease runs out; the next attempt takes it over and
sends. A sender that died after SES accepted the message but before marking it sent causes one
duplicate at most: the trade is at-least-once (docs/decisions.md).
"""

from __future__ import annotations

import enum
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws import all_items
from chalicelib.models import SentEmail, table_name
from chalicelib.timestamps import rfc3339

logger = logging.getLogger(__name__)


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"  # this caller owns the fact: send, then mark
    DONE = "done"  # already sent (or skipped): nothing to do
    BUSY = "busy"  # another sender holds an unexpired claim: try again after its lease


def _is_conditional_failure(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _key(fact_key: str) -> dict[str, Any]:
    return {"fact_key": {"S": fact_key}}


def claim(
    db: Any, *, fact_key: str, user_id: str, kind: str, now: float, lease_seconds: int
) -> tuple[ClaimOutcome, str | None]:
    """Claim a fact for sending. Returns the outcome and, when claimed, the claim id."""
    claim_id = uuid.uuid4().hex
    item = SentEmail(
        fact_key=fact_key,
        user_id=user_id,
        kind=kind,
        status="claimed",
        claim_id=claim_id,
        lease_expires_at=int(now) + lease_seconds,
        created_at=datetime.fromtimestamp(now, UTC),
    )
    try:
        db.put_item(
            TableName=table_name(SentEmail),
            Item=item.serialize(),
            ConditionExpression=(
                "attribute_not_exists(fact_key) OR (#status = :claimed AND lease_expires_at <= :now)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":claimed": {"S": "claimed"}, ":now": {"N": str(int(now))}},
        )
    except ClientError as exc:
        if not _is_conditional_failure(exc):
            raise
        current = db.get_item(TableName=table_name(SentEmail), Key=_key(fact_key), ConsistentRead=True)
        status = current.get("Item", {}).get("status", {}).get("S")
        if status == "claimed":
            return ClaimOutcome.BUSY, None
        return ClaimOutcome.DONE, None
    return ClaimOutcome.CLAIMED, claim_id


def mark_sent(db: Any, *, fact_key: str, claim_id: str, message_id: str, subject: str, now: float) -> None:
    """Record that SES accepted the e-mail; the fact is done for good."""
    _finish(
        db,
        fact_key=fact_key,
        claim_id=claim_id,
        updates={
            "status": {"S": "sent"},
            "message_id": {"S": message_id},
            "subject": {"S": subject},
            "sent_at": {"S": SentEmail.sent_at.serialize(datetime.fromtimestamp(now, UTC))},
        },
    )


def mark_skipped(db: Any, *, fact_key: str, claim_id: str, reason: str) -> None:
    """Record that this fact needs no e-mail (no such customer, consent withdrawn...)."""
    _finish(
        db,
        fact_key=fact_key,
        claim_id=claim_id,
        updates={"status": {"S": "skipped"}, "reason": {"S": reason}},
    )


def _finish(db: Any, *, fact_key: str, claim_id: str, updates: dict[str, Any]) -> None:
    names = {f"#{name}": name for name in updates}
    values = {f":{name}": value for name, value in updates.items()}
    values[":claim"] = {"S": claim_id}
    try:
        db.update_item(
            TableName=table_name(SentEmail),
            Key=_key(fact_key),
            UpdateExpression="SET "
            + ", ".join(f"#{name} = :{name}" for name in updates)
            + " REMOVE lease_expires_at",
            ConditionExpression="claim_id = :claim",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if not _is_conditional_failure(exc):
            raise
        # Our lease ran out and another sender took the fact over: it will record the outcome.
        logger.warning("claim on %s was taken over before it was marked", fact_key)


def release(db: Any, *, fact_key: str, claim_id: str) -> None:
    """Give a claim up at once (the send failed), so that the retry need not wait for the lease."""
    try:
        db.update_item(
            TableName=table_name(SentEmail),
            Key=_key(fact_key),
            UpdateExpression="SET lease_expires_at = :zero",
            ConditionExpression="claim_id = :claim AND #status = :claimed",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":zero": {"N": "0"},
                ":claim": {"S": claim_id},
                ":claimed": {"S": "claimed"},
            },
        )
    except ClientError as exc:
        if not _is_conditional_failure(exc):
            raise


# --- what the customer-rights work reads and erases ------------------------------------------


def emails_sent_to(user_id: str, *, db: Any) -> list[dict[str, Any]]:
    """Every e-mail fact recorded for a customer, oldest first (GDPR export)."""
    found: list[dict[str, Any]] = []
    for item in _items_of(user_id, db):
        record = SentEmail.from_raw_data(item)
        found.append(
            {
                "fact_key": record.fact_key,
                "kind": record.kind,
                "status": record.status,
                "subject": record.subject,
                "message_id": record.message_id,
                "created_at": rfc3339(record.created_at),
                "sent_at": rfc3339(record.sent_at) if record.sent_at else None,
            }
        )
    return found


def erase_emails_sent_to(user_id: str, *, db: Any) -> int:
    """Delete a customer's sent-mail records (erasure); returns how many went.

    Erasure also removes the customer from the users table, which is what stops every future
    e-mail (recipients are resolved at send time); these records only say what was sent.
    """
    count = 0
    for item in _items_of(user_id, db):
        db.delete_item(TableName=table_name(SentEmail), Key={"fact_key": item["fact_key"]})
        count += 1
    return count


def _items_of(user_id: str, db: Any) -> list[dict[str, Any]]:
    return list(
        all_items(
            db.query,
            TableName=table_name(SentEmail),
            IndexName="by_user",
            KeyConditionExpression="user_id = :user",
            ExpressionAttributeValues={":user": {"S": user_id}},
        )
    )
