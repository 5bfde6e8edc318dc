"""The search document of an event, and the values both engines derive from it.

A document carries the EventSummary fields (what search answers with) plus `description`,
`end_at`, `capacity` and `updated_at`: the event's version in epoch milliseconds, so that a stream
record that arrives late never replaces a newer document.

Availability travels separately (it changes with every booking, the event rarely): an
`Availability` record — seats sold, and live holds counted per expiry bucket — is built by the
search indexer from the availability summaries' stream and kept by each engine beside the
document, versioned by `as_of` (when it was read). A result's `available_count` is computed at
query time: capacity - sold - holds not yet expired, so an abandoned hold is counted as available
again once it expires, with no write at all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.catalog.events import event_summary
from chalicelib.models import Event
from chalicelib.search.text import fold, keyword
from chalicelib.timestamps import rfc3339

if TYPE_CHECKING:
    from chalicelib.catalog.availability import SectionState

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
# Hold expiries are counted per bucket of this many seconds (rounded up), which bounds an
# availability record to a few dozen entries however many seats are held.
HOLD_BUCKET_SECONDS = 10


def document_from_event(event_image: dict[str, Any]) -> dict[str, Any]:
    """Build the document from an events-table item in DynamoDB JSON (a stream's NewImage).

    Raises KeyError/ValueError/TypeError/AttributeError when the image is not an event.
    """
    event = Event.from_raw_data(event_image)
    if not event.event_id or event.updated_at is None or event.start_at is None:
        raise ValueError("not an event image: event_id, start_at and updated_at are required")
    capacity = int(event.capacity or 0)
    doc = event_summary(event, [{"available": capacity}])  # until availability is known
    doc.update(
        {
            "capacity": capacity,
            "description": event.description or "",
            "end_at": rfc3339(event.end_at),
            "updated_at": epoch_millis(event.updated_at),
        }
    )
    return doc


def summary(doc: dict[str, Any], availability: Mapping[str, Any] | None, now: float) -> dict[str, Any]:
    """The EventSummary of a document (what search returns), its `available_count` from
    `availability` as of `now` (epoch seconds) when there is one."""
    body = {name: doc[name] for name in SUMMARY_FIELDS}
    if "time_zone" not in body["venue"]:  # a document indexed before venues had zones
        body["venue"] = {**body["venue"], "time_zone": None}  # (a copy: documents are shared)
    if availability is not None and "capacity" in doc:
        held = sum(count for expires, count in availability["holds"] if expires > now)
        body["available_count"] = max(0, int(doc["capacity"]) - int(availability["sold"]) - held)
    return body


def availability_of(
    event_id: str, sections: Mapping[str, SectionState], as_of: int, now: float
) -> dict[str, Any]:
    """The availability record of an event from its section summaries, read at `as_of` (epoch
    milliseconds): `{event_id, as_of, sold, holds: [[expires, count], ...]}`, holds that have not
    expired by `now`, by expiry rounded up to `HOLD_BUCKET_SECONDS`."""
    sold = 0
    holds: Counter[int] = Counter()
    for state in sections.values():
        sold += len(state.sold)
        for seat, expires in state.held.items():
            if expires > now and seat not in state.sold:
                holds[math.ceil(expires / HOLD_BUCKET_SECONDS) * HOLD_BUCKET_SECONDS] += 1
    return {
        "event_id": event_id,
        "as_of": as_of,
        "sold": sold,
        "holds": sorted([e, c] for e, c in holds.items()),
    }


def newer_availability(
    current: Mapping[str, Any] | None, candidate: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """Whichever record was read last (a late or repeated one never replaces a newer one)."""
    if current is None:
        return candidate
    if candidate is None or candidate["as_of"] <= current["as_of"]:
        return current
    return candidate


def availability_version(availability: Mapping[str, Any]) -> int:
    value = availability.get("as_of")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("as_of must be epoch milliseconds")
    return value


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


def category_keys(category: str) -> list[str]:
    """The category keys a `category` filter matches: its own, and its other number and spelling,
    as customers type them ("concert" finds "concerts", "theater" finds "theatre", "comedies"
    finds "comedy"). Categories are free text set by admins, so the filter forgives the forms a
    stranger may guess; sorted, for a stable request."""
    key = category_key(category)
    singular = _singular(key)
    spellings = {singular}
    if singular.endswith("er"):
        spellings.add(singular[:-2] + "re")
    elif singular.endswith("re"):
        spellings.add(singular[:-2] + "er")
    return sorted({key} | spellings | {_plural(spelling) for spelling in spellings})


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def _plural(word: str) -> str:
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"
