"""The one seed routine: the demo catalogue, created through the same services admins use."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from chalicelib.catalog.events import create_event
from chalicelib.catalog.venues import create_venue
from chalicelib.schemas import EventCreate, VenueCreate
from local.demo_data import demo_events, demo_venues

logger = logging.getLogger("onsale.seed")


def seed_demo_catalogue(now: datetime | None = None) -> dict[str, int]:
    """Create the demo venues and events; their seat inventories follow asynchronously."""
    now = now or datetime.now(UTC)
    venue_ids: dict[str, str] = {}
    # The stadium first, so that its 56,000 seats are provisioned first.
    for spec in sorted(demo_venues(), key=lambda v: v["key"] != "dodger-stadium"):
        body = {k: v for k, v in spec.items() if k != "key"}
        venue_ids[spec["key"]] = create_venue(VenueCreate.model_validate(body)).venue_id
    events = sorted(demo_events(now), key=lambda e: e["venue_key"] != "dodger-stadium")
    for spec in events:
        body = {k: v for k, v in spec.items() if k != "venue_key"}
        body["venue_id"] = venue_ids[spec["venue_key"]]
        create_event(EventCreate.model_validate(body))
    return {"venues": len(venue_ids), "events": len(events)}
