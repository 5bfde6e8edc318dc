"""Erased accounts: a token issued before its account was erased is refused.

The user pool no longer knows an erased customer, but an ID token it signed before stays
valid until it expires (an hour). `privacy.erase` writes a tombstone to the erasures table
(kept a day, longer than any token lives); `http.caller` checks it for every signed-in request.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib import aws
from chalicelib.errors import UnauthorizedError
from chalicelib.models import Erasure, table_name

# A warm Lambda re-reads a customer's tombstone at most this often; an erased customer is
# remembered for the life of the process. Another warm Lambda may accept an erased customer's
# old token for at most this long after the erasure (docs/privacy.md).
CHECK_CACHE_SECONDS = 2.0
MAX_REMEMBERED = 50_000

_erased: set[str] = set()
_checked: dict[str, float] = {}
_lock = threading.Lock()


def ensure_not_erased(user_id: str, *, db: Any = None, now: float | None = None) -> None:
    """401 for a token of an erased account; otherwise nothing (one cached GetItem)."""
    moment = now if now is not None else time.monotonic()
    with _lock:
        if user_id in _erased:
            raise UnauthorizedError("This account was deleted")
        if moment - _checked.get(user_id, -1e9) < CHECK_CACHE_SECONDS:
            return
    db = db or aws.dynamodb()
    item = db.get_item(TableName=table_name(Erasure), Key={"user_id": {"S": user_id}}).get("Item")
    with _lock:
        if item:
            _erased.add(user_id)
        else:
            if len(_checked) > MAX_REMEMBERED:
                _checked.clear()
            _checked[user_id] = moment
    if item:
        raise UnauthorizedError("This account was deleted")


def mark_erased(user_id: str) -> None:
    """This process erased `user_id`: refuse its tokens here at once."""
    with _lock:
        _erased.add(user_id)
        _checked.pop(user_id, None)


def forget() -> None:
    """Drop what this process remembers (tests)."""
    with _lock:
        _erased.clear()
        _checked.clear()
