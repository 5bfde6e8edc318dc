"""Catalogue objects built in memory (no table behind them): events and seat images; and a
venue with an event made through the catalogue's own functions, on an in-memory table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.models import Event, EventSection, Money, OnsaleSettings, RowLayout, Seat, Venue, VenueRef
from chalicelib.schemas import slugify

EVENT_ID = "01JQ8Z7Y3K2W9V6T5R4P3N2M1E"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

# section name -> (price in cents, [(row name, seats)])
DEFAULT_LAYOUT: dict[str, tuple[int, list[tuple[str, int]]]] = {
    "Floor": (5000, [("A", 10), ("B", 10)]),
    "Balcony 1": (2500, [("1", 5), ("AA", 3)]),
}


def make_event(
    *,
    event_id: str = EVENT_ID,
    layout: dict[str, tuple[int, list[tuple[str, int]]]] | None = None,
    inventory_status: str = "ready",
    opens_at: datetime = NOW - timedelta(hours=1),
    start_at: datetime = NOW + timedelta(days=30),
    hold_seconds: int = 600,
    max_per_order: int = 8,
    currency: str = "USD",
) -> Event:
    sections = [
        EventSection(
            section=name,
            slug=slugify(name),
            price=Money(amount=price, currency=currency),
            total=sum(seats for _, seats in rows),
            rows=[RowLayout(row=row, seats=seats) for row, seats in rows],
        )
        for name, (price, rows) in (layout or DEFAULT_LAYOUT).items()
    ]
    return Event(
        event_id=event_id,
        venue_id="01JQ8Z7Y3K2W9V6T5R4P3N2M1V",
        venue=VenueRef(
            venue_id="01JQ8Z7Y3K2W9V6T5R4P3N2M1V", name="Test Hall", city="Testville", address="1 Test St"
        ),
        name="Test Concert",
        category="concerts",
        performers=["The Testers"],
        start_at=start_at,
        end_at=start_at + timedelta(hours=3),
        sections=sections,
        capacity=sum(int(s.total) for s in sections),
        onsale=OnsaleSettings(
            opens_at=opens_at,
            hold_seconds=hold_seconds,
            max_per_order=max_per_order,
            queue_required=False,
            admit_per_minute=300,
        ),
        inventory_status=inventory_status,
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
    )


def seat_image(
    seat_id: str,
    *,
    event_id: str = EVENT_ID,
    status: str = "available",
    hold_id: str | None = None,
    hold_user_id: str | None = None,
    hold_expires_at: int | None = None,
    booking_id: str | None = None,
    price: int = 5000,
) -> dict[str, Any]:
    """A seat item as the seats table (and so its stream) holds it, in DynamoDB JSON."""
    section = seat_id.split("-")[0]
    image: dict[str, Any] = Seat(
        event_section=f"{event_id}#{section}",
        seat_id=seat_id,
        status=status,
        hold_id=hold_id,
        hold_user_id=hold_user_id,
        hold_expires_at=hold_expires_at,
        booking_id=booking_id,
    ).serialize()
    return image


EVENT_BODY: dict[str, Any] = {
    "name": "Night Show",
    "category": "concerts",
    "start_at": "2027-04-01T01:30:00Z",
    "end_at": "2027-04-01T04:00:00Z",
    "onsale": {"opens_at": "2027-03-01T16:00:00Z"},
}


def venue_body(**changes: Any) -> dict[str, Any]:
    """A `POST /admin/venues` body: one section, one row of 4 seats."""
    body: dict[str, Any] = {
        "name": "Cumberland Ballroom",
        "city": "Nashville",
        "address": "410 Rep John Lewis Way S",
        "sections": [
            {
                "section": "Floor",
                "price": {"amount": 5900, "currency": "USD"},
                "rows": [{"row": "A", "seats": 4}],
            }
        ],
    }
    body.update(changes)
    return body


class FakeSqs:
    """Keeps what is sent (the inventory queue's messages)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **request: Any) -> dict[str, Any]:
        self.sent.append(request)
        return {"MessageId": str(len(self.sent))}


def create_venue_and_event(db: Any, **venue_changes: Any) -> tuple[Venue, Event]:
    """`venue_body(**venue_changes)` and an event there (`EVENT_BODY`), stored in `db` by
    `create_venue` and `create_event`."""
    from chalicelib.catalog import events, venues
    from chalicelib.schemas import EventCreate, VenueCreate, parse

    venue = venues.create_venue(parse(VenueCreate, venue_body(**venue_changes)), db=db)
    body = {**EVENT_BODY, "venue_id": venue.venue_id}
    event = events.create_event(parse(EventCreate, body), db=db, sqs=FakeSqs())
    return venue, event
