"""A booking's whole life through the public API, read back from the emulator's sent mail:
book -> confirmation -> reminder -> cancel -> cancellation -> the first waitlisted customer is
offered the seats (a real hold, and an e-mail) -> an offer given up passes to the next in line,
who checks out. Also: the waitlist refuses what it should."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tests.openapi_check import validate_response
from tests.support import Api, Stack, User, eventually, sent_emails, wait_for_emails


def book(api: Api, fan: User, event_id: str, seat_ids: list[str]) -> dict[str, Any]:
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids})
    assert hold.status_code == 201, hold.text
    booking = api.call(
        "POST", f"/holds/{hold.json()['hold_id']}/checkout", fan, json={"payment_token": "tok_visa"}
    )
    assert booking.status_code == 201, booking.text
    return dict(booking.json())


def join_waitlist(api: Api, fan: User, event_id: str, quantity: int) -> dict[str, Any]:
    """Join once the event shows sold out (its availability follows the seats stream)."""

    def attempt() -> Any:
        response = api.call("POST", f"/events/{event_id}/waitlist", fan, json={"quantity": quantity})
        if response.status_code == 409 and response.json()["code"] == "seats_available":
            return None
        assert response.status_code == 201, response.text
        return response

    response = eventually(attempt, "the event to be sold out")
    validate_response("POST", "/events/{event_id}/waitlist", 201, response.json())
    return dict(response.json())


def my_entry(api: Api, fan: User, waitlist_id: str) -> dict[str, Any]:
    listed = api.call("GET", "/me/waitlist", fan)
    assert listed.status_code == 200, listed.text
    return next(e for e in listed.json()["waitlist"] if e["waitlist_id"] == waitlist_id)


def test_book_remind_cancel_and_the_waitlist_gets_the_seats(api: Api, stack: Stack) -> None:
    # GIVEN a two-seat show tomorrow, bought out by one customer
    name = f"Lifecycle Live {uuid.uuid4().hex[:4]}"
    event_id, seats = api.small_event(seats_per_row=2, rows=1, starts_in=timedelta(hours=20), name=name)
    buyer = api.new_user()
    booking = book(api, buyer, event_id, seats)

    # THEN the buyer gets a confirmation with their seats, and a reminder a day before
    (confirmation,) = wait_for_emails(stack, buyer.email, f"Your tickets for {name}")
    assert booking["booking_id"] in confirmation["text"] and seats[0] in confirmation["text"]
    (reminder,) = wait_for_emails(stack, buyer.email, f"Tomorrow: {name}")
    assert booking["booking_id"] in reminder["text"]

    # WHEN two more customers join the waitlist, in this order
    first, second = api.new_user(), api.new_user()
    first_entry = join_waitlist(api, first, event_id, 2)
    second_entry = join_waitlist(api, second, event_id, 1)
    assert (first_entry["position"], second_entry["position"]) == (1, 2)
    # (joining again returns the same entry, not a second place)
    again = api.call("POST", f"/events/{event_id}/waitlist", first, json={"quantity": 2})
    assert again.status_code == 201 and again.json()["waitlist_id"] == first_entry["waitlist_id"]

    # AND the buyer cancels
    cancelled = api.call("POST", f"/bookings/{booking['booking_id']}/cancel", buyer)
    assert cancelled.status_code == 200, cancelled.text

    # THEN the buyer is told, once
    wait_for_emails(stack, buyer.email, f"Booking cancelled: {name}")
    # AND the first in line is offered both seats as a hold of their own, and e-mailed about it
    offered = eventually(
        lambda: (e := my_entry(api, first, first_entry["waitlist_id"]))["status"] == "offered" and e,
        "an offer to the first in line",
    )
    hold = api.call("GET", f"/holds/{offered['offer_hold_id']}", first)
    assert hold.status_code == 200, hold.text
    assert sorted(hold.json()["seat_ids"]) == sorted(seats)
    (offer_mail,) = wait_for_emails(stack, first.email, f"Seats are waiting for you: {name}")
    assert offered["offer_hold_id"] in offer_mail["text"] or "hold" in offer_mail["text"].lower()
    # AND the second is still waiting, now first in line, with nothing held
    assert my_entry(api, second, second_entry["waitlist_id"])["status"] == "waiting"
    assert sent_emails(stack, second.email) == []
    # AND nobody else can take the offered seats
    stranger = api.call("POST", f"/events/{event_id}/holds", api.new_user(), json={"seat_ids": seats[:1]})
    assert stranger.status_code == 409, stranger.text

    # WHEN the first gives the offer up
    left = api.call("DELETE", f"/waitlist/{first_entry['waitlist_id']}", first)
    assert left.status_code == 204, left.text

    # THEN the offer passes to the next in line, who checks out
    passed = eventually(
        lambda: (e := my_entry(api, second, second_entry["waitlist_id"]))["status"] == "offered" and e,
        "the offer to pass to the next in line",
    )
    paid = api.call(
        "POST", f"/holds/{passed['offer_hold_id']}/checkout", second, json={"payment_token": "tok_visa"}
    )
    assert paid.status_code == 201, paid.text
    wait_for_emails(stack, second.email, f"Your tickets for {name}")
    # AND the first customer's old offer hold is gone
    assert api.call("GET", f"/holds/{offered['offer_hold_id']}", first).status_code == 404


def test_the_waitlist_refuses_events_on_sale_bad_quantities_and_strangers(api: Api) -> None:
    event_id, seats = api.small_event(seats_per_row=2, rows=1)
    fan = api.new_user()

    # an event with seats on sale has no waitlist: book instead
    on_sale = api.call("POST", f"/events/{event_id}/waitlist", fan, json={"quantity": 1})
    assert on_sale.status_code == 409 and on_sale.json()["code"] == "seats_available", on_sale.text

    book(api, api.new_user(), event_id, seats)
    for body in ({"quantity": 0}, {"quantity": "two"}, {}, {"quantity": 1, "extra": True}, {"quantity": 99}):
        bad = api.call("POST", f"/events/{event_id}/waitlist", fan, json=body)
        assert bad.status_code == 400, (body, bad.text)
        assert bad.json()["code"] == "invalid_request"
    unknown = api.call("POST", "/events/no-such-event/waitlist", fan, json={"quantity": 1})
    assert unknown.status_code == 404, unknown.text
    anonymous = api.call("POST", f"/events/{event_id}/waitlist", json={"quantity": 1})
    assert anonymous.status_code == 401

    # someone else's entry cannot be seen or cancelled
    entry = join_waitlist(api, fan, event_id, 1)
    stranger = api.new_user()
    assert api.call("DELETE", f"/waitlist/{entry['waitlist_id']}", stranger).status_code == 404
    assert api.call("GET", "/me/waitlist", stranger).json()["waitlist"] == []
    assert my_entry(api, fan, entry["waitlist_id"])["status"] == "waiting"
