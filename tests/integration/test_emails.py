"""E-mails through the public API of the local stack, read back from the emulator's sent mail:
one confirmation per booking (even after a forced duplicate stream record), one cancellation,
one reminder a day before, one alert per new event at a followed venue, and a one-click
unsubscribe that stops the next one."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.openapi_check import validate_response
from tests.support import Api, Stack, User, sent_emails, wait_for_emails


def book(api: Api, fan: User, event_id: str, seat_ids: list[str]) -> dict[str, Any]:
    hold = api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": seat_ids})
    assert hold.status_code == 201, hold.text
    booking = api.call(
        "POST", f"/holds/{hold.json()['hold_id']}/checkout", fan, json={"payment_token": "tok_visa"}
    )
    assert booking.status_code == 201, booking.text
    return dict(booking.json())


def settle(stack: Stack, to: str, subject: str, count: int, seconds: float = 4.0) -> list[dict[str, Any]]:
    """The e-mails once `count` arrived and a few more poll rounds found nothing new."""
    wait_for_emails(stack, to, subject, count)
    time.sleep(seconds)
    return [m for m in sent_emails(stack, to) if subject in m["subject"]]


@pytest.fixture
def bookings_stream_record(services: None, stack: Stack) -> Any:
    """Builds an INSERT record of a booking as the bookings stream carries it (read from the stack)."""
    from chalicelib import aws
    from chalicelib.models import Booking, table_name

    def build(booking_id: str) -> dict[str, Any]:
        item = aws.dynamodb().get_item(TableName=table_name(Booking), Key={"booking_id": {"S": booking_id}})[
            "Item"
        ]
        return {
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {"SequenceNumber": "1", "NewImage": item},
        }

    return build


def test_a_booking_gets_one_confirmation_even_after_a_duplicate_stream_record(
    api: Api, stack: Stack, bookings_stream_record: Any
) -> None:
    # GIVEN a customer who books two seats
    event_id, seat_ids = api.small_event()
    fan = api.new_user(name="Confirmed Fan")
    booking = book(api, fan, event_id, seat_ids[:2])

    # THEN one confirmation arrives, with the seats, the total and a QR code per ticket
    (confirmation,) = wait_for_emails(stack, fan.email, "Your tickets for Test Concert")
    for part in (confirmation["text"], confirmation["html"]):
        assert booking["booking_id"] in part
        assert seat_ids[0] in part and seat_ids[1] in part
        assert "USD 100.00" in part
    assert confirmation["images"] == 2
    assert confirmation["html"].count('src="data:image/png;base64,') == 2  # the outbox inlines them

    # ... readable as it is in the emulator's record of sent mail
    raw = requests.get(f"{stack.emulator_url}/moto-api/data.json", timeout=10).json()["ses"]["RawMessage"]
    (recorded,) = [r for r in raw if fan.email in r["destinations"]]
    assert booking["booking_id"] in recorded["raw_data"] and "USD 100.00" in recorded["raw_data"]

    # WHEN the stream delivers the booking's record again (forced duplicate)
    from functions import mailer

    assert mailer.bookings_handler({"Records": [bookings_stream_record(booking["booking_id"])]}, None) == {
        "batchItemFailures": []
    }
    # THEN still one confirmation
    assert len(settle(stack, fan.email, "Your tickets", 1)) == 1


def test_a_cancellation_gets_one_email(api: Api, stack: Stack) -> None:
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    booking = book(api, fan, event_id, seat_ids[:1])
    cancelled = api.call("POST", f"/bookings/{booking['booking_id']}/cancel", fan)
    assert cancelled.status_code == 200, cancelled.text

    (email,) = settle(stack, fan.email, "Booking cancelled: Test Concert", 1)
    assert booking["booking_id"] in email["text"] and "USD 50.00" in email["text"]
    assert len(wait_for_emails(stack, fan.email, "Your tickets")) == 1


def test_an_event_starting_within_a_day_gets_one_reminder_per_booking(api: Api, stack: Stack) -> None:
    event_id, seat_ids = api.small_event(starts_in=timedelta(hours=3), name="Soon Show")
    fan = api.new_user()
    booking = book(api, fan, event_id, seat_ids[:2])

    # The schedule runs every few seconds locally: several runs, one reminder.
    (reminder,) = settle(stack, fan.email, "Tomorrow: Soon Show", 1, seconds=12)
    assert booking["booking_id"] in reminder["text"] and seat_ids[0] in reminder["text"]


def test_followers_get_one_alert_per_new_event_until_they_unsubscribe(api: Api, stack: Stack) -> None:
    venue_id = api.create_venue(
        [
            {
                "section": "Floor",
                "price": {"amount": 3000, "currency": "USD"},
                "rows": [{"row": "A", "seats": 4}],
            }
        ],
        name="Alert Hall",
    )
    leaver, stayer = api.new_user(), api.new_user()

    # GIVEN two customers following the venue (following twice is one subscription)
    first = api.call("POST", f"/venues/{venue_id}/subscriptions", leaver)
    assert first.status_code == 201, first.text
    validate_response("POST", "/venues/{venue_id}/subscriptions", 201, first.json())
    again = api.call("POST", f"/venues/{venue_id}/subscriptions", leaver)
    assert again.status_code == 201 and again.json() == first.json()
    assert api.call("POST", f"/venues/{venue_id}/subscriptions", stayer).status_code == 201
    mine = api.call("GET", "/me/subscriptions", leaver).json()["subscriptions"]
    assert [(s["venue_id"], s["venue"]["name"]) for s in mine] == [(venue_id, "Alert Hall")]

    # WHEN a new event is published there, THEN each gets one alert with a link and unsubscribe headers
    event_id = api.create_event(venue_id, name="Alert Night")
    (alert,) = settle(stack, leaver.email, "New at Alert Hall: Alert Night", 1)
    assert f"/#/events/{event_id}" in alert["text"] and f"/#/events/{event_id}" in alert["html"]
    assert alert["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in alert["headers"]["List-Unsubscribe"].split(","))
    assert https.startswith(f"{stack.api_url}/unsubscribe?token=") and mailto.startswith("mailto:")
    assert len(wait_for_emails(stack, stayer.email, "Alert Night")) == 1

    # WHEN the leaver's mail client does the RFC 8058 one-click POST
    forged = requests.post(https[:-3] + "AAA", data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert forged.status_code == 400 and forged.json()["code"] == "invalid_unsubscribe_token"
    assert requests.get(https, timeout=10).status_code == 200  # the footer link's page changes nothing
    done = requests.post(https, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200, done.text
    assert done.json() == {"unsubscribed": "venue", "venue_id": venue_id}
    assert api.call("GET", "/me/subscriptions", leaver).json()["subscriptions"] == []

    # THEN the next event reaches the stayer only
    api.create_event(venue_id, name="Second Night")
    wait_for_emails(stack, stayer.email, "Second Night")
    time.sleep(2)
    assert [m for m in sent_emails(stack, leaver.email) if "Second Night" in m["subject"]] == []
    assert len(sent_emails(stack, leaver.email)) == 1


def test_following_an_unknown_venue_and_unfollowing(api: Api) -> None:
    fan = api.new_user()
    missing = api.call("POST", "/venues/NO-SUCH-VENUE/subscriptions", fan)
    assert missing.status_code == 404 and missing.json()["code"] == "venue_not_found"
    assert api.call("POST", "/venues/x/subscriptions").status_code == 401
    venue_id = api.create_venue(
        [
            {
                "section": "Floor",
                "price": {"amount": 3000, "currency": "USD"},
                "rows": [{"row": "A", "seats": 2}],
            }
        ]
    )
    assert api.call("POST", f"/venues/{venue_id}/subscriptions", fan).status_code == 201
    assert api.call("DELETE", f"/venues/{venue_id}/subscriptions", fan).status_code == 204
    assert api.call("DELETE", f"/venues/{venue_id}/subscriptions", fan).status_code == 204
    assert api.call("GET", "/me/subscriptions", fan).json() == {"subscriptions": []}


def test_marketing_consent_is_off_unless_given(api: Api) -> None:
    fan = api.new_user()
    assert api.call("GET", "/me/preferences", fan).json() == {"marketing_consent": False}
    given = api.call("PUT", "/me/preferences", fan, json={"marketing_consent": True})
    assert given.status_code == 200 and given.json() == {"marketing_consent": True}
    assert api.call("GET", "/me/preferences", fan).json() == {"marketing_consent": True}
    bad = api.call("PUT", "/me/preferences", fan, json={"marketing_consent": "yes please"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"

    # consent may also be given at sign-up
    email = f"consenting-{uuid.uuid4().hex[:10]}@example.com"
    signup = {"email": email, "password": "correct-horse-9", "name": "Keen Fan", "marketing_consent": True}
    assert api.call("POST", "/auth/signup", json=signup).status_code == 201
    keen = api.login(email, "correct-horse-9")
    assert api.call("GET", "/me/preferences", keen).json() == {"marketing_consent": True}


def test_the_developer_outbox_shows_sent_mail_newest_first(api: Api, stack: Stack) -> None:
    event_id, seat_ids = api.small_event()
    fan = api.new_user()
    book(api, fan, event_id, seat_ids[:1])
    wait_for_emails(stack, fan.email, "Your tickets")

    outbox = requests.get(f"{stack.web_url}/outbox.json", timeout=10)
    assert outbox.status_code == 200
    emails = outbox.json()["emails"]
    assert emails and all({"to", "subject", "date", "html", "text"} <= set(e) for e in emails)
    assert any(fan.email in e["to"] for e in emails)
    dates = [e["date"] for e in emails if e["date"]]
    assert dates == sorted(dates, reverse=True)
    page = requests.get(f"{stack.web_url}/outbox.html", timeout=10)
    assert page.status_code == 200 and "outbox.js" in page.text
