"""Onsale day in real browsers: a fan waits in the waiting room and is moved on to seat selection
when admitted (holding with the admission), while a second browser watching the same seat map
sees a seat turn sold — pushed over the WebSocket — without reloading.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, WebSocketRoute, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING, PHONE
from tests.e2e.conftest import ContextFactory
from tests.e2e.journeys import (
    PASSWORD,
    create_queued_show,
    hold_button,
    log_in,
    screenshot,
    seat,
    seat_id,
)
from tests.support import Api, User, eventually

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)

# Generous: the admitter, the join consumer and the stream pushers share two busy cores.
ADMISSION_WAIT_MS = 120_000
PUSH_WAIT_MS = 45_000


def record_seat_frames(page: Page) -> list[dict[str, Any]]:
    """Every `seats` message the page's WebSockets receive (proof the change came pushed)."""
    frames: list[dict[str, Any]] = []

    def on_socket(socket: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            try:
                message = json.loads(payload)
            except ValueError:
                return
            if isinstance(message, dict) and message.get("type") == "seats":
                frames.append(message)

        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return frames


def admitted_token(api: Api, user: User, event_id: str) -> str:
    place = api.join_queue(user, event_id)
    status = api.wait_for_admission(user, event_id, place["queue_id"], timeout=ADMISSION_WAIT_MS / 1000)
    assert status["status"] == "admitted", status
    return str(status["admission_token"])


def test_a_fan_waits_is_admitted_and_holds_while_another_browser_sees_a_seat_sold_live(
    api: Api, new_context: ContextFactory
) -> None:
    # GIVEN a queued onsale opening in a few seconds and admitting 20 fans a minute,
    show = create_queued_show(
        api, name=f"Hot Ticket {uuid.uuid4().hex[:4]}", opens_in=timedelta(seconds=20), admit_per_minute=20
    )
    # a rival already in the queue,
    rival = api.new_user()
    api.join_queue(rival, show.event_id)
    # and a second browser (not signed in) watching the seat map
    viewer = new_context().new_page()
    frames = record_seat_frames(viewer)
    viewer.goto(show.path)
    expect(viewer.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    expect(seat(viewer, "Floor", "D", 10)).to_have_attribute("data-status", "available")
    expect(viewer.locator(".map-area")).to_have_attribute("data-live", "open", timeout=PUSH_WAIT_MS)
    viewer.evaluate("window.__sameDocument = true")

    # WHEN the fan opens the event: holding starts in the queue
    fan = api.new_user()
    page = new_context().new_page()
    log_in(page, fan, f"/events/{show.event_id}")
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    expect(hold_button(page)).to_have_text("Join the queue to hold seats")
    page.get_by_role("link", name="Join the queue").click()

    # THEN the queue page shows their place, an estimate and progress, live
    expect(page.get_by_role("heading", level=1, name="You're in the queue")).to_be_visible()
    place = page.locator("#queue-position")
    expect(place).to_have_text(re.compile(r"\d"))
    expect(page.get_by_role("progressbar", name="Your progress to the front of the queue")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=re.compile(r"number \d"))).to_be_visible()
    queue_id = page.locator("[data-queue-id]").get_attribute("data-queue-id")
    assert queue_id
    screenshot(page, "queue")

    # AND a reload (while still waiting) finds the same place
    if page.get_by_role("heading", level=1, name="You're in the queue").is_visible():
        page.reload()
        waiting = page.get_by_role("heading", level=1, name="You're in the queue")
        admitted = page.get_by_role("heading", level=1, name=show.name)
        expect(waiting.or_(admitted)).to_be_visible()
        if waiting.is_visible():
            expect(page.locator("[data-queue-id]")).to_have_attribute("data-queue-id", queue_id)

    # WHEN their turn comes, they are moved on to seat selection, told how long the turn lasts
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible(timeout=ADMISSION_WAIT_MS)
    turn = page.locator(".notice").filter(has_text="It's your turn")
    expect(turn.first).to_be_visible()
    expect(turn.first).to_contain_text(re.compile(r"within (\d+ minutes?|\d+ seconds?)"))
    expect(page.locator("#join-queue")).to_have_count(0)
    screenshot(page, "queue-admitted")

    # AND holding seats succeeds with the admission
    seat(page, "Floor", "A", 1).click()
    seat(page, "Floor", "A", 2).click()
    hold_button(page).click()
    expect(page.get_by_role("heading", level=1, name="Checkout")).to_be_visible()
    hold_id = page.url.rsplit("/holds/", 1)[1]
    fan_again = api.login(fan.email, PASSWORD)
    hold = api.call("GET", f"/holds/{hold_id}", fan_again)
    assert hold.status_code == 200, hold.text
    assert sorted(hold.json()["seat_ids"]) == sorted([seat_id(show, "A", 1), seat_id(show, "A", 2)])

    # WHEN the rival, admitted too, buys seat D-10 over the API
    token = admitted_token(api, rival, show.event_id)
    bought = seat_id(show, "D", 10)
    rival_hold = api.call(
        "POST",
        f"/events/{show.event_id}/holds",
        rival,
        json={"seat_ids": [bought]},
        headers={"X-Admission-Token": token},
    )
    assert rival_hold.status_code == 201, rival_hold.text
    booking = api.call(
        "POST",
        f"/holds/{rival_hold.json()['hold_id']}/checkout",
        rival,
        json={"payment_token": "tok_visa"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert booking.status_code == 201, booking.text

    # THEN the watching browser sees it sold — and the fan's seats held — without reloading
    expect(seat(viewer, "Floor", "D", 10)).to_have_attribute("data-status", "sold", timeout=PUSH_WAIT_MS)
    expect(seat(viewer, "Floor", "A", 1)).to_have_attribute("data-status", "held", timeout=PUSH_WAIT_MS)
    assert viewer.evaluate("window.__sameDocument") is True
    pushed = eventually(
        lambda: [
            c
            for f in frames
            for c in f.get("changes", [])
            if c["seat_id"] == bought and c["status"] == "sold"
        ],
        "a pushed seats message naming the sold seat",
        timeout=10,
    )
    assert pushed
    screenshot(viewer, "live-seat-map")


def test_holding_without_an_admission_is_sent_to_the_queue(api: Api, page: Page) -> None:
    # GIVEN a queued onsale that is open, and a fan whose tab holds a forged admission
    show = create_queued_show(
        api, name=f"Gatekept {uuid.uuid4().hex[:4]}", opens_in=timedelta(hours=-1), admit_per_minute=1
    )
    fan = api.new_user()
    log_in(page, fan, f"/events/{show.event_id}")
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    page.evaluate(
        """([eventId, email]) => sessionStorage.setItem("onsale.admissions", JSON.stringify({
             [eventId]: { token: "forged.token.value", user: email,
                          expires_at: new Date(Date.now() + 600000).toISOString() } }))""",
        [show.event_id, fan.email],
    )
    page.reload()
    expect(page.locator(".notice").filter(has_text="It's your turn").first).to_be_visible()

    # WHEN they try to hold: the API refuses the token
    seat(page, "Floor", "B", 3).click()
    hold_button(page).click()

    # THEN they are back in the waiting room (with a real place), and nothing was held
    expect(page.get_by_role("heading", level=1, name="You're in the queue")).to_be_visible()
    expect(page.locator("#queue-position")).to_have_text(re.compile(r"\d"))
    stored = page.evaluate("sessionStorage.getItem('onsale.admissions')")
    assert show.event_id not in (stored or "")
    statuses = {s["status"] for s in api.call("GET", f"/events/{show.event_id}/seats").json()["seats"]}
    assert statuses == {"available"}

    # AND the waiting room fits a phone
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    expect(page.locator("#queue-position")).to_be_in_viewport()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    screenshot(page, "phone-queue", full_page=False)


def test_a_lost_connection_keeps_the_place_and_polling_carries_on(api: Api, page: Page) -> None:
    # GIVEN an open queued onsale admitting one fan every ten seconds, and a network on which
    # the waiting room's first two WebSocket connections drop at once
    show = create_queued_show(
        api, name=f"Flaky Wifi {uuid.uuid4().hex[:4]}", opens_in=timedelta(hours=-1), admit_per_minute=6
    )
    attempts: list[str] = []

    def flaky(socket: WebSocketRoute) -> None:
        attempts.append(socket.url)
        if len(attempts) <= 2:
            socket.close()
        else:
            socket.connect_to_server()

    page.route_web_socket(re.compile(r".*[?&]queue_id="), flaky)
    fan = api.new_user()
    log_in(page, fan, f"/events/{show.event_id}/queue")

    # THEN the page says it is reconnecting and that the place is kept, then comes back live
    expect(page.get_by_role("heading", level=1, name="You're in the queue")).to_be_visible()
    connection = page.locator(".queue-connection")
    expect(connection).to_have_text(re.compile("Reconnecting… your place is kept"))
    screenshot(page, "queue-reconnecting")
    expect(connection).to_have_text(re.compile("^Live"), timeout=30_000)
    assert len(attempts) >= 3
    assert all("token=" in url for url in attempts)

    # AND the fan is moved on to seat selection when admitted
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible(timeout=ADMISSION_WAIT_MS)
    expect(page.locator(".notice").filter(has_text="It's your turn").first).to_be_visible()
