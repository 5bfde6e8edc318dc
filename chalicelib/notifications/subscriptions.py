"""Following venues (consent to their new-event alerts), marketing consent, and unsubscribing.

One subscription per customer per venue (`venue_subscriptions`, keyed by venue then user), so
following twice is harmless and the alert fan-out is one query per venue.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from ulid import ULID

from chalicelib import aws
from chalicelib.catalog.venues import get_venue
from chalicelib.errors import VenueNotFoundError
from chalicelib.models import User, VenueSubscription, table_name
from chalicelib.notifications import unsubscribe as tokens
from chalicelib.timestamps import rfc3339

logger = logging.getLogger(__name__)


def _key(venue_id: str, user_id: str) -> dict[str, Any]:
    return {"venue_id": {"S": venue_id}, "user_id": {"S": user_id}}


def follow_venue(user_id: str, venue_id: str, *, db: Any = None) -> dict[str, str]:
    """Subscribe a customer to a venue's alerts; following again returns the same subscription."""
    db = db or aws.dynamodb()
    get_venue(venue_id, db=db)  # 404 venue_not_found
    subscription = VenueSubscription(
        venue_id=venue_id,
        user_id=user_id,
        subscription_id=str(ULID()),
        created_at=datetime.now(UTC),
    )
    try:
        db.put_item(
            TableName=table_name(VenueSubscription),
            Item=subscription.serialize(),
            ConditionExpression="attribute_not_exists(user_id)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        existing = db.get_item(
            TableName=table_name(VenueSubscription), Key=_key(venue_id, user_id), ConsistentRead=True
        )["Item"]
        return {"subscription_id": existing["subscription_id"]["S"]}
    return {"subscription_id": subscription.subscription_id}


def unfollow_venue(user_id: str, venue_id: str, *, db: Any = None) -> None:
    """Stop a venue's alerts (nothing to do if the customer did not follow it)."""
    db = db or aws.dynamodb()
    try:
        get_venue(venue_id, db=db)
    except VenueNotFoundError:
        if not is_following(user_id, venue_id, db=db):
            raise
    db.delete_item(TableName=table_name(VenueSubscription), Key=_key(venue_id, user_id))


def is_following(user_id: str, venue_id: str, *, db: Any) -> bool:
    found = db.get_item(
        TableName=table_name(VenueSubscription), Key=_key(venue_id, user_id), ConsistentRead=True
    )
    return "Item" in found


def _subscriptions_of(user_id: str, db: Any) -> list[VenueSubscription]:
    return [
        VenueSubscription.from_raw_data(item)
        for item in aws.all_items(
            db.query,
            TableName=table_name(VenueSubscription),
            IndexName="by_user",
            KeyConditionExpression="user_id = :user",
            ExpressionAttributeValues={":user": {"S": user_id}},
        )
    ]


def list_subscriptions(user_id: str, *, db: Any = None) -> list[dict[str, Any]]:
    """The venues a customer follows, oldest first, with each venue's name, city and time zone
    (an IANA name, or None)."""
    db = db or aws.dynamodb()
    listed = []
    for subscription in _subscriptions_of(user_id, db):
        venue: dict[str, Any] = {"venue_id": subscription.venue_id}
        try:
            found = get_venue(subscription.venue_id, db=db)
            venue.update(name=found.name, city=found.city, time_zone=found.time_zone)
        except VenueNotFoundError:  # removed since: the subscription still says which it was
            pass
        listed.append(
            {
                "subscription_id": subscription.subscription_id,
                "venue_id": subscription.venue_id,
                "venue": venue,
                "created_at": rfc3339(subscription.created_at),
            }
        )
    return listed


def delete_subscriptions_of(user_id: str, *, db: Any = None) -> int:
    """Remove every subscription of a customer (erasure); returns how many there were."""
    db = db or aws.dynamodb()
    subscriptions = _subscriptions_of(user_id, db)
    for subscription in subscriptions:
        db.delete_item(TableName=table_name(VenueSubscription), Key=_key(subscription.venue_id, user_id))
    return len(subscriptions)


def subscribers(venue_id: str, *, db: Any) -> Iterator[str]:
    """User ids following a venue, page by page."""
    for item in aws.all_items(
        db.query,
        TableName=table_name(VenueSubscription),
        KeyConditionExpression="venue_id = :venue",
        ExpressionAttributeValues={":venue": {"S": venue_id}},
        ProjectionExpression="user_id",
    ):
        yield item["user_id"]["S"]


# --- marketing consent ----------------------------------------------------------------------


def get_preferences(user_id: str, *, db: Any = None) -> dict[str, bool]:
    db = db or aws.dynamodb()
    item = db.get_item(
        TableName=table_name(User),
        Key={"user_id": {"S": user_id}},
        ConsistentRead=True,
        ProjectionExpression="marketing_consent",
    ).get("Item", {})
    return {"marketing_consent": item.get("marketing_consent", {}).get("BOOL") is True}


def set_marketing_consent(user_id: str, consent: bool, *, db: Any = None) -> dict[str, bool]:
    """Give or withdraw consent to marketing e-mail (recommendations)."""
    db = db or aws.dynamodb()
    try:
        db.update_item(
            TableName=table_name(User),
            Key={"user_id": {"S": user_id}},
            UpdateExpression="SET marketing_consent = :consent",
            ConditionExpression="attribute_exists(user_id)",
            ExpressionAttributeValues={":consent": {"BOOL": consent}},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        # No profile (an erased customer, say): there is nothing to consent with.
        logger.info("no profile for %s: consent not recorded", user_id)
        return {"marketing_consent": False}
    return {"marketing_consent": consent}


# --- one-click unsubscribe ------------------------------------------------------------------


def unsubscribe(token: str | None, *, db: Any = None, key: bytes | None = None) -> dict[str, Any]:
    """Act on a signed unsubscribe token (RFC 8058): leave a venue's alerts, or marketing.

    Idempotent: a second use finds nothing left to remove and says the same.
    """
    request = tokens.read_token(token, key=key if key is not None else tokens.signing_key())
    db = db or aws.dynamodb()
    venue_id = request.venue_id
    if venue_id is not None:
        db.delete_item(TableName=table_name(VenueSubscription), Key=_key(venue_id, request.user_id))
        logger.info("user %s left the alerts of venue %s", request.user_id, venue_id)
        return {"unsubscribed": "venue", "venue_id": venue_id}
    set_marketing_consent(request.user_id, False, db=db)
    logger.info("user %s withdrew marketing consent", request.user_id)
    return {"unsubscribed": "marketing"}
