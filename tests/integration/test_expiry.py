"""An expired hold frees its seats with nothing running: the expiry in the condition is the truth."""

from __future__ import annotations

import time

import pytest

from tests.support import Api


def test_seat_is_holdable_again_after_hold_seconds_and_late_checkout_books_nothing(api: Api) -> None:
    # GIVEN a seat held for 2 seconds
    event_id, seat_ids = api.small_event(hold_seconds=2)
    first, second = api.new_user(), api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", first, json={"seat_ids": [seat_ids[0]]}).json()
    blocked = api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": [seat_ids[0]]})
    assert blocked.status_code == 409
    # WHEN the hold's time runs out (nothing cleans up)
    time.sleep(3.2)
    assert api.call("GET", f"/holds/{hold['hold_id']}", first).json()["status"] == "expired"
    # THEN someone else can hold the seat, and the first customer's late checkout books nothing
    retaken = api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": [seat_ids[0]]})
    assert retaken.status_code == 201, retaken.text
    late = api.call("POST", f"/holds/{hold['hold_id']}/checkout", first, json={"payment_token": "tok_visa"})
    assert late.status_code == 410
    assert late.json()["code"] == "hold_expired"
    assert api.call("GET", "/me/bookings", first).json()["bookings"] == []


@pytest.mark.usefixtures("services")
def test_hold_expiring_during_payment_is_refunded(api: Api) -> None:
    """The card is charged, the payment takes longer than the hold: refund and 410."""
    from chalicelib import aws
    from chalicelib.booking.checkout import checkout
    from chalicelib.errors import HoldExpiredError
    from chalicelib.payments.base import Charge
    from chalicelib.payments.local import LocalProvider

    class SlowBank(LocalProvider):
        def charge(
            self, *, amount: int, currency: str, token: str, idempotency_key: str, description: str
        ) -> Charge:
            result = super().charge(
                amount=amount,
                currency=currency,
                token=token,
                idempotency_key=idempotency_key,
                description=description,
            )
            time.sleep(3.5)  # the bank is slow; the hold (2 s, rounded up to whole seconds) expires
            return result

    event_id, seat_ids = api.small_event(hold_seconds=2)
    fan = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_ids[0]]}).json()
    user_id = _user_id(api, fan.token)
    with pytest.raises(HoldExpiredError):
        checkout(hold_id=hold["hold_id"], user_id=user_id, payment_token="tok_visa", payments=SlowBank())
    payments = aws.dynamodb().scan(TableName="onsale-local-payments")["Items"]
    mine = [p for p in payments if p["description"]["S"].endswith(hold["hold_id"])]
    assert [p["status"]["S"] for p in mine] == ["refunded"]
    assert api.call("GET", "/me/bookings", fan).json()["bookings"] == []


def _user_id(api: Api, token: str) -> str:
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def test_releasing_an_expired_hold_leaves_the_next_customers_hold_alone(api: Api) -> None:
    event_id, seat_ids = api.small_event(hold_seconds=2)
    first, second = api.new_user(), api.new_user()
    old = api.call("POST", f"/events/{event_id}/holds", first, json={"seat_ids": seat_ids[:2]}).json()
    time.sleep(3.2)
    # the second customer takes one of the two seats after the first hold expired
    new = api.call("POST", f"/events/{event_id}/holds", second, json={"seat_ids": [seat_ids[0]]})
    assert new.status_code == 201
    assert api.call("DELETE", f"/holds/{old['hold_id']}", first).status_code == 204
    # the second customer's seat is still theirs: nobody else can hold it, and they can pay for it
    third = api.new_user()
    assert (
        api.call("POST", f"/events/{event_id}/holds", third, json={"seat_ids": [seat_ids[0]]}).status_code
        == 409
    )
    assert (
        api.call("POST", f"/events/{event_id}/holds", third, json={"seat_ids": [seat_ids[1]]}).status_code
        == 201
    )
    paid = api.call(
        "POST", f"/holds/{new.json()['hold_id']}/checkout", second, json={"payment_token": "tok_visa"}
    )
    assert paid.status_code == 201
