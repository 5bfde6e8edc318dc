"""A show's times on its venue's clock, in a browser far from the venue: search results, the event
page, checkout, the confirmation and my bookings all read the venue's local time and name its
zone ("7:30 PM CST"), never the viewer's ("GMT+9")."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING
from tests.e2e.conftest import ContextFactory
from tests.e2e.journeys import create_show, hold_button, log_in, seat, wait_until_searchable
from tests.support import Api

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)

VENUE_ZONE = "America/Chicago"
VIEWER_ZONE = "Asia/Tokyo"  # en-US names it "GMT+9"


def on_the_venues_clock(start_at: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What the app shows for `start_at` in the venue's zone, as en-US Intl formats it: the full
    date and time ("Sat, Dec 12, 2026, 7:30 PM CST") and the time alone ("7:30 PM CST"). Derived
    from the event's own start, so nothing here depends on when the test runs."""
    local = datetime.fromisoformat(start_at.replace("Z", "+00:00")).astimezone(ZoneInfo(VENUE_ZONE))
    clock = rf"{local.hour % 12 or 12}:{local:%M}\s{local:%p}\s{local.tzname()}"
    date = rf"{local:%a}, {local:%b} {local.day}, {local.year},\s"
    return re.compile(date + clock), re.compile(clock)


def test_a_shows_times_read_on_its_venues_clock_in_a_browser_on_the_other_side_of_the_world(
    api: Api, new_context: ContextFactory
) -> None:
    # GIVEN a show at a venue in Chicago, which names its zone
    show = create_show(
        api, name=f"Prairie Lights {uuid.uuid4().hex[:4]}", city="Chicago", time_zone=VENUE_ZONE
    )
    event = api.call("GET", f"/events/{show.event_id}").json()
    assert event["venue"]["time_zone"] == VENUE_ZONE
    full, clock = on_the_venues_clock(event["start_at"])
    wait_until_searchable(api, show.name, show.event_id)
    # AND a fan whose browser is in Tokyo
    page: Page = new_context(timezone_id=VIEWER_ZONE).new_page()
    fan = api.new_user()

    # WHEN they find it: the result card reads Chicago's time
    log_in(page, fan, "/")
    page.get_by_role("searchbox", name="Search events").press_sequentially(show.name, delay=10)
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=show.name))
    expect(card).to_contain_text(full)
    expect(card).not_to_contain_text("GMT+9")

    # AND open it: the event page says when it starts there
    card.get_by_role("link", name=show.name).click()
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text(re.compile(r"Starts\s" + clock.pattern))
    expect(facts).not_to_contain_text("GMT+9")

    # AND hold a seat: checkout's summary reads Chicago's time
    seat(page, "Floor", "A", 1).click()
    hold_button(page).click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()
    expect(page.locator(".summary-event")).to_contain_text(full)

    # AND pay: the confirmation, then my bookings, read it too
    page.get_by_role("button", name="Pay $50.00").click()
    expect(page.get_by_role("heading", level=1, name="You're going!")).to_be_visible()
    expect(page.locator(".confirmation-event")).to_contain_text(full)
    page.goto("/#/me/bookings")
    item = page.locator("li.booking", has_text=show.name)
    expect(item).to_contain_text(full)
    expect(item).not_to_contain_text("GMT+9")
