"""The waitlist of a sold-out event: first come, first offered.

A customer joins a sold-out event's waitlist for a number of seats. When seats come back (a
booking is cancelled, holds expire), the first waiting entry whose quantity fits is offered
them as a real hold, created for that customer by the hold machinery (`booking/holds.py`) and
lasting the offer window. The entry turns `offered`; if the hold is checked out it becomes
`converted`, if it expires (or is released) it becomes `lapsed` and the seats go to the next.

Offers never need a lock: every change of an entry is conditioned on the state it was read in
(`status` and `offer_count`), and a hold made for an entry that someone else offered meanwhile
is released at once. So duplicate stream records, retries and a sweep racing the stream make
exactly one offer per entry. `reconcile_event` is state-based: it looks at the entries and the
free seats as they are now, which is what makes it safe to run any number of times.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.catalog.availability import SectionState, read_sections
from chalicelib.catalog.events import (
    cached_availability,
    cached_event,
    epoch_to_rfc3339,
    load_event,
    onsale_status,
    rfc3339,
    section_counts,
)
from chalicelib.errors import (
    EventNotOnSaleError,
    HoldNotFoundError,
    InvalidRequestError,
    OnsaleError,
    SeatsAvailableError,
    SeatsUnavailableError,
    WaitlistEntryNotFoundError,
)
from chalicelib.models import Event, Hold, WaitlistEntry, table_name
from chalicelib.schemas import HoldRequest
from chalicelib.settings import get_settings

logger = logging.getLogger("onsale.waitlist")

ACTIVE = ("waiting", "offered")
# An entry may be joined again (at the back of the line) once it reached one of these.
FINISHED = ("converted", "lapsed", "cancelled")
PICK_ATTEMPTS = 3

PlaceHold = Callable[..., dict[str, Any]]  # holds.hold_seats
ReleaseHold = Callable[..., None]  # holds.release_hold


def waitlist_id_for(event_id: str, user_id: str) -> str:
    """The one entry id of a customer on an event's waitlist (opaque, 26 characters)."""
    digest = hashlib.sha256(f"waitlist|{event_id}|{user_id}".encode()).digest()
    return base64.b32encode(digest).decode()[:26]


def _now(now: float | None) -> float:
    return now if now is not None else time.time()


# --- joining, reading, leaving --------------------------------------------------------------


def available_seats(event: Event, now: float | None = None) -> int:
    """Seats neither sold nor held right now, from the (a second or two stale) summaries."""
    return sum(s["available"] for s in section_counts(event, cached_availability(event.event_id), _now(now)))


def join_waitlist(
    *,
    user_id: str,
    event_id: str,
    quantity: int,
    db: Any = None,
    event: Event | None = None,
    available: int | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Put the caller on a sold-out event's waitlist (or return the entry they already have)."""
    db = db or aws.dynamodb()
    event = event or cached_event(event_id)
    moment = _now(now)
    if available is None:
        available = available_seats(event, moment)
    status = onsale_status(event, available, datetime.fromtimestamp(moment, UTC))
    if status == "on_sale":
        raise SeatsAvailableError(
            "This event still has seats on sale: hold them instead", available_count=available
        )
    if status != "sold_out":
        raise EventNotOnSaleError(f"This event is {status.replace('_', ' ')}: there is no waitlist")
    limit = int(event.onsale.max_per_order)
    if quantity > limit:
        raise InvalidRequestError(
            f"quantity: at most {limit} seats per order for this event", max_per_order=limit
        )
    waitlist_id = waitlist_id_for(event_id, user_id)
    for _ in range(3):
        existing = _get_entry(db, waitlist_id)
        if existing is not None and existing.status in ACTIVE:
            return entry_view(existing, position(existing, db=db))
        created = datetime.fromtimestamp(moment, UTC)
        entry = WaitlistEntry(
            waitlist_id=waitlist_id,
            event_id=event_id,
            user_id=user_id,
            quantity=quantity,
            status="waiting",
            # Carried over from an earlier entry, so every offer ever made has its own number.
            offer_count=int(existing.offer_count or 0) if existing is not None else 0,
            created_at=created,
            updated_at=created,
            ttl=event.start_at + timedelta(days=7),
        )
        if existing is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(waitlist_id)"}
        else:
            condition = {
                "ConditionExpression": "#status = :was AND offer_count = :count",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":was": {"S": existing.status},
                    ":count": {"N": str(int(existing.offer_count or 0))},
                },
            }
        try:
            db.put_item(TableName=table_name(WaitlistEntry), Item=entry.serialize(), **condition)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            continue  # joined at the same moment by another request: read what won
        return entry_view(entry, position(entry, db=db))
    raise OnsaleError("The waitlist entry kept changing; retry")


def entry_view(entry: WaitlistEntry, place: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "waitlist_id": entry.waitlist_id,
        "event_id": entry.event_id,
        "quantity": int(entry.quantity),
        "status": entry.status,
        "created_at": rfc3339(entry.created_at),
    }
    if place is not None:
        body["position"] = place
    if entry.status == "offered":
        body["offer_hold_id"] = entry.offer_hold_id
        body["offer_expires_at"] = epoch_to_rfc3339(float(entry.offer_expires_at or 0))
    return body


def position(entry: WaitlistEntry, *, db: Any = None) -> int:
    """The entry's place among the event's waiting entries, from 1 (an offered entry is 1)."""
    if entry.status != "waiting":
        return 1
    ahead = sum(
        1
        for other in event_entries(entry.event_id, db=db)
        if other.status == "waiting" and _order(other) < _order(entry)
    )
    return ahead + 1


def _order(entry: WaitlistEntry) -> tuple[datetime, str]:
    return (entry.created_at, entry.waitlist_id)


def event_entries(event_id: str, *, db: Any = None) -> list[WaitlistEntry]:
    """Every entry of an event's waitlist, in arrival order."""
    db = db or aws.dynamodb()
    items = aws.all_items(
        db.query,
        TableName=table_name(WaitlistEntry),
        IndexName="by_event",
        KeyConditionExpression="event_id = :e",
        ExpressionAttributeValues={":e": {"S": event_id}},
    )
    return sorted((WaitlistEntry.from_raw_data(item) for item in items), key=_order)


def user_entries(user_id: str, *, db: Any = None) -> list[WaitlistEntry]:
    """Every entry of a customer, newest first."""
    db = db or aws.dynamodb()
    items = aws.all_items(
        db.query,
        TableName=table_name(WaitlistEntry),
        IndexName="by_user",
        KeyConditionExpression="user_id = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        ScanIndexForward=False,
    )
    return [WaitlistEntry.from_raw_data(item) for item in items]


def my_waitlist(user_id: str, *, db: Any = None) -> dict[str, Any]:
    """The account page's list: the caller's entries, newest first, with their place in line."""
    db = db or aws.dynamodb()
    entries = user_entries(user_id, db=db)
    return {
        "waitlist": [
            entry_view(e, position(e, db=db) if e.status in ACTIVE else None)
            for e in entries
            if e.status != "cancelled"
        ]
    }


def _get_entry(db: Any, waitlist_id: str) -> WaitlistEntry | None:
    item = db.get_item(
        TableName=table_name(WaitlistEntry), Key={"waitlist_id": {"S": waitlist_id}}, ConsistentRead=True
    ).get("Item")
    return WaitlistEntry.from_raw_data(item) if item else None


def cancel_entry(
    waitlist_id: str, user_id: str, *, db: Any = None, release: ReleaseHold | None = None
) -> None:
    """Leave the waitlist; an open offer is given up and its seats go to the next in line.

    Someone else's entry does not exist (404). Leaving twice is fine.
    """
    db = db or aws.dynamodb()
    if not waitlist_id or len(waitlist_id) > 64:
        raise WaitlistEntryNotFoundError()
    entry = _get_entry(db, waitlist_id)
    if entry is None or entry.user_id != user_id:
        raise WaitlistEntryNotFoundError()
    if entry.status not in ACTIVE:
        return
    if _transition(db, entry, "cancelled") and entry.status == "offered" and entry.offer_hold_id:
        _release_quietly(release, entry.offer_hold_id, user_id, db)


def _release_quietly(release: ReleaseHold | None, hold_id: str, user_id: str, db: Any) -> None:
    from chalicelib.booking.holds import release_hold

    with contextlib.suppress(HoldNotFoundError):  # already checked out or released
        (release or release_hold)(hold_id, user_id, db=db)


def _transition(db: Any, entry: WaitlistEntry, status: str, **changes: Any) -> bool:
    """Move `entry` to `status` if nobody changed it since it was read; False if someone did."""
    now = datetime.now(UTC)
    names = {"#status": "status"}
    values: dict[str, Any] = {
        ":new": {"S": status},
        ":was": {"S": entry.status},
        ":count": {"N": str(int(entry.offer_count or 0))},
        ":updated": {"S": WaitlistEntry.updated_at.serialize(now)},
    }
    sets = ["#status = :new", "updated_at = :updated"]
    for name, value in changes.items():
        sets.append(f"{name} = :{name}")
        values[f":{name}"] = value
    try:
        db.update_item(
            TableName=table_name(WaitlistEntry),
            Key={"waitlist_id": {"S": entry.waitlist_id}},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="#status = :was AND offer_count = :count",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


# --- offers ---------------------------------------------------------------------------------


def settle_offers(entries: Iterable[WaitlistEntry], *, db: Any, now: float) -> None:
    """Close offers that ended: checked out -> converted; expired or released -> lapsed."""
    for entry in entries:
        if entry.status != "offered":
            continue
        hold = _get_hold(db, entry.offer_hold_id or "")
        if hold is not None and hold.status == "converted":
            _transition(db, entry, "converted")
            entry.status = "converted"
        elif hold is None or hold.status == "released" or float(hold.expires_at) <= now:
            _transition(db, entry, "lapsed")
            entry.status = "lapsed"


def _get_hold(db: Any, hold_id: str) -> Hold | None:
    if not hold_id:
        return None
    item = db.get_item(TableName=table_name(Hold), Key={"hold_id": {"S": hold_id}}, ConsistentRead=True).get(
        "Item"
    )
    return Hold.from_raw_data(item) if item else None


def free_seats(event: Event, states: dict[str, SectionState], now: float) -> list[str]:
    """Seats the summaries say are neither sold nor held right now, in layout order."""
    from chalicelib.booking.holds import section_seats

    free: list[str] = []
    for section in event.sections:
        state = states.get(section.slug, SectionState())
        taken = state.sold | state.held_now(now)
        free.extend(s for s in section_seats(section) if s not in taken)
    return free


def choose_seats(
    event: Event, pool: list[str], quantity: int, rng: random.Random, preferred: Iterable[str] = ()
) -> list[str] | None:
    """`quantity` seats of `pool`: from `preferred` (seats just freed) if enough of them are in
    the pool; together in one section when possible (side by side in a row if the section
    allows), else the first free ones across sections; None if too few."""
    from chalicelib.booking.holds import pick_seats

    if len(pool) < quantity:
        return None
    in_pool = set(pool)
    favourites = [s for s in preferred if s in in_pool]
    if len(favourites) >= quantity and favourites != pool:
        return choose_seats(event, favourites, quantity, rng)
    by_section: dict[str, list[str]] = {}
    for seat in pool:
        by_section.setdefault(seat.partition("-")[0], []).append(seat)
    for section in event.sections:
        seats = by_section.get(section.slug, [])
        if len(seats) >= quantity:
            return pick_seats(section, seats, quantity, rng)
    return pool[:quantity]


def offer_window(event: Event, now: float) -> int:
    """The configured offer window, never past the event's start."""
    until_start = int(event.start_at.timestamp() - now)
    return max(1, min(get_settings().waitlist_offer_seconds, until_start))


def reconcile_event(
    event_id: str,
    *,
    db: Any = None,
    now: float | None = None,
    freed_seat_ids: Iterable[str] = (),
    place_hold: PlaceHold | None = None,
    release: ReleaseHold | None = None,
    rng: random.Random | None = None,
) -> list[str]:
    """Bring an event's waitlist up to date: settle ended offers, then offer the free seats to
    waiting entries in order. Returns the ids of the entries offered seats now.

    `freed_seat_ids` are seats known to have just come back (a cancelled booking's), tried
    first because the availability summaries may not show them yet. Safe to run any number of
    times, concurrently too: each offer is a conditional write on the entry.
    """
    db = db or aws.dynamodb()
    moment = _now(now)
    rng = rng or random.Random()
    from chalicelib.booking.holds import hold_seats

    place = place_hold or hold_seats
    entries = event_entries(event_id, db=db)
    settle_offers(entries, db=db, now=moment)
    waiting = [e for e in entries if e.status == "waiting"]
    if not waiting:
        return []
    try:
        event = load_event(event_id, db=db, consistent=True)
    except OnsaleError:
        return []
    if onsale_status(event, None, datetime.fromtimestamp(moment, UTC)) != "on_sale":
        return []  # not open yet, or over: nothing to offer
    offer_event = Event.from_raw_data(event.serialize())
    offer_event.onsale.hold_seconds = offer_window(event, moment)
    freed = list(dict.fromkeys(freed_seat_ids))
    summary_free = free_seats(event, read_sections(event_id, db=db), moment)
    pool = freed + [s for s in summary_free if s not in set(freed)]
    offered = []
    for entry in waiting:  # first come first offered; a party that does not fit waits its turn
        hold = _hold_for(entry, offer_event, pool, freed, place, db, moment, rng)
        if hold is None:
            continue
        if _transition(
            db,
            entry,
            "offered",
            offer_hold_id={"S": hold["hold_id"]},
            offer_expires_at={"N": str(int(hold["expires_at_epoch"]))},
            offer_count={"N": str(int(entry.offer_count or 0) + 1)},
        ):
            offered.append(entry.waitlist_id)
            pool = [s for s in pool if s not in set(hold["seat_ids"])]
            logger.info(
                "waitlist offer made", extra={"waitlist_id": entry.waitlist_id, "hold_id": hold["hold_id"]}
            )
        else:  # offered (or cancelled) by someone else meanwhile: the seats go to the next
            _release_quietly(release, hold["hold_id"], entry.user_id, db)
    return offered


def _hold_for(
    entry: WaitlistEntry,
    event: Event,
    pool: list[str],
    freed: list[str],
    place_hold: PlaceHold,
    db: Any,
    now: float,
    rng: random.Random,
) -> dict[str, Any] | None:
    """A hold of the entry's quantity for its customer, learning from conflicts; None if the
    free seats do not fit."""
    candidates = list(pool)
    for _ in range(PICK_ATTEMPTS):
        seats = choose_seats(event, candidates, int(entry.quantity), rng, preferred=freed)
        if seats is None:
            return None
        try:
            hold = place_hold(
                user_id=entry.user_id,
                event_id=event.event_id,
                request=HoldRequest(seat_ids=seats),
                db=db,
                event=event,
                now=now,
            )
        except SeatsUnavailableError as conflict:
            taken = set(conflict.seat_ids or seats)
            candidates = [s for s in candidates if s not in taken]
            pool[:] = [s for s in pool if s not in taken]
            continue
        except OnsaleError:
            logger.exception("waitlist offer hold failed", extra={"waitlist_id": entry.waitlist_id})
            return None
        hold["expires_at_epoch"] = _epoch(hold["expires_at"])
        return hold
    return None


def _epoch(rfc: str) -> float:
    return datetime.strptime(rfc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def events_with_open_entries(*, db: Any = None) -> list[str]:
    """Events whose waitlist has waiting or offered entries (the scheduled sweep's work list).

    A scan: the table holds entries of upcoming events only (TTL removes them a week after),
    and the sweep runs once a minute in AWS.
    """
    db = db or aws.dynamodb()
    items = aws.all_items(
        db.scan,
        TableName=table_name(WaitlistEntry),
        FilterExpression="#status = :waiting OR #status = :offered",
        ProjectionExpression="event_id",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":waiting": {"S": "waiting"}, ":offered": {"S": "offered"}},
    )
    return list(dict.fromkeys(item["event_id"]["S"] for item in items))


def sweep(*, db: Any = None, now: float | None = None) -> int:
    """Reconcile every event with open entries: expired offers lapse, freed seats are offered.

    Expired holds leave no stream record, so this schedule is how their seats reach the
    waitlist. Returns the number of offers made."""
    db = db or aws.dynamodb()
    offers = 0
    for event_id in events_with_open_entries(db=db):
        try:
            offers += len(reconcile_event(event_id, db=db, now=now))
        except Exception:
            logger.exception("waitlist sweep failed for an event", extra={"event_id": event_id})
    return offers
