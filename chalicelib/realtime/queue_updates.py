"""Queue pushes: what the waiting room's admitter sends its WebSocket listeners after a tick.

`push_queue_updates(event_id)` runs once per second per event (the admitter's hook). It reads
the event's queue connections, asks the waiting room for all their statuses in one batched
call, and pushes:

- `{"type": "position", position, estimated_wait_seconds}` only when the position differs
  from the one last pushed to that connection, and at most once a second per connection;
- `{"type": "admitted", admission_token, expires_at}` once per connection, as soon as the
  admission exists (not held back by the one-a-second pacing of positions).

What was last pushed lives on the connection item (Lambdas keep no state) and is written only
when something is pushed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.realtime.connections import Connection, ConnectionStore, default_store, queue_channel
from chalicelib.realtime.push import Sender, default_sender, encode, push_many

# queue_statuses(event_id, queue_ids) -> {queue_id: the body of GET /events/{id}/queue/{queue_id}}
QueueStatuses = Callable[[str, list[str]], Mapping[str, Mapping[str, Any]]]
POSITION_INTERVAL_SECONDS = 1.0
# A connection this young that answers 410 is still opening (API Gateway accepts pushes only
# once the handshake is done): it is retried on the next tick instead of purged.
OPENING_SECONDS = 10.0


@dataclass
class QueueUpdateReport:
    listeners: int
    positions: int
    admissions: int
    gone: int


def _waiting_room_statuses(event_id: str, queue_ids: list[str]) -> Mapping[str, Mapping[str, Any]]:
    from chalicelib.waiting_room import queue

    statuses: Mapping[str, Mapping[str, Any]] = queue.queue_statuses(event_id, queue_ids)
    return statuses


def next_message(
    connection: Connection, status: Mapping[str, Any], now: float
) -> tuple[dict[str, Any], Connection] | None:
    """The message to push to `connection` given its queue status, with the connection as it
    will be recorded once pushed; None when nothing is due."""
    state = status.get("status")
    if state == "admitted" and status.get("admission_token"):
        if connection.admitted_pushed:
            return None
        message = {
            "type": "admitted",
            "admission_token": status["admission_token"],
            "expires_at": status.get("expires_at"),
        }
        return message, _pushed(connection, now, admitted=True)
    if state != "waiting" or status.get("position") is None:
        return None
    position = int(status["position"])
    if position == connection.pushed_position:
        return None
    if connection.pushed_at is not None and now - connection.pushed_at < POSITION_INTERVAL_SECONDS:
        return None  # changed, but this connection had a push less than a second ago
    message = {
        "type": "position",
        "position": position,
        "estimated_wait_seconds": status.get("estimated_wait_seconds"),
    }
    return message, _pushed(connection, now, position=position)


def _pushed(
    connection: Connection, now: float, *, position: int | None = None, admitted: bool = False
) -> Connection:
    return Connection(
        connection_id=connection.connection_id,
        channel=connection.channel,
        event_id=connection.event_id,
        queue_id=connection.queue_id,
        user_id=connection.user_id,
        connected_at=connection.connected_at,
        pushed_position=position if position is not None else connection.pushed_position,
        pushed_at=now,
        admitted_pushed=admitted or connection.admitted_pushed,
    )


def push_queue_updates(
    event_id: str,
    *,
    store: ConnectionStore | None = None,
    sender: Sender | None = None,
    statuses: QueueStatuses | None = None,
    now: float | None = None,
) -> QueueUpdateReport:
    """Push what changed to every WebSocket listener of `event_id`'s queue (see module doc)."""
    store = store or default_store()
    channel = queue_channel(event_id)
    listener_ids = store.listeners(channel)
    if not listener_ids:
        return QueueUpdateReport(0, 0, 0, 0)
    at = time.time() if now is None else now
    connections = [c for c in store.load(channel, listener_ids) if c.queue_id]
    lookup = statuses or _waiting_room_statuses
    by_queue = lookup(event_id, sorted({c.queue_id for c in connections if c.queue_id}))
    due: dict[str, tuple[dict[str, Any], Connection]] = {}
    for connection in connections:
        status = by_queue.get(connection.queue_id or "")
        outcome = next_message(connection, status, at) if status else None
        if outcome is not None:
            due[connection.connection_id] = outcome
    opening = {
        c.connection_id
        for c in connections
        if c.connected_at is not None and at - c.connected_at < OPENING_SECONDS
    }
    # `admitted` first: it is the push customers wait for, and a round can take a while.
    frames = sorted(due.items(), key=lambda item: item[1][0]["type"] != "admitted")
    report = push_many(
        ((cid, encode(message)) for cid, (message, _) in frames),
        sender=sender or default_sender(),
        store=store,
        opening=opening,
    )
    store.record_pushes([due[cid][1] for cid in report.delivered])
    admissions = sum(1 for cid in report.delivered if due[cid][0]["type"] == "admitted")
    positions = len(report.delivered) - admissions
    return QueueUpdateReport(len(listener_ids), positions, admissions, len(report.gone))
