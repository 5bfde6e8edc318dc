"""Per-section availability, maintained off the booking path from the seats table's stream.

One summary item per (event, section) holds the set of sold seat ids and a map of held seat id →
hold expiry. Bookings never write it: the stream consumer does, once per section per batch,
writing each seat's *final* state in the batch, so duplicate records change nothing. Readers
count a hold as held only while its expiry is in the future, so expiry needs no write at all.
The seat map of a 56,000-seat stadium is the layout plus these few dozen items.

The same partition also holds a copy of the event itself (sort key `EVENT_COPY`), written in the
same transaction as every write of the event, so one Query reads all a cold event view needs
(decision 28). Section readers start after it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib import aws
from chalicelib.models import SectionAvailability, table_name

# The sort key of the event's copy: it sorts before every section slug (upper-case letters and
# digits), so the copy comes first in its partition and `section > EVENT_COPY` skips it.
EVENT_COPY = "#event"


@dataclass
class SectionState:
    sold: set[str] = field(default_factory=set)
    held: dict[str, float] = field(default_factory=dict)  # seat id -> hold expiry (epoch s)

    def held_now(self, now: float) -> set[str]:
        return {seat for seat, expires in self.held.items() if expires > now and seat not in self.sold}


def seat_state(image: Mapping[str, Any] | None, now: float) -> str:
    """available | held | sold for a raw seat image (DynamoDB JSON), as of `now`."""
    if not image:
        return "available"
    if image.get("status", {}).get("S") == "sold":
        return "sold"
    expires = image.get("hold_expires_at", {}).get("N")
    if expires is not None and float(expires) > now:
        return "held"
    return "available"


def read_sections(event_id: str, *, db: Any = None, consistent: bool = False) -> dict[str, SectionState]:
    """All section summaries of an event: eventually consistent and DAX-cacheable by default,
    `consistent` for a writer that must see the latest state (the search indexer)."""
    db = db or aws.dynamodb_reader()
    items = aws.all_items(
        db.query,
        TableName=table_name(SectionAvailability),
        KeyConditionExpression="event_id = :e AND #section > :copy",
        ExpressionAttributeNames={"#section": "section"},
        ExpressionAttributeValues={":e": {"S": event_id}, ":copy": {"S": EVENT_COPY}},
        ConsistentRead=consistent,
    )
    return sections_of(items)


def sections_of(items: Iterable[Mapping[str, Any]]) -> dict[str, SectionState]:
    """Section slug -> state, of section summary items (DynamoDB JSON)."""
    return {item["section"]["S"]: section_state(item) for item in items}


def section_state(item: Mapping[str, Any]) -> SectionState:
    """The state of a section summary item (DynamoDB JSON)."""
    return SectionState(
        sold=set(item.get("sold", {}).get("SS", [])),
        held={k: float(v["N"]) for k, v in item.get("held", {}).get("M", {}).items()},
    )


SeatChange = tuple[Mapping[str, Any] | None, Mapping[str, Any]]  # (old image, new image)
CHUNK = 40  # seats per UpdateExpression, well inside DynamoDB's expression limits


def apply_seat_changes(changes: Iterable[SeatChange], *, db: Any = None) -> int:
    """Fold seat changes (in stream order) into the section summaries. Idempotent.

    Per seat, only the first old image and the last new image of the batch matter, and the
    summary is set to that final state, so replaying a batch writes the same values again.
    Returns the number of summary writes made.
    """
    db = db or aws.dynamodb()
    first_old: dict[tuple[str, str], Mapping[str, Any] | None] = {}
    last_new: dict[tuple[str, str], Mapping[str, Any]] = {}
    for old, new in changes:
        key = (new["event_section"]["S"], new["seat_id"]["S"])
        first_old.setdefault(key, old)
        last_new[key] = new
    by_section: dict[tuple[str, str], list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]]] = {}
    for (partition, seat_id), new in last_new.items():
        event_id, _, section = partition.partition("#")
        by_section.setdefault((event_id, section), []).append((seat_id, first_old[(partition, seat_id)], new))
    writes = 0
    for (event_id, section), seats in by_section.items():
        for start in range(0, len(seats), CHUNK):
            for update in _section_updates(seats[start : start + CHUNK]):
                db.update_item(
                    TableName=table_name(SectionAvailability),
                    Key={"event_id": {"S": event_id}, "section": {"S": section}},
                    **update,
                )
                writes += 1
    return writes


def _is_sold(image: Mapping[str, Any] | None) -> bool:
    return bool(image) and image.get("status", {}).get("S") == "sold"  # type: ignore[union-attr]


def _hold_expiry(image: Mapping[str, Any] | None) -> str | None:
    if not image or _is_sold(image) or "hold_id" not in image:
        return None
    value = image.get("hold_expires_at", {}).get("N")
    return str(value) if value is not None else None


def _section_updates(
    seats: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any]]],
) -> list[dict[str, Any]]:
    sold_add: list[str] = []
    sold_remove: list[str] = []
    held_set: dict[str, str] = {}
    held_remove: list[str] = []
    for seat_id, old, new in seats:
        if _is_sold(new):
            sold_add.append(seat_id)
        elif _is_sold(old):
            sold_remove.append(seat_id)
        expiry = _hold_expiry(new)
        if expiry is not None:
            held_set[seat_id] = expiry
        elif _hold_expiry(old) is not None or _is_sold(new):
            held_remove.append(seat_id)
    if not (sold_add or sold_remove or held_set or held_remove):
        return []  # e.g. a new seat written by provisioning: nothing to record
    # `held` exists from provisioning (an empty map), so entries can be set directly.
    names: dict[str, str] = {}
    vals: dict[str, Any] = {":now": {"N": str(int(time.time()))}}
    set_parts = ["updated_at = :now"]
    remove_parts: list[str] = []
    for i, (seat_id, expires) in enumerate(sorted(held_set.items())):
        names[f"#s{i}"] = seat_id
        vals[f":x{i}"] = {"N": expires}
        set_parts.append(f"held.#s{i} = :x{i}")
    for j, seat_id in enumerate(sorted(set(held_remove))):
        names[f"#r{j}"] = seat_id
        remove_parts.append(f"held.#r{j}")
    clauses = ["SET " + ", ".join(set_parts)]
    if remove_parts:
        clauses.append("REMOVE " + ", ".join(remove_parts))
    if sold_add:
        clauses.append("ADD sold :sold")
        vals[":sold"] = {"SS": sorted(set(sold_add))}
    update: dict[str, Any] = {"UpdateExpression": " ".join(clauses), "ExpressionAttributeValues": vals}
    if names:
        update["ExpressionAttributeNames"] = names
    updates = [update]
    if sold_remove:
        # ADD and DELETE on one set cannot share an expression.
        updates.append(
            {
                "UpdateExpression": "DELETE sold :gone",
                "ExpressionAttributeValues": {":gone": {"SS": sorted(set(sold_remove))}},
            }
        )
    return updates
