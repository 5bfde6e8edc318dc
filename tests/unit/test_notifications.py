"""E-mails off the streams and the schedule: exactly once per fact, whatever the duplicates,
replays, crashes and failures; recipients resolved at send time; nothing logged about people."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.models import (
    Booking,
    Erasure,
    Event,
    Money,
    SentEmail,
    User,
    Venue,
    VenueSubscription,
    table_name,
)
from chalicelib.notifications import ledger, streams
from chalicelib.notifications.postman import Postman, when
from chalicelib.notifications.reminders import send_due_reminders
from chalicelib.settings import Settings
from tests.fakes.catalog import EVENT_ID, NOW, make_event
from tests.fakes.notifications import FakeSes, MailDynamoDB

KEY = b"k" * 48
FAN = "11111111-2222-3333-4444-555555555555"
FAN_EMAIL = "fan.person@example.com"
FAN_NAME = "Fiona Fanperson"
OTHER = "99999999-8888-7777-6666-555555555555"
OTHER_EMAIL = "other.person@example.com"
VENUE_ID = "01JQ8Z7Y3K2W9V6T5R4P3N2M1V"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def db(settings: Settings) -> MailDynamoDB:
    fake = MailDynamoDB()
    fake.create_table(table_name(SentEmail), "fact_key", indexes={"by_user": ("user_id", "created_at")})
    fake.create_table(table_name(User), "user_id")
    fake.create_table(table_name(Erasure), "user_id")
    fake.create_table(table_name(Event), "event_id")
    fake.create_table(table_name(Venue), "venue_id")
    fake.create_table(
        table_name(VenueSubscription), "venue_id", "user_id", indexes={"by_user": ("user_id", "created_at")}
    )
    fake.create_table(
        table_name(Booking),
        "booking_id",
        indexes={"by_user": ("user_id", "created_at"), "by_event": ("event_id", "created_at")},
    )
    add_user(fake, FAN, FAN_EMAIL, FAN_NAME)
    add_user(fake, OTHER, OTHER_EMAIL, "Oscar Other")
    fake.put_item(TableName=table_name(Event), Item=make_event().serialize())
    return fake


def add_user(db: MailDynamoDB, user_id: str, email: str, name: str, consent: bool = False) -> None:
    user = User(user_id=user_id, email=email, name=name, created_at=NOW)
    if consent:
        user.marketing_consent = True
    db.put_item(TableName=table_name(User), Item=user.serialize())


@pytest.fixture
def ses() -> FakeSes:
    return FakeSes()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def postman(db: MailDynamoDB, ses: FakeSes, settings: Settings, clock: Clock) -> Postman:
    return Postman(db=db, ses=ses, settings=settings, key=lambda: KEY, clock=clock)


# --- stream records, built by hand as DynamoDB Streams delivers them ---------------------------

_sequence = iter(range(1000, 10**6))


def record(event_name: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    change: dict[str, Any] = {"SequenceNumber": str(next(_sequence))}
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": change}


def booking_image(booking_id: str = "B1", status: str = "confirmed", user_id: str = FAN) -> dict[str, Any]:
    booking = Booking(
        booking_id=booking_id,
        user_id=user_id,
        event_id=EVENT_ID,
        hold_id="H1",
        seat_ids=["FLOOR-A-1", "FLOOR-A-2"],
        status=status,
        total=Money(amount=10000, currency="USD"),
        payment_id="pay_1",
        created_at=NOW,
    )
    return booking.serialize()


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


Handler = Callable[[dict[str, Any]], dict[str, Any]]


def bookings(postman: Postman) -> Handler:
    return lambda event: streams.handle_stream(event, streams.booking_facts, postman)


def events(postman: Postman) -> Handler:
    return lambda event: streams.handle_stream(event, streams.event_facts, postman)


def waitlist(postman: Postman) -> Handler:
    return lambda event: streams.handle_stream(event, streams.waitlist_facts, postman)


NO_FAILURES: dict[str, Any] = {"batchItemFailures": []}


# --- confirmations and cancellations ----------------------------------------------------------


def test_a_confirmation_goes_out_once_under_duplicates_and_replays(postman: Postman, ses: FakeSes) -> None:
    insert = record("INSERT", booking_image())
    duplicate = {**insert, "dynamodb": {**insert["dynamodb"], "SequenceNumber": "1"}}  # moto's double INSERT

    assert bookings(postman)(batch(insert, duplicate)) == NO_FAILURES
    assert bookings(postman)(batch(insert, duplicate)) == NO_FAILURES  # the whole batch replayed

    (sent,) = ses.sent
    assert sent.destinations == [FAN_EMAIL]
    assert sent.subject == "Your tickets for Test Concert"
    text, html = sent.text(), sent.html()
    for part in (text, html):
        assert "FLOOR-A-1" in part and "FLOOR-A-2" in part
        assert "USD 100.00" in part
        assert "B1" in part
    assert "Test Hall" in text and "Wed 31 Mar 2027, 12:00 UTC" in text
    images = sent.images()
    assert len(images) == 2  # one QR code per ticket
    assert all(image.startswith(b"\x89PNG") for image in images)
    assert html.count('src="cid:ticket-') == 2
    assert "List-Unsubscribe" not in sent.message  # transactional only: no marketing in it


def test_the_sent_mail_ledger_records_the_fact_with_the_ses_message_id(
    postman: Postman, db: MailDynamoDB
) -> None:
    bookings(postman)(batch(record("INSERT", booking_image())))

    (emailed,) = ledger.emails_sent_to(FAN, db=db)
    assert emailed["fact_key"] == "booking_confirmed#B1"
    assert emailed["status"] == "sent" and emailed["message_id"] == "ses-1"
    assert emailed["subject"] == "Your tickets for Test Concert"
    assert FAN_EMAIL not in str(db.items(table_name(SentEmail)))  # addresses live in `users` only


def test_a_cancellation_goes_out_once_and_only_for_confirmed_to_cancelled(
    postman: Postman, ses: FakeSes
) -> None:
    cancel = record("MODIFY", booking_image(status="cancelled"), old=booking_image())
    again = record("MODIFY", booking_image(status="cancelled"), old=booking_image(status="cancelled"))

    assert bookings(postman)(batch(cancel, cancel, again)) == NO_FAILURES
    assert bookings(postman)(batch(cancel)) == NO_FAILURES

    (sent,) = ses.sent
    assert sent.subject == "Booking cancelled: Test Concert"
    assert "USD 100.00 will be refunded" in sent.text()
    assert sent.images() == []


def test_a_crash_between_claim_and_send_is_sent_after_the_lease(
    postman: Postman, ses: FakeSes, db: MailDynamoDB, clock: Clock, settings: Settings
) -> None:
    # GIVEN a sender that claimed the confirmation and died before sending it
    ledger.claim(
        db,
        fact_key="booking_confirmed#B1",
        user_id=FAN,
        kind="booking_confirmed",
        now=clock(),
        lease_seconds=settings.notification_lease_seconds,
    )
    insert = record("INSERT", booking_image())

    # WHEN Lambda retries the batch within the lease, THEN nothing is sent and the record is retried
    clock.advance(1)
    assert bookings(postman)(batch(insert)) == {
        "batchItemFailures": [{"itemIdentifier": insert["dynamodb"]["SequenceNumber"]}]
    }
    assert ses.sent == []

    # WHEN it retries after the lease, THEN the e-mail goes out, once
    clock.advance(settings.notification_lease_seconds)
    assert bookings(postman)(batch(insert)) == NO_FAILURES
    assert bookings(postman)(batch(insert)) == NO_FAILURES
    assert len(ses.sent) == 1


def test_a_failing_send_is_a_batch_item_failure_retried_without_touching_the_booking(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    first = record("INSERT", booking_image("B1"))
    failing = record("INSERT", booking_image("B2"))
    last = record("INSERT", booking_image("B3"))

    # SES accepts B1, then throttles B2: the batch reports B2 (Lambda retries from there).
    original = ses.send_raw_email
    calls = {"n": 0}

    def flaky(**kwargs: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 2:
            ses.fail_next("Throttling")
        return original(**kwargs)

    ses.send_raw_email = flaky  # type: ignore[method-assign]
    result = bookings(postman)(batch(first, failing, last))
    assert result == {"batchItemFailures": [{"itemIdentifier": failing["dynamodb"]["SequenceNumber"]}]}
    assert [m.raw.count(b"B1") > 0 for m in ses.sent] == [True]

    # The retry (from B2 on) sends B2 and B3 at once: the failed claim was released.
    assert bookings(postman)(batch(failing, last)) == NO_FAILURES
    assert len(ses.sent) == 3
    assert not any(
        call.kwargs.get("TableName") == table_name(Booking)
        for call in db.calls
        if call.operation in {"put_item", "update_item", "delete_item"}
    )


def test_nobody_is_mailed_who_no_longer_exists_or_was_erased(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    db.delete_item(TableName=table_name(User), Key={"user_id": {"S": OTHER}})
    db.put_item(TableName=table_name(Erasure), Item={"user_id": {"S": FAN}, "erased_at": {"N": "1"}})

    assert (
        bookings(postman)(
            batch(record("INSERT", booking_image("B1")), record("INSERT", booking_image("B2", user_id=OTHER)))
        )
        == NO_FAILURES
    )

    assert ses.sent == []
    statuses = {
        i["fact_key"]["S"]: (i["status"]["S"], i["reason"]["S"]) for i in db.items(table_name(SentEmail))
    }
    assert statuses == {
        "booking_confirmed#B1": ("skipped", "no_recipient"),
        "booking_confirmed#B2": ("skipped", "no_recipient"),
    }


# --- recommendations in confirmations (marketing: consent only) -----------------------------------


def suggestion(event_id: str, name: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "name": name,
        "venue": {"venue_id": "V2", "name": "Other Hall", "city": "Elsewhere"},
        "start_at": "2027-04-01T20:00:00Z",
    }


def test_recommendations_only_with_consent_and_with_a_one_click_unsubscribe(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    asked: list[str] = []

    def recommend(event_id: str, limit: int = 6) -> list[dict[str, Any]]:
        asked.append(event_id)
        return [suggestion("E2", "Next <b>Big</b> Thing")]

    postman.recommend = recommend
    add_user(db, FAN, FAN_EMAIL, FAN_NAME, consent=True)

    bookings(postman)(
        batch(record("INSERT", booking_image("B1")), record("INSERT", booking_image("B2", user_id=OTHER)))
    )

    with_consent, without = ses.to(FAN_EMAIL)[0], ses.to(OTHER_EMAIL)[0]
    assert asked == [EVENT_ID]
    assert "Next &lt;b&gt;Big&lt;/b&gt; Thing" in with_consent.html()
    assert "Next <b>Big</b> Thing" in with_consent.text()
    assert with_consent.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe?token=" in with_consent.message["List-Unsubscribe"]
    assert "Next" not in without.text() and "List-Unsubscribe" not in without.message


def test_failing_recommendations_never_hold_a_confirmation_back(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    def broken(event_id: str, limit: int = 6) -> list[dict[str, Any]]:
        raise RuntimeError("search is down")

    postman.recommend = broken
    add_user(db, FAN, FAN_EMAIL, FAN_NAME, consent=True)

    assert bookings(postman)(batch(record("INSERT", booking_image()))) == NO_FAILURES

    (sent,) = ses.sent
    assert "FLOOR-A-1" in sent.text() and "List-Unsubscribe" not in sent.message


# --- venue alerts ------------------------------------------------------------------------------


def follow(db: MailDynamoDB, user_id: str, venue_id: str = VENUE_ID) -> None:
    item = VenueSubscription(
        venue_id=venue_id, user_id=user_id, subscription_id=f"S-{user_id[:4]}", created_at=NOW
    )
    db.put_item(TableName=table_name(VenueSubscription), Item=item.serialize())


def published(event: Event) -> dict[str, Any]:
    ready = event.serialize()
    provisioning = {**ready, "inventory_status": {"S": "provisioning"}}
    return record("MODIFY", ready, old=provisioning)


def test_each_follower_gets_one_alert_with_a_link_and_one_click_unsubscribe(
    postman: Postman, ses: FakeSes, db: MailDynamoDB, settings: Settings
) -> None:
    follow(db, FAN)
    follow(db, OTHER)
    follow(db, "not-a-user-any-more")
    event = make_event(event_id="E-NEW")
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    change = published(event)
    insert = record("INSERT", {**event.serialize(), "inventory_status": {"S": "provisioning"}})
    republished = record("MODIFY", event.serialize(), old=event.serialize())

    assert events(postman)(batch(insert, change, change, republished)) == NO_FAILURES
    assert events(postman)(batch(change)) == NO_FAILURES

    assert sorted(m.destinations[0] for m in ses.sent) == [FAN_EMAIL, OTHER_EMAIL]
    alert = ses.to(FAN_EMAIL)[0]
    assert alert.subject == "New at Test Hall: Test Concert"
    assert f"{settings.web_url}/#/events/E-NEW" in alert.text()
    assert f'href="{settings.web_url}/#/events/E-NEW"' in alert.html()
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in alert.message["List-Unsubscribe"].split(","))
    assert https.startswith(f"{settings.api_url}/unsubscribe?token=")
    assert mailto.startswith("mailto:")


def test_no_alert_for_a_past_event_or_after_unfollowing(
    postman: Postman, ses: FakeSes, db: MailDynamoDB, clock: Clock
) -> None:
    follow(db, FAN)
    past = make_event(event_id="E-OLD", start_at=NOW - timedelta(days=1))
    events(postman)(batch(published(past)))
    assert ses.sent == []

    # The follower leaves between the fan-out and the send (a retried record, say).
    fresh = make_event(event_id="E-NEW")
    db.put_item(TableName=table_name(Event), Item=fresh.serialize())
    from chalicelib.notifications import facts

    db.delete_item(
        TableName=table_name(VenueSubscription), Key={"venue_id": {"S": VENUE_ID}, "user_id": {"S": FAN}}
    )
    assert postman.deliver(facts.venue_alert(event_id="E-NEW", venue_id=VENUE_ID, user_id=FAN)) == "skipped"
    assert ses.sent == []


# --- waitlist offers -------------------------------------------------------------------------------


def entry(status: str, offer_count: int, hold: str | None = None) -> dict[str, Any]:
    image: dict[str, Any] = {
        "waitlist_id": {"S": "W1"},
        "event_id": {"S": EVENT_ID},
        "user_id": {"S": FAN},
        "quantity": {"N": "2"},
        "status": {"S": status},
        "offer_count": {"N": str(offer_count)},
    }
    if hold:
        image["offer_hold_id"] = {"S": hold}
        image["offer_expires_at"] = {"N": str(int(NOW.timestamp()) + 900)}
    return image


def test_each_new_offer_is_mailed_once(postman: Postman, ses: FakeSes, settings: Settings) -> None:
    first = record("MODIFY", entry("offered", 1, "HOLD1"), old=entry("waiting", 0))
    touched = record("MODIFY", entry("offered", 1, "HOLD1"), old=entry("offered", 1, "HOLD1"))
    lapsed = record("MODIFY", entry("lapsed", 1, "HOLD1"), old=entry("offered", 1, "HOLD1"))
    second = record("MODIFY", entry("offered", 2, "HOLD2"), old=entry("waiting", 1))

    assert waitlist(postman)(batch(first, first, touched, lapsed, second, second)) == NO_FAILURES

    assert len(ses.sent) == 2
    offer = ses.sent[0]
    assert offer.subject == "Seats are waiting for you: Test Concert"
    assert "HOLD1" in offer.text() and "Mon 01 Mar 2027, 12:15 UTC" in offer.text()
    assert f"{settings.web_url}/#/holds/HOLD1" in offer.text()
    assert "HOLD2" in ses.sent[1].text()


# --- times in the venue's zone ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "zone", "shown"),
    [
        ("2026-12-13T01:30:00+00:00", "America/Chicago", "Sat 12 Dec 2026, 19:30 CST"),  # the day before
        ("2027-07-13T01:30:00+00:00", "America/Chicago", "Mon 12 Jul 2027, 20:30 CDT"),
        # The night Chicago springs forward (2 AM CST becomes 3 AM CDT): an hour apart in UTC,
        # two hours apart on the venue's clock, each with its own abbreviation.
        ("2027-03-14T07:30:00+00:00", "America/Chicago", "Sun 14 Mar 2027, 01:30 CST"),
        ("2027-03-14T08:30:00+00:00", "America/Chicago", "Sun 14 Mar 2027, 03:30 CDT"),
        ("2027-01-20T19:30:00+00:00", "Europe/London", "Wed 20 Jan 2027, 19:30 GMT"),
        ("2027-06-20T18:30:00+00:00", "Europe/London", "Sun 20 Jun 2027, 19:30 BST"),
        ("2027-06-20T15:30:00+00:00", "Asia/Dubai", "Sun 20 Jun 2027, 19:30 UTC+04"),  # no letters
        ("2026-12-13T01:30:00+00:00", None, "Sun 13 Dec 2026, 01:30 UTC"),
        ("2026-12-13T01:30:00+00:00", "", "Sun 13 Dec 2026, 01:30 UTC"),
        ("2026-12-13T01:30:00+00:00", "Nowhere/Atlantis", "Sun 13 Dec 2026, 01:30 UTC"),
        ("2026-12-13T01:30:00+00:00", "../../etc/passwd", "Sun 13 Dec 2026, 01:30 UTC"),
    ],
)
def test_times_are_the_venues_with_its_abbreviation_else_utc(
    moment: str, zone: str | None, shown: str
) -> None:
    assert when(datetime.fromisoformat(moment), zone) == shown


def store_zoned_event(db: MailDynamoDB, zone: str) -> None:
    event = make_event()
    event.venue.time_zone = zone
    db.put_item(TableName=table_name(Event), Item=event.serialize())


def test_a_confirmation_shows_the_start_in_the_venues_zone_without_reading_the_venue(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    store_zoned_event(db, "America/Chicago")
    db.calls.clear()

    bookings(postman)(batch(record("INSERT", booking_image())))

    (sent,) = ses.sent
    # Starts 2027-03-31 12:00 UTC: 07:00 in Chicago, on daylight time since 14 March.
    assert "Wed 31 Mar 2027, 07:00 CDT" in sent.text() and "Wed 31 Mar 2027, 07:00 CDT" in sent.html()
    assert "UTC" not in sent.text()
    tables = {call.kwargs.get("TableName") for call in db.calls}
    assert table_name(Venue) not in tables  # the event's own copy of its venue is enough


def test_an_offer_shows_its_expiry_and_the_start_in_the_venues_zone(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    store_zoned_event(db, "America/Chicago")

    waitlist(postman)(batch(record("MODIFY", entry("offered", 1, "HOLD1"), old=entry("waiting", 0))))

    (offer,) = ses.sent
    # The hold lapses on 1 March, still standard time; the event is after the change.
    assert "until Mon 01 Mar 2027, 06:15 CST" in offer.text()
    assert "Wed 31 Mar 2027, 07:00 CDT" in offer.text()


def test_recommended_events_show_their_own_venues_zone(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    london = {
        **suggestion("E2", "In London"),
        "venue": {"venue_id": "V2", "name": "Bramble", "city": "London", "time_zone": "Europe/London"},
    }
    unzoned = suggestion("E3", "Anywhere")
    postman.recommend = lambda event_id, limit=6: [london, unzoned]
    add_user(db, FAN, FAN_EMAIL, FAN_NAME, consent=True)

    bookings(postman)(batch(record("INSERT", booking_image())))

    text = ses.sent[0].text()
    assert "In London, Thu 01 Apr 2027, 21:00 BST" in text
    assert "Anywhere, Thu 01 Apr 2027, 20:00 UTC" in text


# --- reminders ------------------------------------------------------------------------------------


def store_booking(db: MailDynamoDB, booking_id: str, event_id: str, status: str = "confirmed") -> None:
    image = booking_image(booking_id, status=status)
    image["event_id"] = {"S": event_id}
    db.put_item(TableName=table_name(Booking), Item=image)


def test_one_reminder_per_confirmed_booking_of_events_starting_within_a_day(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    soon = make_event(event_id="E-SOON", start_at=NOW + timedelta(hours=5))
    later = make_event(event_id="E-LATER", start_at=NOW + timedelta(days=3))
    gone = make_event(event_id="E-GONE", start_at=NOW - timedelta(hours=1))
    for event in (soon, later, gone):
        db.put_item(TableName=table_name(Event), Item=event.serialize())
    store_booking(db, "B-SOON", "E-SOON")
    store_booking(db, "B-CANCELLED", "E-SOON", status="cancelled")
    store_booking(db, "B-LATER", "E-LATER")
    store_booking(db, "B-GONE", "E-GONE")

    assert send_due_reminders(postman) == {"sent": 1}
    assert send_due_reminders(postman) == {"duplicate": 1}  # an overlapping or later run

    (reminder,) = ses.sent
    assert reminder.subject == "Tomorrow: Test Concert"
    assert "B-SOON" in reminder.text() and "FLOOR-A-1" in reminder.text()


def test_a_reminder_run_leaves_claimed_reminders_to_their_run_and_retries_failures(
    postman: Postman, ses: FakeSes, db: MailDynamoDB, clock: Clock, settings: Settings
) -> None:
    db.put_item(
        TableName=table_name(Event),
        Item=make_event(event_id="E-SOON", start_at=NOW + timedelta(hours=2)).serialize(),
    )
    store_booking(db, "B1", "E-SOON")
    store_booking(db, "B2", "E-SOON")
    ledger.claim(db, fact_key="reminder#B1", user_id=FAN, kind="reminder", now=clock(), lease_seconds=60)
    ses.fail_next()

    assert send_due_reminders(postman) == {"busy": 1, "failed": 1}
    clock.advance(61)
    assert send_due_reminders(postman) == {"sent": 2}
    assert len(ses.sent) == 2


# --- templates ---------------------------------------------------------------------------------


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_event_names_and_descriptions_come_out_escaped(
    postman: Postman, ses: FakeSes, db: MailDynamoDB
) -> None:
    event = make_event()
    event.name = f"Rock {HOSTILE}\r\nBcc: victim@example.com"
    event.description = f"Join us {HOSTILE} & friends"
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    follow(db, FAN)

    bookings(postman)(batch(record("INSERT", booking_image())))
    events(postman)(batch(published(event)))

    assert len(ses.sent) == 2
    for sent in ses.sent:
        html = sent.html()
        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
        assert "Bcc" not in str(sent.message.get("Bcc", "")) and sent.message["Bcc"] is None
        assert "\n" not in sent.subject
        assert sent.destinations == [FAN_EMAIL]
    assert HOSTILE in ses.sent[1].text()  # plain text is shown as it is, never interpreted
    assert "&amp;" in ses.sent[1].html() and "friends" in ses.sent[1].html()


# --- privacy ----------------------------------------------------------------------------------------


def test_logs_carry_ids_never_addresses_or_names(
    postman: Postman, ses: FakeSes, db: MailDynamoDB, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    follow(db, FAN)
    event = make_event(event_id="E-NEW")
    db.put_item(TableName=table_name(Event), Item=event.serialize())
    ses.fail_next("MessageRejected")

    bookings(postman)(batch(record("INSERT", booking_image())))  # fails once
    bookings(postman)(batch(record("INSERT", booking_image())))
    events(postman)(batch(published(event)))

    assert len(ses.sent) == 2
    assert "booking_confirmed#B1" in caplog.text
    for secret in (FAN_EMAIL, OTHER_EMAIL, FAN_NAME, "Fiona", "4242"):
        assert secret not in caplog.text


def test_other_booking_changes_send_nothing(postman: Postman, ses: FakeSes) -> None:
    # e.g. erasure pseudonymising a confirmed booking, or a stray record without images
    pseudonymised = {**booking_image(), "user_id": {"S": "erased-0001"}}
    changes = [
        record("MODIFY", pseudonymised, old=booking_image()),
        record("REMOVE", None, old=booking_image()),
        record("MODIFY", booking_image(status="cancelled"), old=booking_image(status="cancelled")),
    ]
    assert bookings(postman)(batch(*changes)) == NO_FAILURES
    assert ses.sent == []
