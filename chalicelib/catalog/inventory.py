"""Creating an event's seat inventory: one item per seat, written in batches, off the request path.

Runs from the inventory queue's consumer. Safe to run twice: it only writes while the event is
`provisioning` (no seat can be held before it is `ready`), and it flips the event to `ready`
with a conditional write at the very end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.catalog.events import load_event, write_event
from chalicelib.models import Event, Seat, SectionAvailability, table_name
from chalicelib.schemas import slugify

logger = logging.getLogger(__name__)

BATCH_SIZE = 25  # BatchWriteItem's limit


def seat_items(event: Event) -> Iterator[dict[str, Any]]:
    for section in event.sections:
        partition = f"{event.event_id}#{section.slug}"
        for row in section.rows:
            row_slug = slugify(row.row)
            for number in range(1, int(row.seats) + 1):
                yield Seat(
                    event_section=partition, seat_id=f"{section.slug}-{row_slug}-{number}", status="available"
                ).serialize()


def _write_batch(db: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests = [{"PutRequest": {"Item": item}} for item in items]
    delay = 0.05
    while requests:
        result = db.batch_write_item(RequestItems={table: requests})
        requests = result.get("UnprocessedItems", {}).get(table, [])
        if requests:
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def provision_inventory(event_id: str, *, db: Any = None, workers: int = 4) -> bool:
    """Write every seat of the event and mark it ready. Returns False if there was nothing to do."""
    db = db or aws.dynamodb()
    event = load_event(event_id, db=db, consistent=True)
    if event.inventory_status != "provisioning":
        return False
    table = table_name(Seat)
    batches: list[list[dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    for item in seat_items(event):
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda b: _write_batch(db, table, b), batches))
    for section in event.sections:
        try:
            db.put_item(
                TableName=table_name(SectionAvailability),
                Item={
                    "event_id": {"S": event.event_id},
                    "section": {"S": section.slug},
                    "held": {"M": {}},
                },
                ConditionExpression="attribute_not_exists(event_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    if not _mark_ready(event_id, db):
        return False
    logger.info("inventory ready", extra={"event_id": event_id, "seats": int(event.capacity)})
    return True


def _mark_ready(event_id: str, db: Any) -> bool:
    """Flip the event to `ready`, with its copy, over any admin's change made meanwhile
    (`write_event`). False if someone else already did it."""

    def ready(event: Event) -> list[str]:
        if event.inventory_status != "provisioning":
            return []
        event.inventory_status = "ready"
        return ["inventory_status"]

    _, flipped = write_event(event_id, ready, db=db)
    return flipped
