"""DynamoDB stream consumer of the seats table: live seat maps over WebSockets.

The second consumer of the seats stream (functions/seat_stream.py keeps the availability
summaries): each batch becomes one `seats` message per affected event for that event's
viewers, at most one a second per event (chalicelib/realtime/seat_changes.py). Driven from the
stream, never from the booking request. A push is not a write, so a retried batch may resend
a message; clients apply changes as states, so a resend changes nothing on screen.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.realtime.seat_changes import push_seat_changes

logger = logging.getLogger("onsale.seat_push")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records", [])
    try:
        push_seat_changes(records)
    except Exception:
        # Retry the whole batch from its first record: states, not deltas, are pushed.
        logger.exception("seat push failed")
        first = records[0]["dynamodb"]["SequenceNumber"] if records else None
        return {"batchItemFailures": [{"itemIdentifier": first}] if first else []}
    return {"batchItemFailures": []}
