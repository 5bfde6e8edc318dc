"""DynamoDB stream consumer of the events and availability tables: keeps the search index current.

Events table records: INSERT/MODIFY index the new image, REMOVE deletes. Availability table
records (a section summary changed: seats sold, held or released) re-read the event's section
summaries, strongly consistent, once per event per batch, and hand the engine the event's
availability record; a record of the event's own copy in that table is skipped. One `refresh()`
per batch writes it all. Stream records can arrive twice or late; the engines keep the newest
version of each event (`updated_at`) and of each availability record (`as_of`, when it was
read), and an availability record is always read fresh, so replays change nothing.

Failures are reported the stream way: `batchItemFailures` names the first record not processed,
and the event source mapping (or the local poller) retries from there. A record whose image is
not an event can never succeed, so it is logged and skipped rather than blocking its shard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib import search
from chalicelib.search import SearchEngine

if TYPE_CHECKING:
    from chalicelib.catalog.availability import SectionState

# Reads an event's section summaries (strongly consistent): the indexer's one DynamoDB read.
ReadSections = Callable[[str], Mapping[str, "SectionState"]]

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


def read_sections(event_id: str) -> Mapping[str, SectionState]:
    from chalicelib import aws
    from chalicelib.catalog.availability import read_sections as read

    return read(event_id, db=aws.dynamodb(), consistent=True)


def process(
    records: list[dict[str, Any]], engine: SearchEngine, sections: ReadSections = read_sections
) -> dict[str, Any]:
    """Apply stream records to `engine` in order; never raises."""
    failed_at: int | None = None
    refreshed: set[str] = set()  # events whose availability this batch has read already
    for position, record in enumerate(records):
        try:
            _apply(record, engine, sections, refreshed)
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


def _apply(record: dict[str, Any], engine: SearchEngine, sections: ReadSections, refreshed: set[str]) -> None:
    name = record.get("eventName")
    change = record.get("dynamodb") or {}
    keys = change.get("Keys") or {}
    if "section" in keys:  # the availability table: any change means "read it again"
        from chalicelib.catalog.availability import EVENT_COPY

        event_id = (keys.get("event_id") or {}).get("S")
        if (keys.get("section") or {}).get("S") == EVENT_COPY:
            return  # the event's copy (decision 28): the events table's own record carries the change
        if not event_id:
            logger.error("availability record %s without an event_id key: skipped", _sequence_number(record))
        elif event_id not in refreshed:
            _refresh_availability(event_id, engine, sections)
            refreshed.add(event_id)
    elif name in {"INSERT", "MODIFY"}:
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


def _refresh_availability(event_id: str, engine: SearchEngine, sections: ReadSections) -> None:
    from chalicelib.search.documents import availability_of

    as_of = time.time_ns() // 1_000_000  # taken before the read: a later read always wins
    states = sections(event_id)
    engine.set_availability(availability_of(event_id, states, as_of, time.time()))


def _sequence_number(record: dict[str, Any]) -> str | None:
    value = (record.get("dynamodb") or {}).get("SequenceNumber")
    return str(value) if value is not None else None


def _failed_from(records: list[dict[str, Any]], position: int | None) -> dict[str, Any]:
    if position is None:
        return {"batchItemFailures": []}
    # An empty identifier makes Lambda (and the local poller) retry the whole batch.
    return {"batchItemFailures": [{"itemIdentifier": _sequence_number(records[position]) or ""}]}
