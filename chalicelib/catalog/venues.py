"""Venues and their seat maps (sections of rows of numbered seats)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ulid import ULID

from chalicelib import aws
from chalicelib.errors import VenueNotFoundError
from chalicelib.models import Money, RowLayout, SectionLayout, Venue, table_name
from chalicelib.schemas import VenueCreate, slugify


def create_venue(request: VenueCreate, *, db: Any = None) -> Venue:
    """Store a venue with its seat map; returns it with its capacity."""
    db = db or aws.dynamodb()
    sections = [
        SectionLayout(
            section=s.section,
            slug=slugify(s.section),
            price=Money(amount=s.price.amount, currency=s.price.currency),
            rows=[RowLayout(row=r.row, seats=r.seats) for r in s.rows],
        )
        for s in request.sections
    ]
    venue = Venue(
        venue_id=str(ULID()),
        name=request.name,
        city=request.city,
        address=request.address,
        sections=sections,
        capacity=sum(r.seats for s in request.sections for r in s.rows),
        created_at=datetime.now(UTC),
        time_zone=request.time_zone,
    )
    db.put_item(
        TableName=table_name(Venue),
        Item=venue.serialize(),
        ConditionExpression="attribute_not_exists(venue_id)",
    )
    return venue


def get_venue(venue_id: str, *, db: Any = None) -> Venue:
    db = db or aws.dynamodb_reader()
    item = db.get_item(TableName=table_name(Venue), Key={"venue_id": {"S": venue_id}}).get("Item")
    if not item:
        raise VenueNotFoundError(f"No venue with id {venue_id}")
    return Venue.from_raw_data(item)
