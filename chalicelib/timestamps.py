"""The API's one timestamp format (RFC 3339, UTC, whole seconds), for datetimes and epoch seconds.

Kept apart from the catalogue so that stream consumers and pushers can use it without importing it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_to_rfc3339(seconds: float) -> str:
    return rfc3339(datetime.fromtimestamp(seconds, UTC))
