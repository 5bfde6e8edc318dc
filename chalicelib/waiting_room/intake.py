"""The join-queue consumer's work: turn join requests into entries with arrival numbers.

Per batch and event: one BatchGetItem drops customers who already hold a place, ONE counter
write (`ADD`) per cohort reserves the arrival numbers of the rest (in join-time order), and one
transaction of conditional puts writes the new entries (a duplicate or redelivered join changes
nothing; if the transaction fails, each entry is put on its own).
Counter writes are joins / batch size, whatever the number of fans.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.models import QueueEntry
from chalicelib.waiting_room.store import QueueStore

logger = logging.getLogger("onsale.waiting_room")
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit; an SQS batch is at most 10


@dataclass(frozen=True)
class JoinRequest:
    message_id: str
    queue_id: str
    event_id: str
    user_id: str
    joined_at: float
    pre_open: bool
    retain_until: int

    @classmethod
    def from_message(cls, message_id: str, body: str) -> JoinRequest:
        data: dict[str, Any] = json.loads(body)
        return cls(
            message_id=message_id,
            queue_id=str(data["queue_id"]),
            event_id=str(data["event_id"]),
            user_id=str(data["user_id"]),
            joined_at=float(data["joined_at"]),
            pre_open=bool(data["pre_open"]),
            retain_until=int(data["retain_until"]),
        )


def record_joins(requests: list[JoinRequest], store: QueueStore) -> set[str]:
    """Write the entries of a batch of join requests; returns the message ids to retry."""
    by_event: dict[str, list[JoinRequest]] = {}
    for request in requests:
        by_event.setdefault(request.event_id, []).append(request)
    failed: set[str] = set()
    for event_id, batch in by_event.items():
        try:
            failed |= _record_event_joins(event_id, batch, store)
        except Exception:
            logger.exception("could not record %d joins of event %s", len(batch), event_id)
            failed |= {r.message_id for r in batch}
    return failed


def _record_event_joins(event_id: str, batch: list[JoinRequest], store: QueueStore) -> set[str]:
    # One request per customer: the earliest join of the batch stands for its duplicates.
    earliest: dict[str, JoinRequest] = {}
    for request in sorted(batch, key=lambda r: (r.joined_at, r.message_id)):
        earliest.setdefault(request.queue_id, request)
    existing = store.entries(list(earliest))
    new = sorted(
        (r for q, r in earliest.items() if q not in existing), key=lambda r: (r.joined_at, r.queue_id)
    )
    if not new:
        return set()
    assigned: list[tuple[JoinRequest, str, int]] = []
    listed = False
    pre = [r for r in new if r.pre_open]
    post = [r for r in new if not r.pre_open]
    if pre:
        reserved = store.reserve(event_id, "pre", len(pre))
        if reserved is None:
            # The pool was fixed before these (late-processed) pre-open joins got in: they join
            # the back as later arrivals, in join-time order with the others.
            post = sorted(pre + post, key=lambda r: (r.joined_at, r.queue_id))
        else:
            first, listed = reserved
            assigned += [(r, "pre", first + i) for i, r in enumerate(pre)]
    if post:
        first, was_listed = store.reserve(event_id, "post", len(post)) or (0, False)
        listed = listed or was_listed
        assigned += [(r, "post", first + i) for i, r in enumerate(post)]
    if not listed:
        store.list_event(event_id)  # idempotent: the admitter now ticks this event
    failed: set[str] = set()
    entries = [
        (
            request,
            QueueEntry(
                queue_id=request.queue_id,
                event_id=event_id,
                user_id=request.user_id,
                cohort=cohort,
                arrival=arrival,
                joined_at=request.joined_at,
                created_at=datetime.now(UTC),
                ttl=datetime.fromtimestamp(request.retain_until, UTC),
            ),
        )
        for request, cohort, arrival in assigned
    ]
    if len(entries) <= MAX_TRANSACTION_ITEMS:
        try:
            store.put_entries([entry for _, entry in entries])  # one request for the whole batch
            entries = []
        except Exception:  # one exists already (a concurrent batch), or a failure: one by one
            logger.info("batch write of %d queue entries fell back to single puts", len(entries))
    for request, entry in entries:
        try:
            store.put_entry(entry)  # False: a concurrent batch wrote it first; its number is a hole
        except Exception:
            logger.exception("could not write queue entry %s", request.queue_id)
            failed.add(request.message_id)
    # Duplicates of a failed request are retried with it.
    failed_ids = {r.queue_id for r in batch if r.message_id in failed}
    return {r.message_id for r in batch if r.queue_id in failed_ids}
