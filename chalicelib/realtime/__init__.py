"""Realtime: the WebSocket side of Onsale (API Gateway's WebSocket API model).

- `connections`: who is connected and to what (`$connect` checks, subscriptions, purges);
  the connections table behind a small storage interface.
- `push`: posting frames through the `@connections` management API; a 410 Gone purges the
  connection at once.
- `queue_updates`: `push_queue_updates(event_id)`, called by the waiting room's admitter after
  every tick: `position` only when it changed and at most once a second, `admitted` once.
- `seat_changes`: seats-stream records into batched `seats` messages (one per event per
  second, each frame under 32 KB, or a `refresh` when a second's changes do not fit).
"""

from __future__ import annotations

from typing import Any


def push_queue_updates(event_id: str, **dependencies: Any) -> Any:
    """See `chalicelib.realtime.queue_updates.push_queue_updates` (imported on first use)."""
    from chalicelib.realtime.queue_updates import push_queue_updates as push

    return push(event_id, **dependencies)
