"""A customer's data through the public API of the local stack: the export names everything
seeded for them; after `DELETE /me` no table, index or log of ours holds their e-mail address or
name, their old token is refused, their bookings survive without identity; and no log line ever
carried an address, a name or payment data."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.openapi_check import validate_response
from tests.support import Api, Stack, User, eventually, wait_for_emails

PASSWORD = "correct-horse-battery"


def sign_up(api: Api, name: str) -> tuple[User, str]:
    email = f"{name.split()[0].lower()}.{uuid.uuid4().hex[:8]}@example.com"
    created = api.call(
        "POST",
        "/auth/signup",
        json={"email": email, "password": PASSWORD, "name": name, "marketing_consent": True},
    )
    assert created.status_code == 201, created.text
    return api.login(email, PASSWORD, created.json()["user_id"]), email


def book(api: Api, fan: User, event_id: str, seat_ids: list[str], token: str = "tok_visa") -> Any:
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids})
    assert hold.status_code == 201, hold.text
    return api.call("POST", f"/holds/{hold.json()['hold_id']}/checkout", fan, json={"payment_token": token})


def table_items(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table of the stack, read straight from the emulator."""
    import boto3

    db = boto3.client(
        "dynamodb",
        endpoint_url=stack.emulator_url,
        region_name="us-east-1",
        aws_access_key_id="onsale-local",
        aws_secret_access_key="onsale-local",
    )
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in db.list_tables()["TableNames"]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": name}
        while True:
            page = db.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        tables[name] = items
    return tables


def tables_mentioning(stack: Stack, needle: str) -> dict[str, int]:
    found = {name: sum(needle in repr(i) for i in items) for name, items in table_items(stack).items()}
    return {name: count for name, count in found.items() if count}


def files_mentioning(folder: Path, needle: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


@pytest.fixture
def customer(api: Api, stack: Stack) -> dict[str, Any]:
    """A customer with one of everything: a booking (and its e-mail), an open hold, a followed
    venue, a waitlist entry on a sold-out show, a place in a waiting room."""
    name = f"Philippa Quennell-{uuid.uuid4().hex[:6]}"
    fan, email = sign_up(api, name)
    event_id, seats = api.small_event(name=f"Privacy Night {uuid.uuid4().hex[:4]}")
    booked = book(api, fan, event_id, seats[:2])
    assert booked.status_code == 201, booked.text
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seats[5:6]})
    assert hold.status_code == 201, hold.text
    venue_id = api.call("GET", f"/events/{event_id}").json()["venue"]["venue_id"]
    followed = api.call("POST", f"/venues/{venue_id}/subscriptions", fan)
    assert followed.status_code == 201, followed.text

    # a sold-out show (another customer bought it all) and its waitlist
    sold_out, sold_seats = api.small_event(seats_per_row=2, rows=1, name="Tiny Room Show")
    other = api.new_user()
    assert book(api, other, sold_out, sold_seats).status_code == 201
    joined: Any = eventually(
        lambda: (
            (r := api.call("POST", f"/events/{sold_out}/waitlist", fan, json={"quantity": 1})).status_code
            == 201
            and r
        ),
        "the show to be sold out",
    )
    # a queued onsale
    queued, _ = api.small_event(queue_required=True, name="Queued Show")
    place = api.join_queue(fan, queued)
    eventually(
        lambda: api.queue_status(fan, queued, place["queue_id"]).get("place") is not None, "a place in line"
    )
    wait_for_emails(stack, email, "Your tickets", 1)
    return {
        "user": fan,
        "email": email,
        "name": name,
        "booking_id": booked.json()["booking_id"],
        "hold_id": hold.json()["hold_id"],
        "event_id": event_id,
        "held_seat": seats[5],
        "venue_id": venue_id,
        "waitlist_id": joined.json()["waitlist_id"],
        "queue_id": place["queue_id"],
    }


def test_the_export_names_everything_seeded_for_the_customer(api: Api, customer: dict[str, Any]) -> None:
    # WHEN the customer asks for their data
    response = api.call("GET", "/me/export", customer["user"])

    # THEN it is a JSON document of every store that holds something about them
    assert response.status_code == 200, response.text
    validate_response("GET", "/me/export", response.status_code, response.json())
    assert response.headers["Cache-Control"] == "no-store"
    data = response.json()
    assert data["profile"]["email"] == customer["email"]
    assert data["profile"]["name"] == customer["name"]
    assert data["profile"]["marketing_consent"] is True
    assert data["account"]["attributes"]["email"] == customer["email"]
    assert [b["booking_id"] for b in data["bookings"]] == [customer["booking_id"]]
    assert len(data["payments"]) == 1 and data["payments"][0]["status"] == "succeeded"
    assert {h["hold_id"] for h in data["holds"]} >= {customer["hold_id"]}
    assert [s["venue_id"] for s in data["subscriptions"]] == [customer["venue_id"]]
    assert [w["waitlist_id"] for w in data["waitlist"]] == [customer["waitlist_id"]]
    assert [q["queue_id"] for q in data["queue_entries"]] == [customer["queue_id"]]
    kinds = [e["kind"] for e in data["emails_sent"]]
    assert "booking_confirmed" in kinds, kinds

    # AND nobody else's data: another customer's export names none of it
    stranger = api.call("GET", "/me/export", api.new_user()).json()
    assert customer["booking_id"] not in repr(stranger)
    assert customer["email"] not in repr(stranger)


def test_erasure_leaves_no_trace_of_the_customer_but_keeps_the_books(
    api: Api, stack: Stack, customer: dict[str, Any]
) -> None:
    fan, email, name = customer["user"], customer["email"], customer["name"]
    assert tables_mentioning(stack, email), "the seeded customer should be stored somewhere"

    # WHEN they erase their account
    erased = api.call("DELETE", "/me", fan)

    # THEN it is accepted, and the token they used is refused from now on
    assert erased.status_code == 202, erased.text
    validate_response("DELETE", "/me", erased.status_code, erased.json())
    assert erased.json()["erased"]["bookings"] == 1
    for method, path in (("GET", "/me/bookings"), ("GET", "/me/export"), ("DELETE", "/me")):
        refused = api.call(method, path, fan)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    # AND they can no longer log in
    login = api.call("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401, login.text

    # AND no table holds their address, their name or their user id (but the erasure tombstone)
    assert tables_mentioning(stack, email) == {}
    assert tables_mentioning(stack, name) == {}
    assert set(tables_mentioning(stack, fan.user_id)) <= {"onsale-local-erasures"}
    # AND neither does the search index
    index = stack.state_dir / "search-index"
    assert index.is_dir()
    assert files_mentioning(index, email) == [] and files_mentioning(index, name) == []

    # AND the booking is kept for the books, paid and whole, under a pseudonym
    bookings = [
        i
        for i in table_items(stack)["onsale-local-bookings"]
        if i["booking_id"]["S"] == customer["booking_id"]
    ]
    assert len(bookings) == 1
    assert bookings[0]["status"]["S"] == "confirmed"
    assert bookings[0]["user_id"]["S"].startswith("erased-")
    assert int(bookings[0]["total"]["M"]["amount"]["N"]) == 10000

    # AND the open hold's seat went back on sale
    def held_seat_status() -> str:
        seats = api.call("GET", f"/events/{customer['event_id']}/seats").json()["seats"]
        return str(next(s["status"] for s in seats if s["seat_id"] == customer["held_seat"]))

    eventually(lambda: held_seat_status() == "available", "the released seat to show as available", 30)

    # AND the same address may sign up afresh, as a new customer
    again = api.call("POST", "/auth/signup", json={"email": email, "password": PASSWORD, "name": "New Me"})
    assert again.status_code == 201, again.text
    assert again.json()["user_id"] != fan.user_id


def test_no_log_line_carries_an_address_a_name_or_payment_data(
    api: Api, stack: Stack, customer: dict[str, Any]
) -> None:
    # GIVEN the seeded customer (sign-up, booking, e-mail, waitlist, queue) and a declined card
    fan = customer["user"]
    event_id, seats = api.small_event()
    declined = book(api, fan, event_id, seats[:1], token="tok_chargeDeclined")
    assert declined.status_code == 402, declined.text
    bad_login = api.call(
        "POST", "/auth/login", json={"email": customer["email"], "password": "wrong-password"}
    )
    assert bad_login.status_code == 401
    api.call("GET", "/me/export", fan)
    time.sleep(2)  # let the stream consumers and mailers log what they log

    # THEN none of the stack's logs holds the address, the name or a card token
    logs = sorted(stack.state_dir.glob("*.log"))
    assert {p.name for p in logs} >= {"stack.log", "api.log"}, logs
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "account" in text or "INFO" in text  # the logs are written at all
    for secret in (customer["email"], customer["name"], "tok_visa", "tok_chargeDeclined", PASSWORD):
        assert secret not in text, f"a log line carries {secret!r}"
