"""A venue's time zone: stored with the venue, copied onto its events, and answered in the
event's `venue` (Event, and EventSummary however it is produced); events stored before venues
had zones answer `time_zone: null`."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

import pytest

from chalicelib.catalog import events, recommendations, venues
from chalicelib.models import Event, SectionAvailability, Venue, VenueRef, table_name
from chalicelib.settings import Settings
from tests.fakes.catalog import NOW, create_venue_and_event, make_event
from tests.fakes.dynamodb import FakeDynamoDB
from tests.openapi_check import validate_response


@pytest.fixture
def catalog(settings: Settings) -> FakeDynamoDB:
    fake = FakeDynamoDB()
    fake.create_table(table_name(Venue), "venue_id")
    fake.create_table(table_name(Event), "event_id")
    fake.create_table(table_name(SectionAvailability), "event_id", "section")
    return fake


def test_a_venue_keeps_its_zone_and_its_events_carry_it(catalog: FakeDynamoDB) -> None:
    venue, event = create_venue_and_event(catalog, time_zone="america/chicago")

    assert venues.get_venue(venue.venue_id, db=catalog).time_zone == "America/Chicago"
    stored = events.load_event(event.event_id, db=catalog, consistent=True)
    assert stored.venue.time_zone == "America/Chicago"


def test_a_venue_without_a_zone_stores_none_and_its_events_carry_none(catalog: FakeDynamoDB) -> None:
    venue, event = create_venue_and_event(catalog)

    (item,) = catalog.items(table_name(Venue))
    assert "time_zone" not in item  # absent, as on every venue stored before zones existed
    assert venues.get_venue(venue.venue_id, db=catalog).time_zone is None
    assert events.load_event(event.event_id, db=catalog, consistent=True).venue.time_zone is None


@pytest.fixture
def no_availability(monkeypatch: pytest.MonkeyPatch) -> None:
    """Views read no section summaries (every seat is available)."""
    monkeypatch.setattr(events, "cached_availability", lambda event_id, view=False: {})


def zoned_event(time_zone: str | None) -> Event:
    event = make_event()
    event.venue = VenueRef(
        venue_id=event.venue_id, name="Test Hall", city="Testville", address="1 Test St", time_zone=time_zone
    )
    return event


def sections_of(event: Event) -> list[dict[str, Any]]:
    return events.section_counts(event, {}, NOW.timestamp())


@pytest.mark.usefixtures("no_availability")
@pytest.mark.parametrize("zone", ["America/Chicago", None])
def test_the_event_view_and_summary_answer_the_zone(zone: str | None) -> None:
    event = zoned_event(zone)

    view = events.event_view(event.event_id, event)
    summary = events.event_summary(event, sections_of(event))

    assert view["venue"]["time_zone"] == zone
    assert view["venue"]["address"] == "1 Test St"
    assert summary["venue"] == {
        "venue_id": event.venue_id,
        "name": "Test Hall",
        "city": "Testville",
        "time_zone": zone,
    }
    validate_response("GET", "/events/{event_id}", 200, view)


@pytest.mark.usefixtures("no_availability")
def test_an_event_stored_before_venues_had_zones_answers_null() -> None:
    item = make_event().serialize()
    assert "time_zone" not in item["venue"]["M"]  # what older items hold

    event = Event.from_raw_data(item)

    assert events.event_view(event.event_id, event)["venue"]["time_zone"] is None
    assert events.event_summary(event, [])["venue"]["time_zone"] is None


def test_recommendations_answer_the_zone_of_each_event() -> None:
    event = zoned_event("Europe/London")

    found = recommendations.live_summary(event.event_id, NOW.timestamp(), lambda _: event, lambda _: {})

    assert found is not None
    assert found["venue"]["time_zone"] == "Europe/London"
    validate_response("GET", "/events/{event_id}/recommendations", 200, {"events": [found]})


def test_zones_load_without_the_systems_database_as_on_lambda() -> None:
    """requirements.txt ships the `tzdata` package, which zoneinfo falls back to."""
    zoneinfo.reset_tzpath(to=[])
    try:
        chicago = zoneinfo.ZoneInfo.no_cache("America/Chicago")
        assert "America/Chicago" in zoneinfo.available_timezones()
    finally:
        zoneinfo.reset_tzpath()

    assert datetime(2027, 7, 1, tzinfo=chicago).tzname() == "CDT"
