"""Holding seats: one all-or-nothing DynamoDB transaction, conditioned seat by seat.

A seat can be held when `status = available` and it carries no unexpired hold. The hold item
(with a TTL attribute for housekeeping) and every seat's `hold_id`/`hold_expires_at` are written
in one `TransactWriteItems`; when a condition fails, `CancellationReasons` name the seats that
were taken, with no follow-up read. Nothing ever has to clean up an expired hold.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from ulid import ULID

from chalicelib import aws
from chalicelib.catalog.events import (
    cached_availability,
    cached_event,
    epoch_to_rfc3339,
    onsale_status,
    rfc3339,
)
from chalicelib.errors import (
    EventNotOnSaleError,
    HoldNotFoundError,
    InvalidRequestError,
    OrderLimitExceededError,
    SeatsUnavailableError,
    ServiceUnavailableError,
)
from chalicelib.models import Event, EventSection, Hold, Money, Seat, table_name
from chalicelib.schemas import HoldRequest, slugify

# Free: never sold and no hold, or the hold has expired. The expiry is the truth; TTL is not.
SEAT_IS_FREE = "#status = :available AND (attribute_not_exists(hold_expires_at) OR hold_expires_at <= :now)"
QUANTITY_ATTEMPTS = 3


@dataclass(frozen=True)
class SeatRef:
    seat_id: str
    section: EventSection

    def key(self, event_id: str) -> dict[str, Any]:
        return {
            "event_section": {"S": f"{event_id}#{self.section.slug}"},
            "seat_id": {"S": self.seat_id},
        }


def resolve_seats(event: Event, seat_ids: list[str]) -> list[SeatRef]:
    """Map seat ids onto the event's layout; unknown ids are a 400, without touching DynamoDB."""
    sections = {s.slug: s for s in event.sections}
    refs, unknown = [], []
    for seat_id in seat_ids:
        section_slug, _, rest = seat_id.partition("-")
        row_slug, _, number = rest.rpartition("-")
        section = sections.get(section_slug)
        seats_in_row = 0
        if section is not None:
            for row in section.rows:
                if slugify(row.row) == row_slug:
                    seats_in_row = int(row.seats)
        canonical = number.isascii() and number.isdigit() and str(int(number)) == number
        if section is None or not canonical or not 1 <= int(number) <= seats_in_row:
            unknown.append(seat_id)
        else:
            refs.append(SeatRef(seat_id=seat_id, section=section))
    if unknown:
        raise InvalidRequestError(
            "These seats do not exist at this event: " + ", ".join(unknown[:20]), seat_ids=unknown
        )
    return refs


def section_seats(section: EventSection) -> list[str]:
    return [
        f"{section.slug}-{slugify(row.row)}-{n}" for row in section.rows for n in range(1, int(row.seats) + 1)
    ]


def find_section(event: Event, name: str) -> EventSection:
    wanted = slugify(name)
    for section in event.sections:
        if section.slug == wanted:
            return section
    raise InvalidRequestError(f"This event has no section {name!r}")


def hold_seats(
    *,
    user_id: str,
    event_id: str,
    request: HoldRequest,
    db: Any = None,
    event: Event | None = None,
    now: float | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Hold seats for `user_id`: explicit `seat_ids`, or `quantity` seats in `section`."""
    db = db or aws.dynamodb()
    event = event or cached_event(event_id)
    status = onsale_status(event, None)
    if status not in {"on_sale", "sold_out"}:
        raise EventNotOnSaleError(f"This event is {status.replace('_', ' ')}")
    wanted = len(request.seat_ids) if request.seat_ids is not None else int(request.quantity or 0)
    limit = int(event.onsale.max_per_order)
    if wanted > limit:
        raise OrderLimitExceededError(f"At most {limit} seats per order for this event", max_per_order=limit)
    if request.seat_ids is not None:
        refs = resolve_seats(event, request.seat_ids)
        return _try_hold(db, event, user_id, refs, now)
    section = find_section(event, str(request.section))
    return _hold_best_available(db, event, user_id, section, wanted, now, rng or random.Random())


def _hold_best_available(
    db: Any,
    event: Event,
    user_id: str,
    section: EventSection,
    quantity: int,
    now: float | None,
    rng: random.Random,
) -> dict[str, Any]:
    """Pick seats the section map says are free; learn from each conflict; query as a last resort.

    Seats side by side in one row are preferred (a party wants to sit together); among such
    blocks one is drawn at random so that concurrent buyers rarely collide. Taken seats named
    by a failed transaction are never tried again in this request.
    """
    all_seats = section_seats(section)
    if quantity > len(all_seats):
        raise SeatsUnavailableError([], f"Section {section.section} has only {len(all_seats)} seats")
    # The availability summary (a second or two stale) says which seats are surely gone.
    state = cached_availability(event.event_id).get(section.slug)
    taken: set[str] = state.sold | state.held_now(now or time.time()) if state else set()
    for _ in range(QUANTITY_ATTEMPTS):
        free = [s for s in all_seats if s not in taken]
        if len(free) < quantity:
            break
        picked = pick_seats(section, free, quantity, rng)
        try:
            return _try_hold(db, event, user_id, [SeatRef(s, section) for s in picked], now)
        except SeatsUnavailableError as conflict:
            taken.update(conflict.seat_ids)
    free = _query_free_seats(db, event.event_id, section, now or time.time())
    if len(free) < quantity:
        raise SeatsUnavailableError([], f"Only {len(free)} seats are left in section {section.section}")
    picked = pick_seats(section, free, quantity, rng)
    return _try_hold(db, event, user_id, [SeatRef(s, section) for s in picked], now)


def pick_seats(section: EventSection, free: list[str], quantity: int, rng: random.Random) -> list[str]:
    """`quantity` free seats, side by side in one row when possible, else any free seats."""
    free_set = set(free)
    blocks: list[list[str]] = []
    for row in section.rows:
        prefix = f"{section.slug}-{slugify(row.row)}-"
        run: list[str] = []
        for number in range(1, int(row.seats) + 1):
            seat = f"{prefix}{number}"
            run = [*run, seat] if seat in free_set else []
            if len(run) >= quantity:
                blocks.append(run[-quantity:])
    if blocks:
        return rng.choice(blocks)
    return rng.sample(free, quantity)


def _query_free_seats(db: Any, event_id: str, section: EventSection, now: float) -> list[str]:
    free: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table_name(Seat),
        "KeyConditionExpression": "event_section = :p",
        "FilterExpression": SEAT_IS_FREE,
        "ProjectionExpression": "seat_id",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":p": {"S": f"{event_id}#{section.slug}"},
            ":available": {"S": "available"},
            ":now": {"N": _num(now)},
        },
    }
    while True:
        page = db.query(**kwargs)
        free.extend(item["seat_id"]["S"] for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return free
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _num(value: float) -> str:
    return f"{value:.3f}"


def _try_hold(db: Any, event: Event, user_id: str, refs: list[SeatRef], now: float | None) -> dict[str, Any]:
    now = now if now is not None else time.time()
    hold_seconds = int(event.onsale.hold_seconds)
    expires_at = math.ceil(now + hold_seconds)
    total = sum(int(r.section.price.amount) for r in refs)
    currency = refs[0].section.price.currency
    hold = Hold(
        hold_id=str(ULID()),
        user_id=user_id,
        event_id=event.event_id,
        seat_ids=[r.seat_id for r in refs],
        total=Money(amount=total, currency=currency),
        status="active",
        expires_at=expires_at,
        ttl=datetime.fromtimestamp(expires_at, UTC) + timedelta(days=1),
        created_at=datetime.fromtimestamp(now, UTC),
    )
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table_name(Hold),
                "Item": hold.serialize(),
                "ConditionExpression": "attribute_not_exists(hold_id)",
            }
        }
    ]
    for ref in refs:
        items.append(
            {
                "Update": {
                    "TableName": table_name(Seat),
                    "Key": ref.key(event.event_id),
                    "UpdateExpression": (
                        "SET hold_id = :hold, hold_user_id = :user, hold_expires_at = :expires"
                    ),
                    "ConditionExpression": SEAT_IS_FREE,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":hold": {"S": hold.hold_id},
                        ":user": {"S": user_id},
                        ":expires": {"N": str(expires_at)},
                        ":available": {"S": "available"},
                        ":now": {"N": _num(now)},
                    },
                }
            }
        )
    try:
        db.transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        seat_codes = cancellation_codes(exc)[1:]
        taken = [
            ref.seat_id
            for ref, code in zip(refs, seat_codes, strict=False)
            if code == "ConditionalCheckFailed"
        ]
        if not taken:
            # Another transaction touched these seats at the same instant: they are contested.
            taken = [
                ref.seat_id
                for ref, code in zip(refs, seat_codes, strict=False)
                if code == "TransactionConflict"
            ]
        raise SeatsUnavailableError(taken or [r.seat_id for r in refs]) from None
    return hold_view(hold)


def hold_view(hold: Hold, now: float | None = None) -> dict[str, Any]:
    now = now if now is not None else time.time()
    status = hold.status
    if status == "active" and float(hold.expires_at) <= now:
        status = "expired"
    body: dict[str, Any] = {
        "hold_id": hold.hold_id,
        "event_id": hold.event_id,
        "seat_ids": [str(s) for s in hold.seat_ids],
        "expires_at": epoch_to_rfc3339(float(hold.expires_at)),
        "total": {"amount": int(hold.total.amount), "currency": hold.total.currency},
        "status": status,
        "created_at": rfc3339(hold.created_at),
    }
    if hold.booking_id:
        body["booking_id"] = hold.booking_id
    return body


def load_hold(hold_id: str, user_id: str, *, db: Any = None) -> Hold:
    """The caller's hold, read strongly consistently. Someone else's hold does not exist."""
    if not hold_id or len(hold_id) > 64:
        raise HoldNotFoundError()
    db = db or aws.dynamodb()
    item = db.get_item(TableName=table_name(Hold), Key={"hold_id": {"S": hold_id}}, ConsistentRead=True).get(
        "Item"
    )
    if not item:
        raise HoldNotFoundError()
    hold = Hold.from_raw_data(item)
    if hold.user_id != user_id or hold.status == "released":
        raise HoldNotFoundError()
    return hold


def get_hold(hold_id: str, user_id: str, *, db: Any = None) -> dict[str, Any]:
    return hold_view(load_hold(hold_id, user_id, db=db))


def release_hold(hold_id: str, user_id: str, *, db: Any = None) -> None:
    """Give the seats back now instead of at expiry: one transaction, the hold and its seats."""
    db = db or aws.dynamodb()
    hold = load_hold(hold_id, user_id, db=db)
    if hold.status != "active":
        raise HoldNotFoundError("This hold was already checked out")
    refs = resolve_seats(cached_event(hold.event_id), [str(s) for s in hold.seat_ids])
    release = {
        "Update": {
            "TableName": table_name(Hold),
            "Key": {"hold_id": {"S": hold_id}},
            "UpdateExpression": "SET #status = :released",
            "ConditionExpression": "user_id = :user AND #status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":released": {"S": "released"},
                ":active": {"S": "active"},
                ":user": {"S": user_id},
            },
        }
    }
    for _ in range(3):
        # Only seats still carrying this hold are touched; a seat re-held by someone else
        # after this hold expired is theirs, and is left out of the next try.
        seats = [
            {
                "Update": {
                    "TableName": table_name(Seat),
                    "Key": ref.key(hold.event_id),
                    "UpdateExpression": "REMOVE hold_id, hold_user_id, hold_expires_at",
                    "ConditionExpression": "hold_id = :hold AND #status = :available",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":hold": {"S": hold_id}, ":available": {"S": "available"}},
                }
            }
            for ref in refs
        ]
        try:
            db.transact_write_items(TransactItems=[release, *seats])
            return
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = cancellation_codes(exc)
            if codes[0] == "ConditionalCheckFailed":
                raise HoldNotFoundError("This hold was already checked out") from None
            refs = [
                ref for ref, code in zip(refs, codes[1:], strict=False) if code != "ConditionalCheckFailed"
            ]
    raise ServiceUnavailableError("The hold could not be released just now; retry", retry_after_seconds=1)


def cancellation_codes(exc: ClientError) -> list[str | None]:
    """The code of each item of a cancelled transaction, in order (None: that item was fine)."""
    return [
        None if r.get("Code") in {None, "None"} else str(r.get("Code"))
        for r in exc.response.get("CancellationReasons", [])
    ] or [None]
