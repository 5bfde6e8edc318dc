"""The customer web app in a real browser (chromium) against the whole local stack.

Each test drives the UI as a customer would — by labels, roles and visible text — and checks
what the API then says, so a passing run means the page and the API agree.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING, PHONE
from tests.e2e.conftest import ContextFactory
from tests.e2e.journeys import (
    PASSWORD,
    book_via_api,
    create_show,
    eventually_seat_statuses,
    floor_section,
    hold_button,
    log_in,
    open_event,
    screenshot,
    seat,
    wait_until_searchable,
)
from tests.support import Api

# Outside CI a machine without chromium skips these; in CI (.ci/run installs it) the fixture fails.
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)

TIMER = re.compile(r"^\d\d:\d\d$")


def test_a_new_customer_finds_an_event_by_a_misspelled_performer_and_buys_two_seats(
    api: Api, page: Page
) -> None:
    # GIVEN an event whose only clue is its performer's unusual name
    show = create_show(
        api, performers=["Zephyrine Quillfeather"], name=f"Moonlit Strings {uuid.uuid4().hex[:4]}"
    )
    misspelled = "zephyrene quilfeather"
    wait_until_searchable(api, misspelled, show.event_id)

    # WHEN a new customer signs up in the browser
    page.goto("/#/signup")
    page.get_by_label("Name").fill("Nova Fan")
    email = f"nova-{uuid.uuid4().hex[:10]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # THEN they are signed in and back on search
    expect(page.get_by_role("heading", level=1, name="Find your next night out")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()

    # WHEN they type the performer's name, misspelled: results arrive as they type
    page.get_by_role("searchbox", name="Search events").press_sequentially(misspelled, delay=20)
    expect(page.get_by_role("heading", level=2, name=f"Results for “{misspelled}”")).to_be_visible()
    results = page.get_by_role("list", name=re.compile("^Results for"))
    result = results.get_by_role("link", name=show.name)
    expect(result).to_be_visible()
    card = results.get_by_role("listitem").filter(has=page.get_by_role("link", name=show.name))
    expect(card).to_contain_text("Zephyrine Quillfeather")
    expect(card).to_contain_text("$50.00")
    expect(card).to_contain_text("40 seats left")
    screenshot(page, "search")

    # WHEN they open it and pick two seats on the map
    result.click()
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_focused()
    first, second = seat(page, "Floor", "B", 4), seat(page, "Floor", "B", 5)
    first.click()
    second.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(second).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("list", name="Selected seats").get_by_role("listitem")).to_have_count(2)
    screenshot(page, "event-seat-map")

    # AND hold them: checkout shows a countdown
    hold_button(page).click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(TIMER)
    expect(timer).to_have_text(re.compile(r"^(10:00|09:\d\d)$"))
    expect(page.get_by_role("list", name="Held seats")).to_contain_text("Floor · Row B · Seats 4, 5")
    expect(page.get_by_label("Visa (succeeds)")).to_be_checked()
    screenshot(page, "checkout")

    # AND pay with the Visa test card
    page.get_by_role("button", name="Pay $100.00").click()

    # THEN the confirmation names the booking, the seats and the total
    expect(page.get_by_role("heading", level=1, name="You're going!")).to_be_visible()
    booking_id = page.locator("[data-booking-id]").inner_text()
    assert booking_id
    expect(page.get_by_role("main").get_by_text("Floor · Row B · Seats 4, 5")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("$100.00")).to_be_visible()
    screenshot(page, "confirmation")

    # AND after a reload of the event page those two seats read as sold (eventually consistent)
    page.goto(show.path)
    page.reload()
    expect(seat(page, "Floor", "B", 4)).to_have_attribute("data-status", "sold", timeout=20_000)
    expect(seat(page, "Floor", "B", 5)).to_have_attribute("data-status", "sold", timeout=20_000)
    expect(seat(page, "Floor", "B", 4)).to_have_attribute("aria-label", re.compile(r", sold$"))
    expect(seat(page, "Floor", "B", 6)).to_have_attribute("data-status", "available")


def test_a_declined_card_explains_itself_keeps_the_hold_and_sells_nothing(api: Api, page: Page) -> None:
    show = create_show(api)
    fan = api.new_user()
    log_in(page, fan, f"/events/{show.event_id}")
    expect(seat(page, "Floor", "A", 1)).to_be_visible()
    seat(page, "Floor", "A", 1).click()
    seat(page, "Floor", "A", 2).click()
    hold_button(page).click()
    expect(page.get_by_role("timer")).to_have_text(TIMER)

    # WHEN they pay with the declined test card
    page.get_by_label("Declined card").check()
    page.get_by_role("button", name="Pay $100.00").click()

    # THEN they are told so, and may try again with another card while the hold lasts
    alert = page.get_by_role("alert").filter(has_text="Your card was declined")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("your seats are still held")
    expect(page.get_by_role("button", name="Pay $100.00")).to_be_enabled()
    expect(page.get_by_role("timer")).to_have_text(TIMER)
    screenshot(page, "checkout-declined")

    # AND nothing was sold: the seats are held (by this customer), and there is no booking
    held = [s for s in show.seat_ids if s.endswith(("-A-1", "-A-2"))]
    assert eventually_seat_statuses(api, show.event_id, held, "held") == {"held"}
    assert api.call("GET", "/me/bookings", fan).json()["bookings"] == []
    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("main").get_by_text("No bookings yet")).to_be_visible()


def test_two_customers_race_for_one_seat_and_exactly_one_gets_it(
    api: Api, new_context: ContextFactory
) -> None:
    show = create_show(api)
    pages = []
    for _ in range(2):
        page = new_context().new_page()
        log_in(page, api.new_user(), f"/events/{show.event_id}")
        seat(page, "Floor", "C", 7).click()
        expect(seat(page, "Floor", "C", 7)).to_have_attribute("aria-pressed", "true")
        pages.append(page)

    # WHEN both press "Hold" at (nearly) the same moment
    for page in pages:
        hold_button(page).click(no_wait_after=True)

    # THEN one is at checkout and the other is told the seat was just taken
    outcomes = []
    for page in pages:
        won = page.get_by_role("timer")
        lost = page.get_by_role("alert").filter(has_text="Those seats were just taken")
        expect(won.or_(lost)).to_be_visible()
        outcomes.append(won.is_visible())
    assert sorted(outcomes) == [False, True], outcomes
    loser = pages[outcomes.index(False)]
    expect(loser.get_by_role("alert").filter(has_text="just taken")).to_contain_text("Floor row C seat 7")
    # AND the loser's map no longer offers the seat and their selection is empty
    expect(seat(loser, "Floor", "C", 7)).to_have_attribute("aria-pressed", "false")
    expect(seat(loser, "Floor", "C", 7)).to_have_attribute("data-status", "held", timeout=20_000)
    expect(hold_button(loser)).to_be_disabled()


def test_my_bookings_lists_a_booking_and_cancelling_it_returns_the_seats(api: Api, page: Page) -> None:
    show = create_show(api)
    fan = api.new_user()
    booking = book_via_api(api, fan, show.event_id, show.seat_ids[:3])

    log_in(page, fan, "/me/bookings")
    expect(page.get_by_role("heading", level=1, name="My bookings")).to_be_visible()
    item = page.locator("li.booking", has_text=show.name)
    expect(item).to_be_visible()
    expect(item).to_contain_text("Confirmed")
    expect(item).to_contain_text("$150.00")
    expect(item).to_contain_text("Floor · Row A · Seats 1, 2, 3")
    expect(item).to_contain_text(booking["booking_id"])
    screenshot(page, "my-bookings")

    # WHEN they cancel it (and confirm)
    item.get_by_role("button", name="Cancel booking").click()
    item.get_by_role("button", name="Yes, cancel it").click()

    # THEN it reads as cancelled, here and in the API, and its seats are back on sale
    expect(item).to_contain_text("Cancelled")
    expect(item.get_by_role("status")).to_contain_text("Booking cancelled")
    expect(item.get_by_role("button", name="Cancel booking")).to_have_count(0)
    assert api.call("GET", f"/bookings/{booking['booking_id']}", fan).json()["status"] == "cancelled"
    assert eventually_seat_statuses(api, show.event_id, show.seat_ids[:3], "available") == {"available"}
    page.reload()
    expect(page.locator("li.booking", has_text=show.name)).to_contain_text("Cancelled")


def test_a_seat_can_be_chosen_with_the_keyboard_alone(api: Api, page: Page) -> None:
    show = create_show(api)
    open_event(page, show)
    page.locator("body").focus()

    # Tab until the seat map has focus (it is a single tab stop, whatever its size)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.classList.contains('seat')"):
            break
    focused = page.locator("button.seat:focus")
    expect(focused).to_have_attribute("aria-label", re.compile(r"^Section Floor, row A, seat 1, \$50\.00"))

    page.keyboard.press("Space")
    expect(seat(page, "Floor", "A", 1)).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    expect(seat(page, "Floor", "A", 2)).to_be_focused()
    page.keyboard.press("Enter")
    expect(seat(page, "Floor", "A", 2)).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowDown")
    expect(seat(page, "Floor", "B", 2)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    expect(seat(page, "Floor", "B", 2)).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("list", name="Selected seats").get_by_role("listitem")).to_have_count(2)
    expect(hold_button(page)).to_have_text("Hold 2 seats")

    # One more Tab leaves the map: 40 seats are one stop, not forty
    page.keyboard.press("Tab")
    expect(page.locator("button.seat:focus")).to_have_count(0)


def test_on_a_phone_the_event_page_fits_and_the_hold_button_is_in_reach(
    api: Api, new_context: ContextFactory
) -> None:
    show = create_show(
        api,
        name=f"Pocket Gig {uuid.uuid4().hex[:4]}",
        sections=[
            floor_section("Floor", rows=8, seats=24),
            floor_section("Balcony", rows=4, seats=18, amount=3500),
        ],
    )
    fan = api.new_user()
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    log_in(page, fan, f"/events/{show.event_id}")
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Floor ")).click()
    target = seat(page, "Floor", "A", 12)
    expect(target).to_be_visible()
    overflow = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert overflow[0] <= overflow[2] and overflow[1] <= overflow[2], overflow

    # The map zooms: seats grow (and stay within the map's own scroll area)
    before = target.bounding_box()
    page.get_by_role("button", name="Zoom in").tap()
    after = target.bounding_box()
    assert before is not None and after is not None and after["width"] > before["width"], (before, after)
    target.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # "Fit to screen" shows whole rows, even where seats then get small: a row's ends are both in view
    page.get_by_role("button", name="Fit to screen").tap()
    scroller = page.locator(".seatmap-scroll")
    view, first, last = (
        b.bounding_box() for b in (scroller, seat(page, "Floor", "A", 1), seat(page, "Floor", "A", 24))
    )
    assert view and first and last, (view, first, last)
    assert view["x"] <= first["x"] and last["x"] + last["width"] <= view["x"] + view["width"], (
        view,
        first,
        last,
    )
    page.get_by_role("button", name="Zoom in").tap()

    target.tap()
    expect(target).to_have_attribute("aria-pressed", "true")
    hold = hold_button(page)
    expect(hold).to_be_in_viewport()
    expect(hold).to_be_enabled()
    box = hold.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 200, box
    screenshot(page, "phone-event", full_page=False)

    hold.tap()
    expect(page.get_by_role("timer")).to_have_text(TIMER)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    expect(page.get_by_role("button", name="Pay $50.00")).to_be_visible()
    screenshot(page, "phone-checkout", full_page=False)


def test_releasing_a_hold_puts_the_seats_back(api: Api, page: Page) -> None:
    show = create_show(api)
    fan = api.new_user()
    log_in(page, fan, f"/events/{show.event_id}")
    seat(page, "Floor", "D", 10).click()
    hold_button(page).click()
    expect(page.get_by_role("timer")).to_have_text(TIMER)

    page.get_by_role("button", name="Release these seats").click()

    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Your seats were released.")).to_be_visible()
    released = [s for s in show.seat_ids if s.endswith("-D-10")]
    assert eventually_seat_statuses(api, show.event_id, released, "available") == {"available"}


def test_an_expired_hold_stops_checkout(api: Api, page: Page) -> None:
    show = create_show(api, hold_seconds=4)
    fan = api.new_user()
    log_in(page, fan, f"/events/{show.event_id}")
    seat(page, "Floor", "A", 5).click()
    hold_button(page).click()
    expect(page.get_by_role("timer")).to_have_text(TIMER)

    # The countdown reaching zero is the wait (hold_seconds=4)
    expect(page.get_by_role("main").get_by_text("Your hold expired")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("timer")).to_have_text("00:00")
    expect(page.get_by_role("button", name="Pay $50.00")).to_be_disabled()
    expect(page.get_by_role("link", name="Choose seats again")).to_be_visible()


def test_signing_up_from_the_header_brings_a_customer_back_to_their_seats(api: Api, page: Page) -> None:
    show = create_show(api)
    open_event(page, show)
    seat(page, "Floor", "A", 3).click()
    hold_button(page).click()  # signed out: sent to log in, the selection kept
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()

    # WHEN they use the header's "Sign up" instead of the form's own link
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    page.get_by_label("Name").fill("Header Fan")
    page.get_by_label("Email").fill(f"header-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # THEN they are back on the event with their seat still selected
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(hold_button(page)).to_have_text("Hold 1 seat")


def test_search_refuses_what_the_api_would_and_leaves_no_stale_results(api: Api, page: Page) -> None:
    show = create_show(api)
    wait_until_searchable(api, show.name, show.event_id)
    page.goto("/#/")
    box = page.get_by_role("searchbox")
    expect(box).to_have_attribute("maxlength", "200")
    box.fill("x" * 300)
    expect(box).to_have_value("x" * 200)  # the browser keeps what the API accepts
    expect(page.locator("#filter-city")).to_have_attribute("maxlength", "200")

    box.fill("")
    expect(page.locator(".event-grid .event-card").first).to_be_visible()
    expect(page.locator(".results-summary")).to_contain_text("Showing")
    # a venue that names no zone: times are the viewer's (the browser runs in Los Angeles time),
    # and say so (another test's venue may name its own zone, so this show's card is the one read)
    box.fill(show.name)
    card = page.locator(".event-grid .event-card", has_text=show.name)
    expect(card.locator("time").first).to_contain_text(re.compile(r"\bP[SD]T\b"))
    expect(page.locator("#results-heading")).to_have_text(f"Results for “{show.name}”")
    box.fill("")
    expect(page.locator("#results-heading")).to_have_text("Upcoming events")
    page.locator("#filter-end").fill("2027-01-01")
    page.locator("#filter-start").fill("2027-02-01")

    # a "From" after "To" is explained, and the earlier results are not left under it
    expect(page.locator(".notice-error")).to_contain_text("must be on or before")
    expect(page.locator(".event-grid > li")).to_have_count(0)
    expect(page.locator(".results-summary")).to_have_text("")
