"""SQS consumer: creates each new event's seat inventory (reports partial batch failures)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.catalog.inventory import provision_inventory


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            provision_inventory(json.loads(record["body"])["event_id"])
        except Exception:  # reported so that only this message is retried, then dead-lettered
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
