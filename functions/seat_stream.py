"""DynamoDB stream consumer of the seats table: keeps per-section availability current.

Idempotent by construction (each seat's final image in the batch is written as a state, not a
delta), so duplicate deliveries and retries of a batch change nothing.
"""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.availability import apply_seat_changes


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    changes = [
        (record["dynamodb"].get("OldImage"), record["dynamodb"]["NewImage"])
        for record in event.get("Records", [])
        if record.get("eventName") in {"INSERT", "MODIFY"} and "NewImage" in record.get("dynamodb", {})
    ]
    try:
        apply_seat_changes(changes)
    except Exception:
        # The whole batch is retried from its first record: writing final states is idempotent.
        first = event["Records"][0]["dynamodb"]["SequenceNumber"] if event.get("Records") else None
        return {"batchItemFailures": [{"itemIdentifier": first}] if first else []}
    return {"batchItemFailures": []}
