"""After the purchase, in a real browser: following a venue, the account page (followed venues,
waitlists, a download of one's data, erasing the account), "You may also like", and the waitlist
of a sold-out event. Each step is checked against what the API then says.
"""

from __future__ import annotations

import json
import os
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING, DESKTOP, PHONE
from tests.e2e.journeys import (
    PASSWORD,
    book_via_api,
    create_show,
    floor_section,
    log_in,
    screenshot,
    wait_until_searchable,
)
from tests.support import Api, User, eventually

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)


def followed(api: Api, user: User) -> list[str]:
    answer = api.call("GET", "/me/subscriptions", user)
    assert answer.status_code == 200, answer.text
    return [s["venue_id"] for s in answer.json()["subscriptions"]]


def test_the_account_page_follows_exports_and_erases(api: Api, page: Page) -> None:
    # GIVEN a customer with a booking
    show = create_show(api, name=f"Keepsake Night {uuid.uuid4().hex[:4]}")
    venue = f"{show.name} Hall"
    venue_id = api.call("GET", f"/events/{show.event_id}").json()["venue"]["venue_id"]
    fan = api.new_user(name="Erin Export")
    booking = book_via_api(api, fan, show.event_id, show.seat_ids[:2])

    # WHEN they follow the event's venue from the event page
    log_in(page, fan, f"/events/{show.event_id}")
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    page.get_by_role("button", name=f"Follow {venue}").click()
    # THEN the button turns into "Unfollow", and the API lists the venue
    expect(page.get_by_role("button", name=f"Unfollow {venue}")).to_be_visible()
    assert followed(api, fan) == [venue_id]

    # WHEN they open their account from the header
    page.get_by_role("link", name=fan.email).click()
    expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()
    venues = page.get_by_role("list", name="Venues you follow")
    expect(venues.get_by_role("link", name=venue)).to_be_visible()
    screenshot(page, "account")
    # (and it fits a phone)
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    screenshot(page, "phone-account", full_page=False)
    page.set_viewport_size({"width": DESKTOP["width"], "height": DESKTOP["height"]})

    # AND unfollow it there
    venues.get_by_role("button", name=f"Unfollow {venue}").click()
    expect(page.get_by_role("list", name="Venues you follow")).to_have_count(0)
    expect(page.get_by_text("You don't follow any venues now.")).to_be_visible()
    assert followed(api, fan) == []

    # WHEN they download their data: a JSON file naming their booking
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    path = download.path()
    assert path is not None
    text = path.read_text()
    exported = json.loads(text)
    assert isinstance(exported, dict)
    assert booking["booking_id"] in text
    assert fan.email in text
    expect(page.get_by_text("Your data was downloaded")).to_be_visible()

    # WHEN they delete their account, typing their e-mail address to confirm
    page.get_by_role("button", name="Delete my account…").click()
    confirm = page.get_by_role("button", name="Delete my account", exact=True)
    expect(confirm).to_be_disabled()
    page.get_by_label("Type your e-mail address to confirm").fill("someone-else@example.com")
    expect(confirm).to_be_disabled()
    page.get_by_label("Type your e-mail address to confirm").fill(fan.email)
    screenshot(page, "account-delete")
    confirm.click()

    # THEN they are logged out with a message, and can no longer log in
    expect(page.get_by_role("main").get_by_text("Your account was deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    login = api.call("POST", "/auth/login", json={"email": fan.email, "password": PASSWORD})
    assert login.status_code == 401, login.text
    page.goto("/#/login")
    page.get_by_label("Email").fill(fan.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").filter(has_text="don't match an account")).to_be_visible()


def test_an_event_page_suggests_similar_events_and_its_venue_page_lists_them(api: Api, page: Page) -> None:
    # GIVEN two upcoming events by the same (unusual) performer
    performer = f"Quillon Marsh {uuid.uuid4().hex[:4]}"
    seen = create_show(api, performers=[performer], name=f"Tidewater Live {uuid.uuid4().hex[:4]}")
    other = create_show(api, performers=[performer], name=f"Harbour Lights {uuid.uuid4().hex[:4]}")
    wait_until_searchable(api, performer, other.event_id)
    wait_until_searchable(api, performer, seen.event_id)
    eventually(
        lambda: any(
            e["event_id"] == other.event_id
            for e in api.call("GET", f"/events/{seen.event_id}/recommendations").json()["events"]
        ),
        "the API to recommend the other event",
    )

    # WHEN a visitor opens one of them
    page.goto(seen.path)
    expect(page.get_by_role("heading", level=1, name=seen.name)).to_be_visible()

    # THEN "You may also like" offers the other, and never the event itself
    suggestions = page.get_by_role("region", name="You may also like")
    expect(suggestions.get_by_role("link", name=other.name)).to_be_visible()
    expect(suggestions.get_by_role("link", name=seen.name)).to_have_count(0)
    suggestions.scroll_into_view_if_needed()
    screenshot(page, "recommendations", full_page=False)

    # WHEN they follow the link to the venue's page
    page.get_by_role("link", name=f"More at {seen.name} Hall").click()
    expect(page.get_by_role("heading", level=1, name=f"{seen.name} Hall")).to_be_visible()
    upcoming = page.get_by_role("list", name="Upcoming events")
    expect(upcoming.get_by_role("link", name=seen.name)).to_be_visible()
    expect(page.get_by_role("button", name=f"Follow {seen.name} Hall")).to_be_visible()
    screenshot(page, "venue")


def test_a_fan_joins_the_waitlist_of_a_sold_out_event(api: Api, page: Page) -> None:
    # GIVEN a tiny event, sold out
    tiny = [floor_section(rows=1, seats=2)]
    show = create_show(api, name=f"Tiny Room {uuid.uuid4().hex[:4]}", sections=tiny)
    book_via_api(api, api.new_user(), show.event_id, show.seat_ids)
    eventually(
        lambda: api.call("GET", f"/events/{show.event_id}").json()["onsale"]["status"] == "sold_out",
        "the event to read as sold out",
    )
    fan = api.new_user()

    # WHEN a fan opens it: it offers the waitlist, and they join it for two seats
    log_in(page, fan, f"/events/{show.event_id}")
    card = page.get_by_role("region", name="Join the waitlist")
    expect(card).to_be_visible()
    card.get_by_label("Seats you need").select_option("2")
    screenshot(page, "waitlist")
    card.get_by_role("button", name="Join the waitlist").click()

    # THEN they are told their place, and the API has the entry
    expect(card.get_by_text("You're on the waitlist")).to_be_visible()
    expect(card).to_contain_text("number 1 in line")
    entries = api.call("GET", "/me/waitlist", fan).json()["waitlist"]
    assert [(e["event_id"], e["quantity"], e["status"]) for e in entries] == [(show.event_id, 2, "waiting")]

    # AND the account page lists it; leaving there removes it
    page.get_by_role("link", name=fan.email).click()
    waitlists = page.get_by_role("list", name="Waitlist entries")
    expect(waitlists.get_by_role("link", name=show.name)).to_be_visible()
    expect(waitlists).to_contain_text("Waiting for 2 seats")
    waitlists.get_by_role("button", name=f"Leave the waitlist for {show.name}").click()
    expect(page.get_by_text("You're not on any waitlists now.")).to_be_visible()
    assert api.call("GET", "/me/waitlist", fan).json()["waitlist"] == []


def test_seats_that_come_back_are_offered_to_the_waitlist_and_lead_to_checkout(api: Api, page: Page) -> None:
    # GIVEN a sold-out event with a fan on its waitlist for both its seats
    tiny = [floor_section(rows=1, seats=2)]
    show = create_show(api, name=f"Second Chance {uuid.uuid4().hex[:4]}", sections=tiny)
    owner = api.new_user()
    booking = book_via_api(api, owner, show.event_id, show.seat_ids)
    eventually(
        lambda: api.call("GET", f"/events/{show.event_id}").json()["onsale"]["status"] == "sold_out",
        "the event to read as sold out",
    )
    fan = api.new_user()
    joined = api.call("POST", f"/events/{show.event_id}/waitlist", fan, json={"quantity": 2})
    assert joined.status_code == 201, joined.text

    # WHEN the owner cancels: the seats come back and are offered to the fan
    cancelled = api.call("POST", f"/bookings/{booking['booking_id']}/cancel", owner)
    assert cancelled.status_code == 200, cancelled.text
    offer = eventually(
        lambda: next(
            (e for e in api.call("GET", "/me/waitlist", fan).json()["waitlist"] if e["status"] == "offered"),
            None,
        ),
        "the waitlist offer",
        timeout=90,
    )

    # THEN the account page shows the offer, and it leads straight to checkout
    log_in(page, fan, "/account")
    waitlists = page.get_by_role("list", name="Waitlist entries")
    expect(waitlists).to_contain_text("Seats came back: 2 seats are held for you")
    waitlists.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()
    assert page.url.endswith(f"/holds/{offer['offer_hold_id']}")
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.get_by_role("button", name="Pay $100.00")).to_be_enabled()
