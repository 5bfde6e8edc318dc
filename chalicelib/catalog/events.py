"""Events: creation and changes (admin), and the cached read path (customers)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from ulid import ULID

from chalicelib import aws
from chalicelib.cache import TTLCache
from chalicelib.catalog.availability import EVENT_COPY, SectionState, read_sections, sections_of
from chalicelib.catalog.venues import get_venue
from chalicelib.errors import EventNotFoundError, InvalidRequestError, ServiceUnavailableError
from chalicelib.models import (
    Event,
    EventSection,
    Money,
    OnsaleSettings,
    RowLayout,
    SectionAvailability,
    VenueRef,
    table_name,
)
from chalicelib.schemas import EventCreate, EventPatch, slugify
from chalicelib.settings import get_settings
from chalicelib.timestamps import epoch_to_rfc3339, rfc3339

_events: TTLCache[Event] = TTLCache(ttl_seconds=2.0)
_availability: TTLCache[dict[str, SectionState]] = TTLCache(ttl_seconds=1.0)
_seat_maps: TTLCache[dict[str, Any]] = TTLCache(ttl_seconds=1.0, max_entries=256)
# Views (not bookings) accept an entry this long past its expiry while it reloads in the
# background, so a popular event's readers never queue behind its refresh.
VIEW_STALE_SECONDS = 1.0
# What an admin may change (`inventory_status` is provisioning's).
EDITABLE = ["name", "description", "category", "performers", "start_at", "end_at", "onsale"]
# Tries of an optimistic write of an event (each after a fresh read and a short random pause):
# enough for a dozen admins patching one event at once to all get through.
WRITE_ATTEMPTS = 25


def create_event(request: EventCreate, *, db: Any = None, sqs: Any = None) -> Event:
    """Store the event as `provisioning` and queue the creation of its seat inventory."""
    db = db or aws.dynamodb()
    venue = get_venue(request.venue_id, db=db)
    now = datetime.now(UTC)
    sections = [
        EventSection(
            section=s.section,
            slug=s.slug,
            price=Money(amount=s.price.amount, currency=s.price.currency),
            total=sum(int(r.seats) for r in s.rows),
            rows=[RowLayout(row=r.row, seats=r.seats) for r in s.rows],
        )
        for s in venue.sections
    ]
    event = Event(
        event_id=str(ULID()),
        venue_id=venue.venue_id,
        venue=VenueRef(
            venue_id=venue.venue_id,
            name=venue.name,
            city=venue.city,
            address=venue.address,
            time_zone=venue.time_zone,
        ),
        name=request.name,
        description=request.description,
        category=request.category,
        performers=list(request.performers),
        start_at=request.start_at.astimezone(UTC),
        end_at=request.end_at.astimezone(UTC),
        sections=sections,
        capacity=venue.capacity,
        onsale=OnsaleSettings(
            opens_at=request.onsale.opens_at.astimezone(UTC),
            hold_seconds=request.onsale.hold_seconds,
            max_per_order=request.onsale.max_per_order,
            queue_required=request.onsale.queue_required,
            admit_per_minute=request.onsale.admit_per_minute,
        ),
        inventory_status="provisioning",
        created_at=now,
        updated_at=now,
    )
    db.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table_name(Event),
                    "Item": event.serialize(),
                    "ConditionExpression": "attribute_not_exists(event_id)",
                }
            },
            {"Put": event_copy(event)},
        ]
    )
    (sqs or aws.sqs()).send_message(
        QueueUrl=get_settings().inventory_queue_url,
        MessageBody=json.dumps({"event_id": event.event_id}),
    )
    return event


def patch_event(event_id: str, patch: EventPatch, *, db: Any = None) -> Event:
    """Apply an admin's change to the event as stored now (made again over any concurrent
    change, so none is lost: `write_event`)."""

    def change(event: Event) -> list[str]:
        _apply_patch(event, patch)
        event.updated_at = datetime.now(UTC)
        return [*EDITABLE, "updated_at"]

    event, _ = write_event(event_id, change, db=db or aws.dynamodb())
    return event


def write_event(event_id: str, change: Callable[[Event], list[str]], *, db: Any) -> tuple[Event, bool]:
    """Read the event (strongly consistent), let `change` alter it and name the attributes to
    write, and write those in one transaction with the event's copy (decision 28), only over the
    version read (`updated_at` and `inventory_status` unchanged), so the copy never differs from
    the event and a concurrent change is never undone. After a conflict: pause, read it again,
    change it again. Returns the event as written, and False when `change` named nothing (then
    nothing is written)."""
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            conflict_pause(attempt)
        event = load_event(event_id, db=db, consistent=True)
        seen = {
            ":seen_updated_at": {"S": Event.updated_at.serialize(event.updated_at)},
            ":seen_status": {"S": event.inventory_status},
        }
        names = change(event)
        if not names:
            return event, False
        serialized = event.serialize()
        update = {
            "TableName": table_name(Event),
            "Key": {"event_id": {"S": event_id}},
            "UpdateExpression": "SET " + ", ".join(f"#{n} = :{n}" for n in names),
            "ConditionExpression": "updated_at = :seen_updated_at AND inventory_status = :seen_status",
            "ExpressionAttributeNames": {f"#{n}": n for n in names},
            "ExpressionAttributeValues": {**{f":{n}": serialized[n] for n in names}, **seen},
        }
        try:
            db.transact_write_items(TransactItems=[{"Update": update}, {"Put": event_copy(event)}])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            continue  # changed since it was read (or a concurrent transaction): read it again
        _events.invalidate(event_id)
        return event, True
    raise ServiceUnavailableError("The event is being changed by someone else; try again")


def conflict_pause(attempt: int) -> None:
    """A random pause before the `attempt`-th try of a write that lost a race, longer each time
    (up to 50 ms), so racing writers spread out instead of colliding again."""
    time.sleep(random.uniform(0, min(0.002 * attempt, 0.05)))


def _apply_patch(event: Event, patch: EventPatch) -> None:
    changes = patch.model_dump(exclude_unset=True)
    for name in ("name", "description", "category", "performers"):
        if name in changes and changes[name] is not None:
            setattr(event, name, changes[name])
    if patch.start_at is not None:
        event.start_at = patch.start_at.astimezone(UTC)
    if patch.end_at is not None:
        event.end_at = patch.end_at.astimezone(UTC)
    if event.end_at <= event.start_at:
        raise InvalidRequestError("end_at must be after start_at")
    if patch.onsale is not None:
        for name, value in patch.onsale.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(event.onsale, name, value.astimezone(UTC) if name == "opens_at" else value)


def event_copy(event: Event) -> dict[str, Any]:
    """The Put of the event's copy in its availability partition (decision 28), for the
    transaction of every write of the event: a cold view reads it and the section summaries in
    one Query."""
    return {
        "TableName": table_name(SectionAvailability),
        "Item": {**event.serialize(), "section": {"S": EVENT_COPY}},
    }


def load_event(event_id: str, *, db: Any = None, consistent: bool = False) -> Event:
    """Read one event. `consistent=False` may be served by DAX."""
    client = db or (aws.dynamodb() if consistent else aws.dynamodb_reader())
    item = client.get_item(
        TableName=table_name(Event),
        Key={"event_id": {"S": event_id}},
        ConsistentRead=consistent,
    ).get("Item")
    if not item:
        raise EventNotFoundError(f"No event with id {event_id}")
    return Event.from_raw_data(item)


def cached_event(event_id: str, *, view: bool = False) -> Event:
    """The event as a warm Lambda remembers it (at most a couple of seconds stale; a second more
    for a `view`, while it reloads)."""
    if not event_id or len(event_id) > 64:
        raise EventNotFoundError(f"No event with id {event_id}")
    stale = VIEW_STALE_SECONDS if view else 0.0
    return _events.get_or_load(
        event_id,
        lambda: load_event(event_id),
        stale_seconds=stale,
        revalidate=revalidated_event,
    )


def revalidated_event(cached: Event, *, db: Any = None) -> Event:
    """`cached` again if the stored event has not changed since, else the stored event.

    The check reads two small attributes instead of the whole item (a stadium's layout makes it
    ~100 KB): only `patch_event`, which moves `updated_at`, and the end of provisioning, which
    sets `inventory_status`, ever change an event."""
    client = db or aws.dynamodb_reader()
    probe = client.get_item(
        TableName=table_name(Event),
        Key={"event_id": {"S": cached.event_id}},
        ProjectionExpression="updated_at, inventory_status",
    ).get("Item")
    if not probe:
        raise EventNotFoundError(f"No event with id {cached.event_id}")
    version = (probe.get("updated_at", {}).get("S"), probe.get("inventory_status", {}).get("S"))
    if version == (Event.updated_at.serialize(cached.updated_at), cached.inventory_status):
        return cached
    return load_event(cached.event_id, db=db)


def cached_availability(event_id: str, *, view: bool = False) -> dict[str, SectionState]:
    """The section summaries as a warm Lambda remembers them (1 s; a second more for a `view`)."""
    stale = VIEW_STALE_SECONDS if view else 0.0
    return _availability.get_or_load(event_id, lambda: read_sections(event_id), stale_seconds=stale)


def onsale_status(event: Event, available: int | None, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if event.inventory_status != "ready":
        return "provisioning"
    if now >= event.start_at:
        return "ended"
    if now < event.onsale.opens_at:
        return "scheduled"
    if available == 0:
        return "sold_out"
    return "on_sale"


# event_id -> (the loaded Event, its sections as plain values): see `_sections_of`.
_plain_sections: dict[str, tuple[Event, list[tuple[str, str, dict[str, Any], int]]]] = {}


def _sections_of(event: Event) -> list[tuple[str, str, dict[str, Any], int]]:
    """(name, slug, price, seats) of each section, read off the model once per loaded event: a
    PynamoDB attribute read costs about a microsecond, and a stadium's view needed ~700 of them
    (two thirds of its CPU)."""
    known = _plain_sections.get(event.event_id)
    if known is not None and known[0] is event:
        return known[1]
    sections = [(s.section, s.slug, money(s.price), int(s.total)) for s in event.sections]
    if len(_plain_sections) >= 1024:
        _plain_sections.clear()
    _plain_sections[event.event_id] = (event, sections)
    return sections


def section_counts(event: Event, states: dict[str, SectionState], now: float) -> list[dict[str, Any]]:
    counts = []
    for name, slug, price, total in _sections_of(event):
        state = states.get(slug)
        sold = len(state.sold) if state else 0
        held = len(state.held_now(now)) if state else 0
        counts.append(
            {
                "section": name,
                "price": dict(price),
                "available": max(total - sold - held, 0),
                "held": held,
                "sold": sold,
                "total": total,
            }
        )
    return counts


def money(value: Money) -> dict[str, Any]:
    return {"amount": int(value.amount), "currency": value.currency}


def event_summary(event: Event, sections: list[dict[str, Any]]) -> dict[str, Any]:
    sections_of = _sections_of(event)
    prices = [price["amount"] for _, _, price, _ in sections_of]
    currency = sections_of[0][2]["currency"] if sections_of else "USD"
    return {
        "event_id": event.event_id,
        "name": event.name,
        "category": event.category,
        "performers": list(event.performers),
        "venue": {
            "venue_id": event.venue.venue_id,
            "name": event.venue.name,
            "city": event.venue.city,
            "time_zone": event.venue.time_zone,  # IANA name, or null: times are UTC as always
        },
        "start_at": rfc3339(event.start_at),
        "min_price": {"amount": min(prices) if prices else 0, "currency": currency},
        "available_count": sum(s["available"] for s in sections),
    }


def event_view(event_id: str, event: Event | None = None) -> dict[str, Any]:
    """The public Event document (may be a second or two stale), of `event` when the caller
    already holds it (an admin's change, which a cached or eventually consistent read may miss)."""
    if event is None and _cold(event_id):
        event = _events.get_or_load(event_id, lambda: _load_cold(event_id), stale_seconds=VIEW_STALE_SECONDS)
    event = event or cached_event(event_id, view=True)
    sections = section_counts(event, cached_availability(event_id, view=True), time.time())
    body = event_summary(event, sections)
    available = body["available_count"] if event.inventory_status == "ready" else None
    body.update(
        {
            "description": event.description,
            "end_at": rfc3339(event.end_at),
            "venue": {**body["venue"], "address": event.venue.address},
            "sections": sections,
            "capacity": int(event.capacity),
            "onsale": onsale_view(event, available),
        }
    )
    return body


def _cold(event_id: str) -> bool:
    """A view of a well-formed event id (a ULID) that neither the event cache nor the
    availability cache can answer at once."""
    return (
        len(event_id) == 26
        and event_id.isascii()
        and event_id.isalnum()
        and not _events.answers_at_once(event_id, stale_seconds=VIEW_STALE_SECONDS)
        and not _availability.answers_at_once(event_id, stale_seconds=VIEW_STALE_SECONDS)
    )


def _load_cold(event_id: str) -> Event:
    """The event, having cached its section summaries read in the same request."""
    event, states = load_event_and_sections(event_id)
    _availability.get_or_load(event_id, lambda: states)
    return event


def load_event_and_sections(event_id: str, *, db: Any = None) -> tuple[Event, dict[str, SectionState]]:
    """The event and its section summaries, in one Query of its availability partition: the
    event's copy sorts first. An event with no copy (stored before copies were written) costs
    a GetItem more. Eventually consistent, so DAX may serve it."""
    db = db or aws.dynamodb_reader()
    items = list(
        aws.all_items(
            db.query,
            TableName=table_name(SectionAvailability),
            KeyConditionExpression="event_id = :e",
            ExpressionAttributeValues={":e": {"S": event_id}},
        )
    )
    if items and items[0]["section"]["S"] == EVENT_COPY:
        copy = items.pop(0)
        event = Event.from_raw_data({k: v for k, v in copy.items() if k != "section"})
    else:
        event = load_event(event_id, db=db)
    return event, sections_of(items)


def onsale_view(event: Event, available: int | None) -> dict[str, Any]:
    return {
        "status": onsale_status(event, available),
        "opens_at": rfc3339(event.onsale.opens_at),
        "hold_seconds": int(event.onsale.hold_seconds),
        "max_per_order": int(event.onsale.max_per_order),
        "queue_required": bool(event.onsale.queue_required),
        "admit_per_minute": int(event.onsale.admit_per_minute),
    }


# The whole map of an event is served in pages of whole sections of at most this many seats
# (~2.7 MB of JSON): a stadium's 56,000 seats would be ~7.7 MB, over Lambda's 6 MB response limit.
SEAT_MAP_PAGE_SEATS = 20_000


def seat_map(event_id: str, section_name: str | None = None, cursor: str | None = None) -> dict[str, Any]:
    """Every seat (of one section, if named) with its status, from the layout and the section
    summaries: no seat scan, whatever the venue's size. Built once per second per warm Lambda:
    a stadium's map is 56,000 entries, and every viewer in that second gets the same one (and,
    while it is rebuilt, the one before).
    Large events come in pages (`next_cursor`); a small event's map is one page."""
    return _seat_maps.get_or_load(
        f"{event_id}|{section_name or ''}|{cursor or ''}",
        lambda: _build_seat_map(event_id, section_name, cursor),
        stale_seconds=VIEW_STALE_SECONDS,
    )


def _page_of_sections(
    sections: list[EventSection], cursor: str | None
) -> tuple[list[EventSection], str | None]:
    """Whole sections from the cursor's position up to `SEAT_MAP_PAGE_SEATS` seats (at least one)."""
    from chalicelib.search.paging import decode_cursor, encode_cursor

    start = 0
    if cursor is not None:
        position = decode_cursor(cursor).get("section_index")
        if not isinstance(position, int) or not 0 < position < len(sections):
            raise InvalidRequestError("The cursor is not valid")
        start = position
    end, seats = start, 0
    while end < len(sections) and (end == start or seats + int(sections[end].total) <= SEAT_MAP_PAGE_SEATS):
        seats += int(sections[end].total)
        end += 1
    next_cursor = encode_cursor({"section_index": end}) if end < len(sections) else None
    return sections[start:end], next_cursor


def _build_seat_map(event_id: str, section_name: str | None, cursor: str | None) -> dict[str, Any]:
    event = cached_event(event_id, view=True)  # the layout; the statuses below are never stale
    sections = list(event.sections)
    if section_name is not None:
        sections = [s for s in sections if s.slug == slugify(section_name)]
        if not sections:
            raise InvalidRequestError(f"This event has no section {section_name!r}")
        if cursor is not None:
            raise InvalidRequestError("A single section's map has one page: drop the cursor")
        next_cursor = None
    else:
        sections, next_cursor = _page_of_sections(sections, cursor)
    states = cached_availability(event_id)
    now = time.time()
    seats = []
    for section in sections:
        state = states.get(section.slug, SectionState())
        held = state.held_now(now)
        price = money(section.price)
        for row in section.rows:
            row_slug = slugify(row.row)
            for number in range(1, int(row.seats) + 1):
                seat_id = f"{section.slug}-{row_slug}-{number}"
                status = "sold" if seat_id in state.sold else "held" if seat_id in held else "available"
                seats.append(
                    {
                        "seat_id": seat_id,
                        "section": section.section,
                        "row": row.row,
                        "number": number,
                        "price": price,
                        "status": status,
                    }
                )
    return {"event_id": event_id, "seats": seats, "as_of": epoch_to_rfc3339(now), "next_cursor": next_cursor}
