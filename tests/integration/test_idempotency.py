"""Retried writes: the same Idempotency-Key returns the first result and creates nothing new."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import Api


@pytest.mark.usefixtures("services")
def test_checkout_replayed_twenty_times_concurrently_books_and_charges_once(api: Api) -> None:
    from chalicelib import aws

    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids[:2]}).json()
    key = str(uuid.uuid4())

    def pay(_: int) -> tuple[int, dict[str, object]]:
        response = api.call(
            "POST",
            f"/holds/{hold['hold_id']}/checkout",
            fan,
            json={"payment_token": "tok_visa"},
            headers={"Idempotency-Key": key},
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(pay, range(20)))
    created = [body for code, body in results if code == 201]
    assert created, results
    assert {code for code, _ in results} <= {201, 409}
    assert len({body["booking_id"] for body in created}) == 1
    assert len(api.call("GET", "/me/bookings", fan).json()["bookings"]) == 1
    charges = [
        p
        for p in aws.dynamodb().scan(TableName="onsale-local-payments")["Items"]
        if p["description"]["S"].endswith(hold["hold_id"])
    ]
    assert len(charges) == 1 and charges[0]["status"]["S"] == "succeeded"
    # a later replay still answers with the same booking
    code, again = pay(0)
    assert code == 201 and again["booking_id"] == created[0]["booking_id"]


def test_hold_replay_returns_the_same_hold_and_a_changed_body_is_refused(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_ids[0]]}, headers=key)
    replay = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_ids[0]]}, headers=key)
    assert first.status_code == replay.status_code == 201
    assert replay.json()["hold_id"] == first.json()["hold_id"]
    changed = api.call(
        "POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_ids[1]]}, headers=key
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused"


def test_keys_are_scoped_to_the_caller(api: Api) -> None:
    event_id, seat_ids = api.small_event()
    one, two = api.new_user(), api.new_user()
    key = {"Idempotency-Key": "same-key-for-both"}
    a = api.call("POST", f"/events/{event_id}/holds", one, json={"seat_ids": [seat_ids[0]]}, headers=key)
    b = api.call("POST", f"/events/{event_id}/holds", two, json={"seat_ids": [seat_ids[1]]}, headers=key)
    assert a.status_code == b.status_code == 201
    assert a.json()["hold_id"] != b.json()["hold_id"]
