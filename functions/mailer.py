"""DynamoDB stream consumers that send e-mail (one Lambda function per stream).

- `bookings_handler` (bookings stream): confirmations and cancellations;
- `events_handler` (events stream): alerts to the followers of a venue with a new event;
- `waitlist_handler` (waitlist stream): waitlist offers.

Each reports partial batch failures; the sent-mail ledger makes every e-mail go out once
whatever the duplicates and retries, and a failing send never touches the booking.
"""

from __future__ import annotations

from typing import Any

from chalicelib.notifications import streams
from chalicelib.notifications.postman import Postman


def bookings_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return streams.handle_stream(event, streams.booking_facts, Postman.from_env())


def events_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return streams.handle_stream(event, streams.event_facts, Postman.from_env())


def waitlist_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return streams.handle_stream(event, streams.waitlist_facts, Postman.from_env())
