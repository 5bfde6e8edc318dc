"""The search document of an event, and the values both engines derive from it.

A document carries the EventSummary fields (what search answers with) plus `description`,
`end_at` and `updated_at`: the event's version in epoch milliseconds, so that a stream record
that arrives late never replaces a newer document.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.catalog.events import event_summary, rfc3339
from chalicelib.models import Event
from chalicelib.search.text import fold, keyword

SUMMARY_FIELDS = (
    "event_id",
    "name",
    "category",
    "performers",
    "venue",
    "start_at",
    "min_price",
    "available_count",
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RFC3339 = "%Y-%m-%dT%H:%M:%SZ"


def document_from_event(event_image: dict[str, Any]) -> dict[str, Any]:
    """Build the document from an events-table item in DynamoDB JSON (a stream's NewImage).

    Raises KeyError/ValueError/TypeError/AttributeError when the image is not an event.
    """
    event = Event.from_raw_data(event_image)
    if not event.event_id or event.updated_at is None or event.start_at is None:
        raise ValueError("not an event image: event_id, start_at and updated_at are required")
    # available_count: the capacity for now (the seats stream does not feed this index).
    doc = event_summary(event, [{"available": int(event.capacity or 0)}])
    doc.update(
        {
            "description": event.description or "",
            "end_at": rfc3339(event.end_at),
            "updated_at": epoch_millis(event.updated_at),
        }
    )
    return doc


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The EventSummary part of a document (what search returns)."""
    return {name: doc[name] for name in SUMMARY_FIELDS}


def epoch_millis(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def start_timestamp(doc: dict[str, Any]) -> int:
    """`start_at` in epoch seconds."""
    start = datetime.strptime(doc["start_at"], RFC3339).replace(tzinfo=UTC)
    return int((start - EPOCH).total_seconds())


def version(doc: dict[str, Any]) -> int:
    value = doc["updated_at"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("updated_at must be epoch milliseconds")
    return value


def filter_keys(doc: dict[str, Any]) -> dict[str, Any]:
    """The normalised values the filters compare with (see `text.keyword`)."""
    return {
        "city": keyword(doc["venue"]["city"]),
        "category": category_key(doc["category"]),
        "performers": [keyword(p) for p in doc["performers"]],
        "venue_id": doc["venue"]["venue_id"],
    }


def category_key(category: str) -> str:
    return fold(category).strip()
