"""SQS consumer of the join queue: writes waiting-room entries in batches (up to 10 messages),
one counter write per batch and event (reports partial batch failures; idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.waiting_room.intake import JoinRequest, record_joins
from chalicelib.waiting_room.store import DynamoQueueStore, QueueStore

logger = logging.getLogger("onsale.waiting_room")


def handler(event: dict[str, Any], context: Any, store: QueueStore | None = None) -> dict[str, Any]:
    requests: list[JoinRequest] = []
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        try:
            requests.append(JoinRequest.from_message(record["messageId"], record["body"]))
        except (KeyError, TypeError, ValueError):
            # A malformed message can never succeed: retried, then dead-lettered for a look.
            logger.error("malformed join message %s", record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    if requests:
        failed = record_joins(requests, store or DynamoQueueStore())
        failures += [{"itemIdentifier": message_id} for message_id in sorted(failed)]
    return {"batchItemFailures": failures}
