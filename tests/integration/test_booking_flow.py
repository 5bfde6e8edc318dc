"""A customer holds seats and buys them, through the public API of the local stack."""

from __future__ import annotations

import time

import pytest

from tests.openapi_check import validate_response
from tests.support import Api


def test_hold_then_checkout_sells_the_seats(api: Api) -> None:
    # GIVEN an event on sale and a signed-in customer
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    # WHEN they hold two seats and pay
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:2]})
    assert hold.status_code == 201, hold.text
    validate_response("POST", "/events/{event_id}/holds", 201, hold.json())
    assert hold.json()["seat_ids"] == seat_ids[:2]
    assert hold.json()["total"] == {"amount": 10000, "currency": "USD"}
    hold_id = hold.json()["hold_id"]
    booking = api.call("POST", f"/holds/{hold_id}/checkout", fan, json={"payment_token": "tok_visa"})
    # THEN the booking is confirmed and the seats read as sold
    assert booking.status_code == 201, booking.text
    validate_response("POST", "/holds/{hold_id}/checkout", 201, booking.json())
    assert booking.json()["status"] == "confirmed"
    assert sorted(booking.json()["seat_ids"]) == sorted(seat_ids[:2])
    fetched = api.call("GET", f"/bookings/{booking.json()['booking_id']}", fan)
    assert fetched.status_code == 200 and fetched.json()["status"] == "confirmed"
    mine = api.call("GET", "/me/bookings", fan).json()
    assert [b["booking_id"] for b in mine["bookings"]] == [booking.json()["booking_id"]]
    assert _eventually_status(api, event_id, seat_ids[:2], "sold") == {"sold"}


def test_seat_map_and_event_show_holds_and_sales(api: Api) -> None:
    event_id, seat_ids = api.small_event(seats_per_row=4, rows=1)
    fan = api.new_user()
    held = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_ids[0]]})
    assert held.status_code == 201
    assert _eventually_status(api, event_id, [seat_ids[0]], "held") == {"held"}
    event = api.call("GET", f"/events/{event_id}").json()
    validate_response("GET", "/events/{event_id}", 200, event)
    assert event["sections"][0]["held"] == 1
    assert event["sections"][0]["available"] == 3


def test_quantity_hold_picks_free_seats_in_the_section(api: Api) -> None:
    event_id, seat_ids = api.small_event(seats_per_row=3, rows=1)
    first, second = api.new_user(), api.new_user()
    taken = api.call("POST", f"/events/{event_id}/holds", first, json={"seat_ids": seat_ids[:2]})
    assert taken.status_code == 201
    hold = api.call("POST", f"/events/{event_id}/holds", second, json={"section": "Floor", "quantity": 1})
    assert hold.status_code == 201, hold.text
    assert hold.json()["seat_ids"] == [seat_ids[2]]
    none_left = api.call(
        "POST", f"/events/{event_id}/holds", second, json={"section": "Floor", "quantity": 1}
    )
    assert none_left.status_code == 409
    assert none_left.json()["code"] == "seats_unavailable"


def test_taken_seats_are_named_in_the_conflict(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    first, second = api.new_user(), api.new_user()
    assert (
        api.call("POST", f"/events/{event_id}/holds", first, json={"seat_ids": seat_ids[1:3]}).status_code
        == 201
    )
    conflict = api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": seat_ids[0:3]})
    assert conflict.status_code == 409
    assert conflict.headers["Content-Type"] == "application/problem+json"
    assert conflict.json()["code"] == "seats_unavailable"
    assert sorted(conflict.json()["seat_ids"]) == sorted(seat_ids[1:3])
    # all or nothing: the free seat of the failed request was not held
    assert (
        api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": [seat_ids[0]]}).status_code
        == 201
    )


def test_order_limit(api: Api) -> None:
    event_id, seat_ids = api.small_event(max_per_order=2)
    fan = api.new_user()
    response = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:3]})
    assert response.status_code == 409
    assert response.json()["code"] == "order_limit_exceeded"
    by_quantity = api.call("POST", f"/events/{event_id}/holds", fan, json={"section": "Floor", "quantity": 3})
    assert by_quantity.json()["code"] == "order_limit_exceeded"


def test_release_returns_seats_at_once(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    first, second = api.new_user(), api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", first, json={"seat_ids": seat_ids[:2]}).json()
    assert api.call("DELETE", f"/holds/{hold['hold_id']}", second).status_code == 404
    released = api.call("DELETE", f"/holds/{hold['hold_id']}", first)
    assert released.status_code == 204
    # a 204 has no content, so nothing to label or measure: no body, Content-Type or Content-Length
    assert released.content == b""
    assert "Content-Type" not in released.headers and "Content-Length" not in released.headers
    assert api.call("GET", f"/holds/{hold['hold_id']}", first).status_code == 404
    again = api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": seat_ids[:2]})
    assert again.status_code == 201


def test_declined_card_sells_nothing(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:1]}).json()
    declined = api.call(
        "POST", f"/holds/{hold['hold_id']}/checkout", fan, json={"payment_token": "tok_chargeDeclined"}
    )
    assert declined.status_code == 402
    assert declined.json()["code"] == "payment_declined"
    assert api.call("GET", "/me/bookings", fan).json()["bookings"] == []
    # the hold survives a declined card: another card can still pay
    paid = api.call("POST", f"/holds/{hold['hold_id']}/checkout", fan, json={"payment_token": "tok_visa"})
    assert paid.status_code == 201


@pytest.mark.parametrize("token", ["tok_bogus", "tok_visa_typo", "tok_chargeDeclinedExpiredCard"])
def test_an_unknown_or_declining_token_sells_nothing_and_keeps_the_hold(api: Api, token: str) -> None:
    # GIVEN a customer holding a seat
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:1]}).json()

    # WHEN they pay with a card token the payment provider does not know, or one it declines
    declined = api.call("POST", f"/holds/{hold['hold_id']}/checkout", fan, json={"payment_token": token})

    # THEN the payment is declined, nothing is sold, and the hold survives for another card
    assert declined.status_code == 402, declined.text
    assert declined.headers["Content-Type"] == "application/problem+json"
    assert declined.json()["code"] == "payment_declined"
    if token != "tok_chargeDeclinedExpiredCard":
        assert "unknown" in declined.json()["detail"]
    assert api.call("GET", "/me/bookings", fan).json()["bookings"] == []
    assert api.call("GET", f"/holds/{hold['hold_id']}", fan).status_code == 200
    paid = api.call(
        "POST", f"/holds/{hold['hold_id']}/checkout", fan, json={"payment_token": "tok_mastercard"}
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["seat_ids"] == seat_ids[:1]


def test_cancel_returns_seats_to_sale(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    fan, other = api.new_user(), api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:2]}).json()
    booking = api.call(
        "POST", f"/holds/{hold['hold_id']}/checkout", fan, json={"payment_token": "tok_visa"}
    ).json()
    assert api.call("POST", f"/bookings/{booking['booking_id']}/cancel", other).status_code == 404
    cancelled = api.call("POST", f"/bookings/{booking['booking_id']}/cancel", fan)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = api.call("POST", f"/bookings/{booking['booking_id']}/cancel", fan)
    assert again.status_code == 409 and again.json()["code"] == "not_cancellable"
    rebuy = api.call("POST", f"/events/{event_id}/holds", other, json={"seat_ids": seat_ids[:2]})
    assert rebuy.status_code == 201


def test_someone_elses_hold_and_booking_do_not_exist(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    owner, stranger = api.new_user(), api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", owner, json={"seat_ids": seat_ids[:1]}).json()
    assert api.call("GET", f"/holds/{hold['hold_id']}", stranger).json()["code"] == "hold_not_found"
    stolen = api.call(
        "POST", f"/holds/{hold['hold_id']}/checkout", stranger, json={"payment_token": "tok_visa"}
    )
    assert stolen.status_code == 404 and stolen.json()["code"] == "hold_not_found"
    booking = api.call(
        "POST", f"/holds/{hold['hold_id']}/checkout", owner, json={"payment_token": "tok_visa"}
    ).json()
    peek = api.call("GET", f"/bookings/{booking['booking_id']}", stranger)
    assert peek.status_code == 404 and peek.json()["code"] == "booking_not_found"
    assert api.call("GET", f"/bookings/{booking['booking_id']}", api.admin).status_code == 200


def _eventually_status(
    api: Api, event_id: str, seat_ids: list[str], expected: str, timeout: float = 15
) -> set[str]:
    """Seat maps are eventually consistent (fed by the stream): wait for them to settle."""
    deadline = time.monotonic() + timeout
    while True:
        seats = {
            s["seat_id"]: s["status"] for s in api.call("GET", f"/events/{event_id}/seats").json()["seats"]
        }
        statuses = {seats[s] for s in seat_ids}
        if statuses == {expected} or time.monotonic() > deadline:
            return statuses
        time.sleep(0.3)


def test_a_party_gets_seats_side_by_side(api: Api) -> None:
    event_id, _ = api.small_event(seats_per_row=10, rows=3)
    fan = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"section": "Floor", "quantity": 4})
    assert hold.status_code == 201, hold.text
    rows = {s.rsplit("-", 1)[0] for s in hold.json()["seat_ids"]}
    numbers = sorted(int(s.rsplit("-", 1)[1]) for s in hold.json()["seat_ids"])
    assert len(rows) == 1, "the party was split across rows"
    assert numbers == list(range(numbers[0], numbers[0] + 4)), "the seats are not side by side"


def test_views_are_cacheable_with_etags(api: Api) -> None:
    event_id, _ = api.small_event(seats_per_row=3, rows=1)
    for path in (f"/events/{event_id}", f"/events/{event_id}/seats"):
        first = api.call("GET", path)
        assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
        again = api.call("GET", path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
