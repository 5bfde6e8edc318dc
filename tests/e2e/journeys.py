"""What the browser tests share: events with chosen performers, signing in through the UI, seats
on the map by their accessible names, and screenshots for docs/screenshots/."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import SCREENSHOTS
from tests.support import Api, User

PASSWORD = "correct-horse-9"
T = TypeVar("T")


@dataclass(frozen=True)
class ShowEvent:
    event_id: str
    name: str
    seat_ids: list[str]

    @property
    def path(self) -> str:
        return f"/#/events/{self.event_id}"


def create_show(
    api: Api,
    *,
    performers: list[str] | None = None,
    name: str = "",
    category: str = "concerts",
    city: str = "Testville",
    sections: list[dict[str, Any]] | None = None,
    hold_seconds: int = 600,
    max_per_order: int = 8,
    time_zone: str | None = None,
) -> ShowEvent:
    """An on-sale event in a new venue, created as an admin would (custom performers, city and
    time zone)."""
    name = name or f"Browser Show {uuid.uuid4().hex[:6]}"
    venue_id = api.create_venue(
        sections or [floor_section()], name=f"{name} Hall", city=city, time_zone=time_zone
    )
    event_id = api.create_event(
        venue_id,
        name=name,
        description="An evening built for browser tests.",
        category=category,
        performers=performers,
        hold_seconds=hold_seconds,
        max_per_order=max_per_order,
    )
    seats = api.call("GET", f"/events/{event_id}/seats").json()["seats"]
    return ShowEvent(event_id=event_id, name=name, seat_ids=[s["seat_id"] for s in seats])


def floor_section(name: str = "Floor", rows: int = 4, seats: int = 10, amount: int = 5000) -> dict[str, Any]:
    return {
        "section": name,
        "price": {"amount": amount, "currency": "USD"},
        "rows": [{"row": chr(ord("A") + r), "seats": seats} for r in range(rows)],
    }


def wait_until_searchable(api: Api, query: str, event_id: str, timeout: float = 60) -> None:
    """Search is fed from the events stream and may lag a moment behind the admin's write."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        response = api.call("GET", "/events/search", params={"q": query})
        last = f"{response.status_code} {response.text[:300]}"
        if response.status_code == 200 and any(
            e.get("event_id") == event_id for e in response.json().get("events", [])
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"GET /events/search?q={query} never listed event {event_id}; last answer: {last}")


def log_in(page: Page, user: User, next_path: str = "/") -> None:
    """Log in through the form; the app then returns to `next_path`."""
    page.goto(f"/#/login?next={next_path}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def seat(page: Page, section: str, row: str, number: int) -> Locator:
    """A seat button by the label screen readers hear ("Section Floor, row A, seat 5, $50.00, ...")."""
    return page.get_by_role("button", name=re.compile(rf"^Section {section}, row {row}, seat {number}, "))


def hold_button(page: Page) -> Locator:
    return page.locator("#hold-button")


def open_event(page: Page, show: ShowEvent) -> None:
    page.goto(show.path)
    expect(page.get_by_role("heading", level=1, name=show.name)).to_be_visible()
    expect(seat(page, "Floor", "A", 1)).to_be_visible()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save docs/screenshots/<name>.png (overwritten on every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)  # no hover effects in the picture
    if full_page:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, animations="disabled")


def book_via_api(api: Api, user: User, event_id: str, seat_ids: list[str]) -> dict[str, Any]:
    hold = api.call("POST", f"/events/{event_id}/holds", user, json={"seat_ids": seat_ids})
    assert hold.status_code == 201, hold.text
    booking = api.call(
        "POST",
        f"/holds/{hold.json()['hold_id']}/checkout",
        user,
        json={"payment_token": "tok_visa"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert booking.status_code == 201, booking.text
    return dict(booking.json())


def eventually_seat_statuses(
    api: Api, event_id: str, seat_ids: list[str], wanted: str, timeout: float = 15
) -> set[str]:
    """The seat map is eventually consistent (about a second): poll until the seats read `wanted`."""
    deadline = time.monotonic() + timeout
    statuses: set[str] = set()
    while time.monotonic() < deadline:
        seats = api.call("GET", f"/events/{event_id}/seats").json()["seats"]
        statuses = {s["status"] for s in seats if s["seat_id"] in seat_ids}
        if statuses == {wanted}:
            break
        time.sleep(0.3)
    return statuses


# --- onsale day and after the purchase ---------------------------------------------------------


def create_queued_show(
    api: Api,
    *,
    opens_in: timedelta,
    admit_per_minute: int,
    name: str = "",
    sections: list[dict[str, Any]] | None = None,
) -> ShowEvent:
    """An event behind the waiting room, opening in `opens_in` and admitting slowly."""
    name = name or f"Queued Show {uuid.uuid4().hex[:6]}"
    venue_id = api.create_venue(sections or [floor_section()], name=f"{name} Arena")
    event_id = api.create_event(
        venue_id,
        name=name,
        description="A hot onsale with a waiting room.",
        queue_required=True,
        opens_in=opens_in,
        admit_per_minute=admit_per_minute,
    )
    seats = api.call("GET", f"/events/{event_id}/seats").json()["seats"]
    return ShowEvent(event_id=event_id, name=name, seat_ids=[s["seat_id"] for s in seats])


def seat_id(show: ShowEvent, row: str, number: int) -> str:
    """The id of seat `row`-`number` (ids end with `-<row>-<number>`)."""
    return next(s for s in show.seat_ids if s.endswith(f"-{row}-{number}"))
