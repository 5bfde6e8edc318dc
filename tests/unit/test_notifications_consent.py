"""Following venues, marketing consent and one-click unsubscribe tokens; the MIME message as
the emulator records it, and the developer outbox that decodes it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.errors import InvalidUnsubscribeTokenError, VenueNotFoundError
from chalicelib.models import User, Venue, VenueSubscription, table_name
from chalicelib.notifications import compose, subscriptions
from chalicelib.notifications.unsubscribe import confirmation_page, make_token, read_token, ticket_code
from chalicelib.settings import Settings
from local.outbox import sent_mail
from tests.fakes.notifications import MailDynamoDB

KEY = b"s" * 48
USER = "11111111-2222-3333-4444-555555555555"
VENUE = "01JQ8Z7Y3K2W9V6T5R4P3N2M1V"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(settings: Settings) -> MailDynamoDB:
    fake = MailDynamoDB()
    fake.create_table(table_name(Venue), "venue_id")
    fake.create_table(table_name(User), "user_id")
    fake.create_table(
        table_name(VenueSubscription), "venue_id", "user_id", indexes={"by_user": ("user_id", "created_at")}
    )
    venue = Venue(
        venue_id=VENUE,
        name="Test Hall",
        city="Testville",
        address="1 Test St",
        time_zone="America/Chicago",
        sections=[],
        capacity=10,
        created_at=NOW,
    )
    fake.put_item(TableName=table_name(Venue), Item=venue.serialize())
    user = User(user_id=USER, email="fan@example.com", name="Fan", created_at=NOW)
    fake.put_item(TableName=table_name(User), Item=user.serialize())
    return fake


# --- tokens ------------------------------------------------------------------------------------


def test_a_token_names_its_customer_and_list() -> None:
    request = read_token(make_token(USER, f"venue:{VENUE}", key=KEY), key=KEY)
    assert (request.user_id, request.list_name, request.venue_id) == (USER, f"venue:{VENUE}", VENUE)
    assert read_token(make_token(USER, "marketing", key=KEY), key=KEY).venue_id is None


def _forge_payload(token: str, text: str) -> str:
    signature = token.split(".")[1]
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode() + "." + signature


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: _forge_payload(
            t, f"99999999-2222-3333-4444-555555555555|venue:{VENUE}"
        ),  # another customer
        lambda t: _forge_payload(t, f"{USER}|marketing"),  # another list
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
        lambda t: make_token(USER, f"venue:{VENUE}", key=b"x" * 48),  # signed with another key
        lambda t: t.split(".")[0],  # no signature
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: "a.b.c",
        lambda t: "%%%.***",
        lambda t: t + "." + t,
    ],
)
def test_forged_or_broken_tokens_are_refused(forge: Any) -> None:
    token = make_token(USER, f"venue:{VENUE}", key=KEY)
    with pytest.raises(InvalidUnsubscribeTokenError) as raised:
        read_token(forge(token), key=KEY)
    assert raised.value.status == 400 and raised.value.code == "invalid_unsubscribe_token"


def test_ticket_codes_are_signed_per_seat() -> None:
    first, second = ticket_code("B1", "FLOOR-A-1", key=KEY), ticket_code("B1", "FLOOR-A-2", key=KEY)
    assert first.startswith("ONSALE1:B1:FLOOR-A-1:") and first != second
    assert ticket_code("B1", "FLOOR-A-1", key=b"x" * 48) != first


def test_the_footer_page_never_unsubscribes_by_itself_and_escapes_the_token() -> None:
    page = confirmation_page('"><script>alert(1)</script>')
    assert '<form method="post"' in page and "<script>" not in page


# --- following venues, consent, unsubscribing --------------------------------------------------------


def test_following_is_idempotent_and_listed(db: MailDynamoDB) -> None:
    first = subscriptions.follow_venue(USER, VENUE, db=db)
    again = subscriptions.follow_venue(USER, VENUE, db=db)
    assert first == again
    (listed,) = subscriptions.list_subscriptions(USER, db=db)
    assert listed["subscription_id"] == first["subscription_id"]
    assert listed["venue"] == {
        "venue_id": VENUE,
        "name": "Test Hall",
        "city": "Testville",
        "time_zone": "America/Chicago",
    }
    assert list(subscriptions.subscribers(VENUE, db=db)) == [USER]


def test_following_an_unknown_venue_is_venue_not_found(db: MailDynamoDB) -> None:
    with pytest.raises(VenueNotFoundError):
        subscriptions.follow_venue(USER, "NO-SUCH-VENUE", db=db)
    with pytest.raises(VenueNotFoundError):
        subscriptions.unfollow_venue(USER, "NO-SUCH-VENUE", db=db)


def test_unfollowing_and_unsubscribing_by_token_end_the_alerts(db: MailDynamoDB) -> None:
    subscriptions.follow_venue(USER, VENUE, db=db)
    subscriptions.unfollow_venue(USER, VENUE, db=db)
    subscriptions.unfollow_venue(USER, VENUE, db=db)  # twice is fine
    assert list(subscriptions.subscribers(VENUE, db=db)) == []

    subscriptions.follow_venue(USER, VENUE, db=db)
    token = make_token(USER, f"venue:{VENUE}", key=KEY)
    assert subscriptions.unsubscribe(token, db=db, key=KEY) == {"unsubscribed": "venue", "venue_id": VENUE}
    assert subscriptions.unsubscribe(token, db=db, key=KEY) == {"unsubscribed": "venue", "venue_id": VENUE}
    assert subscriptions.list_subscriptions(USER, db=db) == []


def test_marketing_consent_is_given_and_withdrawn_by_token(db: MailDynamoDB) -> None:
    assert subscriptions.get_preferences(USER, db=db) == {"marketing_consent": False}
    assert subscriptions.set_marketing_consent(USER, True, db=db) == {"marketing_consent": True}
    assert subscriptions.get_preferences(USER, db=db) == {"marketing_consent": True}

    subscriptions.unsubscribe(make_token(USER, "marketing", key=KEY), db=db, key=KEY)
    assert subscriptions.get_preferences(USER, db=db) == {"marketing_consent": False}


def test_a_forged_unsubscribe_changes_nothing(db: MailDynamoDB) -> None:
    subscriptions.follow_venue(USER, VENUE, db=db)
    with pytest.raises(InvalidUnsubscribeTokenError):
        subscriptions.unsubscribe(make_token(USER, f"venue:{VENUE}", key=b"x" * 48), db=db, key=KEY)
    assert list(subscriptions.subscribers(VENUE, db=db)) == [USER]


def test_erasure_helpers_remove_every_subscription(db: MailDynamoDB) -> None:
    subscriptions.follow_venue(USER, VENUE, db=db)
    assert subscriptions.delete_subscriptions_of(USER, db=db) == 1
    assert subscriptions.list_subscriptions(USER, db=db) == []


# --- the message as the emulator records it ------------------------------------------------------


def rendered(name: str = "Café Concert") -> compose.RenderedEmail:
    email = compose.render(
        "venue_alert",
        {
            "recipient_name": "Zoë",
            "event": {
                "name": name,
                "description": "Long " * 400,
                "starts": "Mon 01 Mar 2027, 12:00 UTC",
                "venue_name": "Test Hall",
                "venue_city": "Testville",
                "venue_address": "1 Test St",
                "url": "http://web/#/events/E1",
            },
            "unsubscribe_url": "http://api/unsubscribe?token=abc.def",
            "recommendations": [],
        },
        images=(
            compose.InlineImage(
                cid="ticket-1@onsale", data=compose.qr_png("ONSALE1:B1:A-1-1:x"), filename="t.png"
            ),
        ),
    )
    return email


def test_html_goes_out_7bit_and_readable_even_with_accents() -> None:
    raw = compose.mime_message(
        rendered(),
        sender="Onsale <no-reply@onsale.local>",
        to="fan@example.com",
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    ).decode("ascii")
    assert "Caf&#233; Concert" in raw  # the HTML part, as it is in the raw message
    assert 'href="http://web/#/events/E1"' in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert all(len(line) <= 998 for line in raw.splitlines())


def test_the_outbox_decodes_raw_and_simple_messages_newest_first() -> None:
    raw = compose.mime_message(
        rendered(), sender="Onsale <no-reply@onsale.local>", to="fan@example.com"
    ).decode()
    data = {
        "ses": {
            "Message": [
                {
                    "id": "m1",
                    "destinations": {"ToAddresses": ["a@example.com"]},
                    "source": "s",
                    "subject": "Plain",
                    "body": "<b>x</b>",
                }
            ],
            "RawMessage": [
                {
                    "id": "r1",
                    "destinations": ["fan@example.com", "fan@example.com"],
                    "source": "s",
                    "raw_data": raw,
                }
            ],
        }
    }
    newest, oldest = sent_mail(data)
    assert newest["id"] == "r1" and newest["to"] == ["fan@example.com"]
    assert newest["subject"] == "New at Test Hall: Café Concert"
    assert "Zoë" in newest["text"]
    assert "Caf&#233; Concert" in newest["html"]
    assert newest["date"]
    assert oldest == {
        "id": "m1",
        "to": ["a@example.com"],
        "from": "s",
        "subject": "Plain",
        "date": None,
        "text": "",
        "html": "<b>x</b>",
        "headers": {},
    }
