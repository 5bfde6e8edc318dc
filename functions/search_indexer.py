"""DynamoDB stream consumer of the events table: keeps the search index current.

INSERT/MODIFY index the new image, REMOVE deletes, and one `refresh()` per batch writes it all.
Stream records can arrive twice or late; the engines keep the newest version of each event
(`updated_at`), so replays change nothing.

Failures are reported the stream way: `batchItemFailures` names the first record not processed,
and the event source mapping (or the local poller) retries from there. A record whose image is
not an event can never succeed, so it is logged and skipped rather than blocking its shard.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import search
from chalicelib.search import SearchEngine

logger = logging.getLogger("onsale.search_indexer")

# What `document_from_event` raises for an image that is not an event (not worth retrying).
UNDECODABLE = (KeyError, ValueError, TypeError, AttributeError)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    if not records:
        return {"batchItemFailures": []}
    try:
        engine = search.engine()
    except Exception:
        logger.exception("search engine unavailable")
        return _failed_from(records, 0)
    return process(records, engine)


def process(records: list[dict[str, Any]], engine: SearchEngine) -> dict[str, Any]:
    """Apply stream records to `engine` in order; never raises."""
    failed_at: int | None = None
    for position, record in enumerate(records):
        try:
            _apply(record, engine)
        except Exception:
            logger.exception("search indexing failed at %s", _sequence_number(record))
            failed_at = position
            break
    try:
        engine.refresh()  # write what the records before a failure buffered
    except Exception:
        logger.exception("search index refresh failed")
        failed_at = 0  # nothing of this batch is known to be written: retry all of it
    return _failed_from(records, failed_at)


def _apply(record: dict[str, Any], engine: SearchEngine) -> None:
    name = record.get("eventName")
    change = record.get("dynamodb") or {}
    if name in {"INSERT", "MODIFY"}:
        image = change.get("NewImage")
        if not image:
            logger.error("record %s has no NewImage (stream view type?): skipped", _sequence_number(record))
            return
        try:
            doc = search.document_from_event(image)
        except UNDECODABLE:
            logger.exception("record %s is not an event image: skipped", _sequence_number(record))
            return
        engine.upsert(doc)
    elif name == "REMOVE":
        event_id = ((change.get("Keys") or {}).get("event_id") or {}).get("S")
        if not event_id:
            logger.error("REMOVE record %s without an event_id key: skipped", _sequence_number(record))
            return
        engine.delete(event_id)
    else:
        logger.warning("record %s: unknown eventName %r skipped", _sequence_number(record), name)


def _sequence_number(record: dict[str, Any]) -> str | None:
    value = (record.get("dynamodb") or {}).get("SequenceNumber")
    return str(value) if value is not None else None


def _failed_from(records: list[dict[str, Any]], position: int | None) -> dict[str, Any]:
    if position is None:
        return {"batchItemFailures": []}
    # An empty identifier makes Lambda (and the local poller) retry the whole batch.
    return {"batchItemFailures": [{"itemIdentifier": _sequence_number(records[position]) or ""}]}
