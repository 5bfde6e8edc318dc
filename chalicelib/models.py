"""PynamoDB models: the one schema of every table.

The models define keys, indexes, TTL attributes and (de)serialisation. Calls to DynamoDB go
through the client factory in `chalicelib.aws` (so that reads can go through DAX and every call
can be counted); `Model.serialize()` / `Model.from_raw_data()` convert between the two.
`Meta.table_name` holds the short name; `table_name(Model)` adds the stage prefix.
`Meta.stream` names the stream view a table needs (consumers read it), or None.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, TypeVar

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.attributes import TTLAttribute as _TTLAttribute
from pynamodb.constants import STRING
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import get_settings

M = TypeVar("M", bound=Model)


class TTLAttribute(_TTLAttribute):
    """TTL attribute (epoch seconds). DynamoDB deletes expired items eventually; never relied on."""


class Money(MapAttribute[str, Any]):
    amount = NumberAttribute()
    currency = UnicodeAttribute()


class RowLayout(NamedTuple):
    row: str
    seats: int


class RowsAttribute(Attribute[list[RowLayout]]):
    """A section's rows as one compact JSON string, `[["A",28],["B",30]]`.

    As a list of maps, a stadium's 2,000 rows made its event item ~115 KB, which every cold read,
    cache refresh and stream record then parsed attribute by attribute (~60 ms of CPU in the
    API, far more in the emulator); as strings the item is ~37 KB and parses in a few ms."""

    attr_type = STRING

    def serialize(self, value: list[RowLayout]) -> str:
        return json.dumps([[row.row, int(row.seats)] for row in value], separators=(",", ":"))

    def deserialize(self, value: str) -> list[RowLayout]:
        return [RowLayout(str(row), int(seats)) for row, seats in json.loads(value)]


class SectionLayout(MapAttribute[str, Any]):
    section = UnicodeAttribute()
    slug = UnicodeAttribute()
    price = Money()
    rows = RowsAttribute()


class Venue(Model):
    class Meta:
        table_name = "venues"
        stream: str | None = None

    venue_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    city = UnicodeAttribute()
    address = UnicodeAttribute()
    sections = ListAttribute(of=SectionLayout)
    capacity = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    time_zone = UnicodeAttribute(null=True)  # IANA name; absent on venues created without one


class VenueRef(MapAttribute[str, Any]):
    """The copy of its venue an event carries (views, search documents and e-mails need no
    venue read)."""

    venue_id = UnicodeAttribute()
    name = UnicodeAttribute()
    city = UnicodeAttribute()
    address = UnicodeAttribute()
    time_zone = UnicodeAttribute(null=True)  # absent on events stored before venues had zones


class EventSection(MapAttribute[str, Any]):
    section = UnicodeAttribute()
    slug = UnicodeAttribute()
    price = Money()
    total = NumberAttribute()
    rows = RowsAttribute()


class OnsaleSettings(MapAttribute[str, Any]):
    opens_at = UTCDateTimeAttribute()
    hold_seconds = NumberAttribute()
    max_per_order = NumberAttribute()
    queue_required = BooleanAttribute()
    admit_per_minute = NumberAttribute()


class Event(Model):
    class Meta:
        table_name = "events"
        stream: str | None = "NEW_AND_OLD_IMAGES"  # feeds the search index

    event_id = UnicodeAttribute(hash_key=True)
    venue_id = UnicodeAttribute()
    venue = VenueRef()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    category = UnicodeAttribute()
    performers = ListAttribute(of=UnicodeAttribute, default=list)
    start_at = UTCDateTimeAttribute()
    end_at = UTCDateTimeAttribute()
    sections = ListAttribute(of=EventSection)
    capacity = NumberAttribute()
    onsale = OnsaleSettings()
    # "provisioning" while seat items are being written, then "ready".
    inventory_status = UnicodeAttribute(default="provisioning")
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class Seat(Model):
    """One item per seat per event, partitioned by event and section.

    A seat is free when `status = available` and it carries no unexpired hold
    (`hold_expires_at` absent or in the past): expiry needs no cleanup job.
    """

    class Meta:
        table_name = "seats"
        stream: str | None = "NEW_AND_OLD_IMAGES"  # live seat maps and availability counts

    # Kept lean on purpose: section, row, number and price all follow from the key and the
    # event's layout, and a stadium is 56,000 of these items.
    event_section = UnicodeAttribute(hash_key=True)  # "{event_id}#{section slug}"
    seat_id = UnicodeAttribute(range_key=True)  # "{section slug}-{row}-{number}"
    status = UnicodeAttribute(default="available")  # available | sold
    hold_id = UnicodeAttribute(null=True)
    hold_user_id = UnicodeAttribute(null=True)
    hold_expires_at = NumberAttribute(null=True)  # epoch seconds
    booking_id = UnicodeAttribute(null=True)


class SectionAvailability(Model):
    """Per-section seat states for views, written only by the seats stream consumer; and, under
    `section = availability.EVENT_COPY`, a copy of the event's item, written with the event."""

    class Meta:
        table_name = "availability"
        stream: str | None = "KEYS_ONLY"  # the search index re-reads an event's availability

    event_id = UnicodeAttribute(hash_key=True)
    section = UnicodeAttribute(range_key=True)  # section slug
    sold = UnicodeSetAttribute(null=True)
    held = MapAttribute[str, Any](null=True)  # seat id -> hold expiry, epoch seconds
    updated_at = NumberAttribute(null=True)


class HoldsByUser(GlobalSecondaryIndex["Hold"]):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Hold(Model):
    class Meta:
        table_name = "holds"
        stream: str | None = None

    hold_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    seat_ids = ListAttribute(of=UnicodeAttribute)
    total = Money()
    status = UnicodeAttribute(default="active")  # active | released | converted
    expires_at = NumberAttribute()  # epoch seconds, the truth for expiry
    ttl = TTLAttribute()  # housekeeping only: expires_at + a day
    booking_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    by_user = HoldsByUser()


class BookingsByUser(GlobalSecondaryIndex["Booking"]):
    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BookingsByEvent(GlobalSecondaryIndex["Booking"]):
    """Who booked an event: reminders, waitlist offers, "fans who booked this also booked"."""

    class Meta:
        index_name = "by_event"
        projection = AllProjection()

    event_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Booking(Model):
    class Meta:
        table_name = "bookings"
        stream: str | None = "NEW_AND_OLD_IMAGES"  # confirmations, cancellations

    booking_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    hold_id = UnicodeAttribute()
    seat_ids = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute()  # confirmed | cancelled
    total = Money()
    payment_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    by_user = BookingsByUser()
    by_event = BookingsByEvent()


class UsersByEmail(GlobalSecondaryIndex["User"]):
    class Meta:
        index_name = "by_email"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)


class User(Model):
    class Meta:
        table_name = "users"
        stream: str | None = None

    user_id = UnicodeAttribute(hash_key=True)  # the Cognito `sub`
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # Consent to marketing e-mail (recommendations in confirmations); absent means no.
    marketing_consent = BooleanAttribute(null=True)
    by_email = UsersByEmail()


class Payment(Model):
    """Ledger of the local payment provider (Stripe keeps its own in production)."""

    class Meta:
        table_name = "payments"
        stream: str | None = None

    payment_id = UnicodeAttribute(hash_key=True)
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()  # succeeded | refunded
    description = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    refunded_at = UTCDateTimeAttribute(null=True)


class IdempotencyRecord(Model):
    """Schema of the table Powertools' idempotency utility writes (its default attribute names)."""

    class Meta:
        table_name = "idempotency"
        stream: str | None = None

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)


# --- notifications: sent e-mails (one item per fact) and venue subscriptions ----------------


class SentEmailsByUser(GlobalSecondaryIndex["SentEmail"]):
    """What was e-mailed to a customer (GDPR export; erasure)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class SentEmail(Model):
    """One e-mail per fact (`booking_confirmed#<booking_id>`, `reminder#<booking_id>`, ...).

    Claimed with a conditional write before sending and marked `sent` after: the key is what
    makes every e-mail go out once whatever the duplicates and retries. No address is stored:
    recipients are resolved from the users table at send time.
    """

    class Meta:
        table_name = "sent_emails"
        stream: str | None = None

    fact_key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    kind = (
        UnicodeAttribute()
    )  # booking_confirmed | booking_cancelled | reminder | venue_alert | waitlist_offer
    status = UnicodeAttribute()  # claimed | sent | skipped
    claim_id = UnicodeAttribute(null=True)
    lease_expires_at = NumberAttribute(null=True)  # epoch seconds: a claim past this may be retaken
    subject = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)  # SES message id
    reason = UnicodeAttribute(null=True)  # why a fact was skipped (no such user, no consent...)
    created_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    by_user = SentEmailsByUser()


class VenueSubscriptionsByUser(GlobalSecondaryIndex["VenueSubscription"]):
    """The venues a customer follows (account page, export, erasure)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class VenueSubscription(Model):
    """A customer following a venue: their consent to that venue's new-event alerts."""

    class Meta:
        table_name = "venue_subscriptions"
        stream: str | None = None

    venue_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    subscription_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    by_user = VenueSubscriptionsByUser()


# --- customers' rights: waitlist entries -----------------------------------------------------


class WaitlistByEvent(GlobalSecondaryIndex["WaitlistEntry"]):
    """An event's waitlist in arrival order (first come, first offered)."""

    class Meta:
        index_name = "by_event"
        projection = AllProjection()

    event_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class WaitlistByUser(GlobalSecondaryIndex["WaitlistEntry"]):
    """A customer's waitlist entries (account page, export, erasure)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class WaitlistEntry(Model):
    """A customer waiting for seats of a sold-out event; one per customer per event.

    `waitlist_id` is derived from (event, customer), so a second join finds the first entry.
    status: waiting -> offered (a real hold `offer_hold_id` until `offer_expires_at`) ->
    converted (checked out) | lapsed (not taken); or cancelled by the customer. Every offer
    increments `offer_count` (the notifications engineer e-mails each new offer once).
    """

    class Meta:
        table_name = "waitlist"
        stream: str | None = "NEW_AND_OLD_IMAGES"  # offer e-mails

    waitlist_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    quantity = NumberAttribute()
    status = UnicodeAttribute(default="waiting")  # waiting | offered | converted | lapsed | cancelled
    offer_hold_id = UnicodeAttribute(null=True)
    offer_expires_at = NumberAttribute(null=True)  # epoch seconds
    offer_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()  # the place in line
    updated_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()  # housekeeping: a week after the event starts
    by_event = WaitlistByEvent()
    by_user = WaitlistByUser()


class Erasure(Model):
    """A customer who erased their account: tokens issued before `erased_at` are refused.

    Holds only the opaque user id, and only as long as a token can live (TTL).
    """

    class Meta:
        table_name = "erasures"
        stream: str | None = None

    user_id = UnicodeAttribute(hash_key=True)
    erased_at = NumberAttribute()  # epoch seconds
    expires_at = NumberAttribute(null=True)  # epoch seconds: no token issued before erasure lives past this
    ttl = TTLAttribute(null=True)


# --- realtime: WebSocket connections --------------------------------------------------------


class ConnectionsByChannel(GlobalSecondaryIndex["Connection"]):
    """Who listens on a channel (keys only: per-push bookkeeping never writes the index)."""

    class Meta:
        index_name = "by_channel"
        projection = KeysOnlyProjection()

    channel = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class Connection(Model):
    """One WebSocket connection listening on one channel (`queue#{event_id}`, `seats#{event_id}`),
    with what was last pushed to it there. Pacing items (`pace#...`, channel `pace`) share the table."""

    class Meta:
        table_name = "connections"
        stream: str | None = None

    connection_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute(range_key=True)
    event_id = UnicodeAttribute(null=True)
    queue_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    connected_at = NumberAttribute(null=True)  # epoch seconds
    pushed_position = NumberAttribute(null=True)
    pushed_at = NumberAttribute(null=True)
    admitted_pushed = BooleanAttribute(null=True)
    ttl = TTLAttribute(null=True)  # connect + 2 h: API Gateway's connection limit
    by_channel = ConnectionsByChannel()


# --- waiting room: entries, per-event counters, ticks ---------------------------------------


class QueueEntriesByUser(GlobalSecondaryIndex["QueueEntry"]):
    """A customer's queue entries (export, erasure)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class QueueEntry(Model):
    """A customer's place in an event's waiting room: cohort and arrival number."""

    class Meta:
        table_name = "queue_entries"
        stream: str | None = None

    queue_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    cohort = UnicodeAttribute()
    arrival = NumberAttribute()
    joined_at = NumberAttribute()  # epoch seconds
    created_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()  # a week after the event
    by_user = QueueEntriesByUser()


class QueueCounter(Model):
    """An event's counters (arrivals per cohort, the serving counter); `#active` lists the events
    the admitter ticks. Written with raw update expressions (chalicelib/waiting_room/store.py)."""

    class Meta:
        table_name = "queue_counters"
        stream: str | None = None

    event_id = UnicodeAttribute(hash_key=True)
    pre_count = NumberAttribute(null=True)
    post_count = NumberAttribute(null=True)
    frozen_pre = NumberAttribute(null=True)
    serving = NumberAttribute(null=True)
    ticked_at = NumberAttribute(null=True)
    listed = BooleanAttribute(null=True)
    event_ids = UnicodeSetAttribute(null=True)


class QueueTick(Model):
    """When places up to `serving` were admitted (`at`, epoch seconds)."""

    class Meta:
        table_name = "queue_ticks"
        stream: str | None = None

    event_id = UnicodeAttribute(hash_key=True)
    serving = NumberAttribute(range_key=True)
    at = NumberAttribute()
    ttl = TTLAttribute()  # a day after the admission window


ALL_MODELS: tuple[type[Model], ...] = (
    Venue,
    Event,
    Seat,
    SectionAvailability,
    Hold,
    Booking,
    User,
    Payment,
    IdempotencyRecord,
    SentEmail,
    VenueSubscription,
    WaitlistEntry,  # customers' rights
    Erasure,  # customers' rights
    Connection,  # realtime
    QueueEntry,  # waiting room
    QueueCounter,  # waiting room
    QueueTick,  # waiting room
)


def table_name(model: type[Model]) -> str:
    return get_settings().table_name(model.Meta.table_name)


def from_item(model: type[M], item: dict[str, Any]) -> M:
    return model.from_raw_data(item)
