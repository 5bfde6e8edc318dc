"""What both engines share when they answer a query: time bounds and opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchQuery
from chalicelib.search.documents import EPOCH

CURSOR_VERSION = 1
# In a search for any word of `q` (`SearchQuery.all_words` False), each word an event matches adds
# this to its score, more than any relevance a word can bring: events matching more words come
# first, and relevance orders those matching as many.
WORD_MATCHED = 1000.0


def start_bounds(query: SearchQuery) -> tuple[int, int | None]:
    """The range of `start_at` (epoch seconds) to list: [lower, upper) with upper None for open.

    Events that started before `query.now` are excluded; dates are whole UTC days, inclusive.
    """
    lower = math.ceil((query.now - EPOCH).total_seconds())
    if query.start_date is not None:
        lower = max(lower, _day_start(query.start_date))
    # The calendar's last day has no next day to bound it: up to it is no bound at all.
    if query.end_date is None or query.end_date == date.max:
        return lower, None
    upper = _day_start(query.end_date + timedelta(days=1))
    return lower, upper


def _day_start(day: date) -> int:
    return int((datetime.combine(day, time(0), tzinfo=UTC) - EPOCH).total_seconds())


def rfc3339_from_timestamp(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_cursor(payload: dict[str, Any]) -> str:
    raw = json.dumps({"v": CURSOR_VERSION, **payload}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The payload of one of our cursors; anything else is a 400 invalid_request."""
    if len(cursor) > 2000:
        raise InvalidRequestError("The cursor is not valid")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidRequestError("The cursor is not valid") from None
    if not isinstance(value, dict) or value.get("v") != CURSOR_VERSION:
        raise InvalidRequestError("The cursor is not valid")
    return value
