"""A search by date finds a show by the day on its venue's clock, the day its card shows: a Chicago
show at 7:30 PM on day D starts on D+1 in UTC, which is what the API's date filter reads
(decision 22); the web app widens the API's days and keeps the venue's (decision 26)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING
from tests.e2e.conftest import ContextFactory
from tests.e2e.journeys import floor_section, wait_until_searchable
from tests.support import Api

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)

CHICAGO = ZoneInfo("America/Chicago")
VIEWER_ZONE = "Asia/Tokyo"  # a day ahead of Chicago in the evening: the viewer's day is not the one


def card_date(start_at: datetime) -> re.Pattern[str]:
    """The card's date and time for `start_at` on Chicago's clock, as en-US Intl writes it."""
    local = start_at.astimezone(CHICAGO)
    clock = rf"{local.hour % 12 or 12}:{local:%M}\s{local:%p}\s{local.tzname()}"
    return re.compile(rf"{local:%a}, {local:%b} {local.day}, {local.year},\s{clock}")


def search_days(page: Page, city: str, day: date) -> None:
    page.goto("/#/?" + urlencode({"city": city, "start_date": day.isoformat(), "end_date": day.isoformat()}))


def test_a_search_by_date_finds_a_show_on_its_venues_day_not_the_utc_one(
    api: Api, new_context: ContextFactory
) -> None:
    # GIVEN a venue in Chicago (a city of its own, so that nothing else is listed) with an evening
    # show on day D, which is D+1 in UTC, and a matinee on D+1, which is D+1 in UTC too
    suffix = uuid.uuid4().hex[:6]
    city = f"Chicago {suffix}"
    # (later than other tests' shows, which start within 30 days: this one is never the first listed)
    day = datetime.now(CHICAGO).date() + timedelta(days=90)
    evening = datetime.combine(day, time(19, 30), tzinfo=CHICAGO)
    matinee = datetime.combine(day + timedelta(days=1), time(14, 0), tzinfo=CHICAGO)
    assert evening.astimezone(ZoneInfo("UTC")).date() == day + timedelta(days=1)
    assert matinee.astimezone(ZoneInfo("UTC")).date() == day + timedelta(days=1)
    venue_id = api.create_venue(
        [floor_section()], name=f"Lakefront {suffix}", city=city, time_zone="America/Chicago"
    )
    evening_name = f"Evening Show {suffix}"
    matinee_name = f"Matinee Show {suffix}"
    evening_id = api.create_event(venue_id, name=evening_name, starts_at=evening)
    matinee_id = api.create_event(venue_id, name=matinee_name, starts_at=matinee)
    wait_until_searchable(api, evening_name, evening_id)
    wait_until_searchable(api, matinee_name, matinee_id)
    # (the API itself keeps UTC days: From = To = D lists neither)
    utc_days = api.call(
        "GET",
        "/events/search",
        params={"city": city, "start_date": day.isoformat(), "end_date": day.isoformat()},
    )
    assert utc_days.status_code == 200 and utc_days.json()["events"] == []
    page = new_context(timezone_id=VIEWER_ZONE).new_page()
    cards = page.locator(".event-grid .event-card")

    # WHEN a fan in Tokyo searches the city From = To = D
    search_days(page, city, day)

    # THEN the evening show is listed, its card dated D on Chicago's clock, and the matinee is not
    evening_card = cards.filter(has=page.get_by_role("link", name=evening_name))
    expect(evening_card).to_contain_text(card_date(evening))
    expect(evening_card.locator(".date-day")).to_have_text(str(day.day))
    expect(page.locator(".results-summary")).to_have_text("Showing 1 event")
    expect(cards).to_have_count(1)
    # AND the address and the form keep the fan's own days
    expect(page.locator("#filter-start")).to_have_value(day.isoformat())
    expect(page.locator("#filter-end")).to_have_value(day.isoformat())
    assert f"start_date={day.isoformat()}&end_date={day.isoformat()}" in page.url

    # WHEN they move both days on to D+1 (To first, so that From is never after it)
    page.locator("#filter-end").fill((day + timedelta(days=1)).isoformat())
    page.locator("#filter-start").fill((day + timedelta(days=1)).isoformat())

    # THEN the matinee is listed and the evening show (D+1 in UTC, D in Chicago) is not
    matinee_card = cards.filter(has=page.get_by_role("link", name=matinee_name))
    expect(matinee_card).to_contain_text(card_date(matinee))
    expect(cards).to_have_count(1)
    expect(page.get_by_role("link", name=evening_name)).to_have_count(0)
    expect(page.locator(".results-summary")).to_have_text("Showing 1 event")
