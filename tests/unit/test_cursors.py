"""Pagination cursors: opaque to clients, and anything but our own cursor is a clean 400."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.booking.checkout import decode_cursor, encode_cursor, list_bookings
from chalicelib.errors import InvalidRequestError
from chalicelib.idempotency import validate_key
from chalicelib.models import Booking, Money, table_name
from tests.fakes.catalog import EVENT_ID, NOW
from tests.fakes.dynamodb import FakeDynamoDB

KEY = {
    "booking_id": {"S": "01JQ8Z7Y3K2W9V6T5R4P3N2M1B"},
    "user_id": {"S": "3f1c1c0e-1111-4a4a-9b9b-000000000001"},
    "created_at": {"S": "2027-03-01T12:00:00.000000+0000"},
}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_round_trips() -> None:
    cursor = encode_cursor(KEY)

    assert decode_cursor(cursor) == KEY


def test_a_cursor_is_url_safe_without_padding() -> None:
    for n in range(1, 6):  # lengths that need 0, 1 and 2 padding characters
        key = {"booking_id": {"S": "x" * n}}
        cursor = encode_cursor(key)
        assert "=" not in cursor and "+" not in cursor and "/" not in cursor
        assert decode_cursor(cursor) == key


def test_a_cursor_of_non_ascii_values_round_trips() -> None:
    key = {"name": {"S": "Zoë ✓ ü?>>"}}

    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!!",
        "garbage",
        "a",
        "é",
        b64(b"\xff\xfe\xfd"),  # not UTF-8
        b64(b"{not json"),
        b64(b"[1, 2]"),
        b64(b'"a string"'),
        b64(b"42"),
        b64(b"null"),
        b64(json.dumps({"booking_id": "x"}).encode()),
        b64(json.dumps({"booking_id": {"S": 1}}).encode()),
        b64(json.dumps({"booking_id": {"S": "x", "N": "1"}}).encode()),
        b64(json.dumps({"booking_id": {}}).encode()),
        b64(json.dumps({"booking_id": {"S": ["x"]}}).encode()),
        b64(json.dumps({"booking_id": None}).encode()),
    ],
)
def test_anything_else_is_an_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        decode_cursor(cursor)

    assert caught.value.status == 400
    assert caught.value.detail == "The cursor is not valid"


def test_a_deeply_nested_cursor_is_an_invalid_cursor() -> None:
    with pytest.raises(InvalidRequestError):
        decode_cursor(b64(b"[" * 5000))


# --- cursors in use: the caller's bookings ----------------------------------------------------


@pytest.fixture
def bookings(db: FakeDynamoDB) -> FakeDynamoDB:
    """Five bookings of ann (created a minute apart) and one of bob."""
    for n, user in enumerate(["ann", "ann", "bob", "ann", "ann", "ann"]):
        booking = Booking(
            booking_id=f"B{n}",
            user_id=user,
            event_id=EVENT_ID,
            hold_id=f"H{n}",
            seat_ids=[f"FLOOR-A-{n + 1}"],
            status="confirmed",
            total=Money(amount=5000, currency="USD"),
            payment_id=f"ch_{n}",
            created_at=NOW + timedelta(minutes=n),
        )
        db.put_item(TableName=table_name(Booking), Item=booking.serialize())
    return db


def ids(page: dict[str, Any]) -> list[str]:
    return [b["booking_id"] for b in page["bookings"]]


def test_bookings_are_listed_newest_first_page_by_page(bookings: FakeDynamoDB) -> None:
    first = list_bookings("ann", limit=2, cursor=None, db=bookings)
    second = list_bookings("ann", limit=2, cursor=first["next_cursor"], db=bookings)
    third = list_bookings("ann", limit=2, cursor=second["next_cursor"], db=bookings)

    assert [ids(first), ids(second), ids(third)] == [["B5", "B4"], ["B3", "B1"], ["B0"]]
    assert third["next_cursor"] is None


def test_one_users_cursor_does_not_page_through_anothers_bookings(bookings: FakeDynamoDB) -> None:
    anns = list_bookings("ann", limit=1, cursor=None, db=bookings)["next_cursor"]

    with pytest.raises(InvalidRequestError):
        list_bookings("bob", limit=10, cursor=anns, db=bookings)


def test_a_forged_cursor_is_refused_before_any_query(bookings: FakeDynamoDB) -> None:
    with pytest.raises(InvalidRequestError):
        list_bookings("ann", limit=10, cursor="not-a-cursor", db=bookings)

    assert bookings.calls_of("query") == []


# --- idempotency keys -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k", "0d9f4a52-2b8e-4c1e-9d3a-3e7b8f6c2a10", "x" * 255, "a key with spaces"])
def test_an_idempotency_key_of_printable_characters_is_accepted(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, "line\nbreak", "tab\there", "nul\x00", "\x7f"])
def test_an_idempotency_key_must_be_1_to_255_printable_characters(key: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_key(key)

    assert caught.value.status == 400
