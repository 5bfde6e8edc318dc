"""Posting frames to connections through API Gateway's `@connections` management API.

A push answered 410 Gone means the client went away without a `$disconnect` reaching us (or
it did and raced the push): the connection is purged at once, so no later push pays for it.
Other failures are logged and leave the connection alone (the next push retries).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.realtime.connections import ConnectionStore

logger = logging.getLogger("onsale.realtime")

# API Gateway's WebSocket frame limit is 32 KB: every frame we send stays under it.
MAX_FRAME_BYTES = 32 * 1024
PUSH_WORKERS = 16


class ConnectionGoneError(Exception):
    """The connection no longer exists (API Gateway's 410 GoneException)."""


class Sender(Protocol):
    def send(self, connection_id: str, data: bytes) -> None:
        """Deliver one frame, or raise ConnectionGoneError."""
        ...


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


_lock = threading.Lock()


@functools.cache
def _management_client() -> Any:
    """The management API client for the settings' endpoint (locally: the stack's gateway)."""
    from botocore.config import Config

    from chalicelib import aws
    from chalicelib.settings import get_settings

    settings = get_settings()
    if not settings.websocket_management_endpoint:
        raise RuntimeError("ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT is not set")
    with _lock:  # boto3 client creation is not thread-safe on a shared session
        return aws.session().client(
            "apigatewaymanagementapi",
            endpoint_url=settings.websocket_management_endpoint,
            config=Config(
                connect_timeout=2,
                read_timeout=5,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=PUSH_WORKERS * 2,
            ),
        )


class ManagementApiSender:
    """`PostToConnection` on the `@connections` API; GoneException becomes ConnectionGoneError."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    def send(self, connection_id: str, data: bytes) -> None:
        client = self._client or _management_client()
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except client.exceptions.GoneException as exc:
            raise ConnectionGoneError(connection_id) from exc


def default_sender() -> Sender:
    return ManagementApiSender()


@dataclass
class PushReport:
    delivered: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def push(
    connection_id: str, data: bytes, *, sender: Sender, store: ConnectionStore, purge: bool = True
) -> str:
    """Send one frame: "delivered", "gone" (and the connection purged) or "failed". With
    `purge=False` (a connection still opening), Gone counts as "failed": retried later."""
    if len(data) >= MAX_FRAME_BYTES:
        raise ValueError(f"a frame of {len(data)} bytes exceeds API Gateway's 32 KB limit")
    try:
        sender.send(connection_id, data)
        return "delivered"
    except ConnectionGoneError:
        if not purge:
            return "failed"
        try:
            store.remove(connection_id)
        except Exception:  # the TTL sweeps it later; the push itself is settled
            logger.exception("could not purge gone connection %s", connection_id)
        return "gone"
    except Exception:
        logger.exception("push to %s failed", connection_id)
        return "failed"


def push_many(
    frames: Iterable[tuple[str, bytes]],
    *,
    sender: Sender,
    store: ConnectionStore,
    workers: int = PUSH_WORKERS,
    opening: Collection[str] = (),
) -> PushReport:
    """Send each (connection id, frame) in parallel; purge the gone ones, except connections
    still `opening` (their `$connect` answered moments ago: the handshake may not be done)."""
    pending = list(frames)
    report = PushReport()
    if not pending:
        return report

    def one(frame: tuple[str, bytes]) -> str:
        return push(frame[0], frame[1], sender=sender, store=store, purge=frame[0] not in opening)

    with ThreadPoolExecutor(max_workers=min(workers, len(pending))) as pool:
        outcomes = list(pool.map(one, pending))
    for (connection_id, _), outcome in zip(pending, outcomes, strict=True):
        getattr(report, outcome).append(connection_id)
    return report
