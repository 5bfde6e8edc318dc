"""Who is connected, and to what: the `$connect` / `$disconnect` / `$default` services and the
connections table behind a small storage interface (DynamoDB, or an in-memory fake in tests).

A connection listens on channels: `queue#{event_id}` (a customer waiting in that event's
queue: position and admission pushes) and `seats#{event_id}` (a seat-map viewer). Each
(connection, channel) is one item, found by channel through the keys-only `by_channel` index.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib import aws
from chalicelib.errors import OnsaleError
from chalicelib.models import Connection as ConnectionModel
from chalicelib.models import table_name

logger = logging.getLogger("onsale.realtime")

# API Gateway closes a WebSocket after 2 hours whatever happens: no item needs to outlive that.
CONNECTION_TTL_SECONDS = 2 * 60 * 60
PACE_CHANNEL = "pace"


def queue_channel(event_id: str) -> str:
    return f"queue#{event_id}"


def seats_channel(event_id: str) -> str:
    return f"seats#{event_id}"


@dataclass
class Connection:
    """One connection listening on one channel, with what was last pushed to it there."""

    connection_id: str
    channel: str
    event_id: str
    queue_id: str | None = None
    user_id: str | None = None
    connected_at: float = 0.0
    pushed_position: int | None = None
    pushed_at: float | None = None
    admitted_pushed: bool = False


class ConnectionStore(Protocol):
    def add(self, connection: Connection) -> None: ...

    def remove(self, connection_id: str) -> None:
        """Forget the connection on every channel (disconnect, or a push answered 410)."""
        ...

    def listeners(self, channel: str) -> list[str]:
        """Ids of the connections listening on `channel`."""
        ...

    def load(self, channel: str, connection_ids: Iterable[str]) -> list[Connection]: ...

    def record_push(self, connection: Connection) -> None:
        """Persist `pushed_*` / `admitted_pushed`, unless the connection is gone meanwhile."""
        ...

    def record_pushes(self, connections: list[Connection]) -> None:
        """`record_push` for many, in as few requests as the store allows."""
        ...

    def claim_pace(self, key: str, now: float, interval: float) -> float:
        """Take the `key` slot if its last taker was `interval` seconds ago or more: 0.0 when
        taken, else the seconds to wait before it can be."""
        ...


# --- the DynamoDB store ------------------------------------------------------------------------


def _number(item: Mapping[str, Any], name: str) -> float | None:
    value = item.get(name, {}).get("N")
    return float(value) if value is not None else None


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def from_item(item: Mapping[str, Any]) -> Connection:
    position = _number(item, "pushed_position")
    return Connection(
        connection_id=item["connection_id"]["S"],
        channel=item["channel"]["S"],
        event_id=_text(item, "event_id") or "",
        queue_id=_text(item, "queue_id"),
        user_id=_text(item, "user_id"),
        connected_at=_number(item, "connected_at") or 0.0,
        pushed_position=int(position) if position is not None else None,
        pushed_at=_number(item, "pushed_at"),
        admitted_pushed=bool(item.get("admitted_pushed", {}).get("BOOL", False)),
    )


def _is_conditional_failure(exc: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and (
        exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


class DynamoConnectionStore:
    """The connections table (`chalicelib.models.Connection`) through the low-level client."""

    def __init__(self, db: Any = None) -> None:
        self._db = db

    @property
    def db(self) -> Any:
        return self._db or aws.dynamodb()

    @property
    def table(self) -> str:
        return table_name(ConnectionModel)

    def add(self, connection: Connection) -> None:
        item: dict[str, Any] = {
            "connection_id": {"S": connection.connection_id},
            "channel": {"S": connection.channel},
            "event_id": {"S": connection.event_id},
            "connected_at": {"N": str(int(connection.connected_at))},
            "ttl": {"N": str(int(connection.connected_at) + CONNECTION_TTL_SECONDS)},
        }
        if connection.queue_id:
            item["queue_id"] = {"S": connection.queue_id}
        if connection.user_id:
            item["user_id"] = {"S": connection.user_id}
        self.db.put_item(TableName=self.table, Item=item)

    def remove(self, connection_id: str) -> None:
        keys = [
            {"connection_id": item["connection_id"], "channel": item["channel"]}
            for item in self._query(
                KeyConditionExpression="connection_id = :c",
                ExpressionAttributeValues={":c": {"S": connection_id}},
                ProjectionExpression="connection_id, channel",
                ConsistentRead=True,
            )
        ]
        for key in keys:
            self.db.delete_item(TableName=self.table, Key=key)

    def listeners(self, channel: str) -> list[str]:
        return [
            item["connection_id"]["S"]
            for item in self._query(
                IndexName="by_channel",
                KeyConditionExpression="channel = :ch",
                ExpressionAttributeValues={":ch": {"S": channel}},
            )
        ]

    def load(self, channel: str, connection_ids: Iterable[str]) -> list[Connection]:
        ids = list(dict.fromkeys(connection_ids))
        found: list[Connection] = []
        for start in range(0, len(ids), 100):  # BatchGetItem's limit
            keys = [{"connection_id": {"S": c}, "channel": {"S": channel}} for c in ids[start : start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys}}
            for _ in range(8):
                answer = self.db.batch_get_item(RequestItems=request)
                found.extend(from_item(i) for i in answer.get("Responses", {}).get(self.table, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05)
        return found

    def record_push(self, connection: Connection) -> None:
        try:
            self.db.update_item(**self._push_update(connection))
        except Exception as exc:
            if not _is_conditional_failure(exc):
                raise

    def record_pushes(self, connections: list[Connection]) -> None:
        """A round's bookkeeping in transactions of up to 100 conditional updates (one request
        each instead of one per connection); if one fails (a connection purged meanwhile), that
        chunk is written one by one."""
        for start in range(0, len(connections), 100):
            chunk = connections[start : start + 100]
            try:
                self.db.transact_write_items(TransactItems=[{"Update": self._push_update(c)} for c in chunk])
            except Exception:
                for connection in chunk:
                    self.record_push(connection)

    def _push_update(self, connection: Connection) -> dict[str, Any]:
        values: dict[str, Any] = {
            ":at": {"N": repr(round(connection.pushed_at or time.time(), 3))},
            ":admitted": {"BOOL": connection.admitted_pushed},
        }
        expression = "SET pushed_at = :at, admitted_pushed = :admitted"
        if connection.pushed_position is not None:
            values[":position"] = {"N": str(connection.pushed_position)}
            expression += ", pushed_position = :position"
        return {
            "TableName": self.table,
            "Key": {"connection_id": {"S": connection.connection_id}, "channel": {"S": connection.channel}},
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(connection_id)",  # never resurrect a purged one
            "ExpressionAttributeValues": values,
        }

    def claim_pace(self, key: str, now: float, interval: float) -> float:
        try:
            self.db.update_item(
                TableName=self.table,
                Key={"connection_id": {"S": f"pace#{key}"}, "channel": {"S": PACE_CHANNEL}},
                UpdateExpression="SET pushed_at = :now, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(pushed_at) OR pushed_at <= :cutoff",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":now": {"N": repr(round(now, 3))},
                    ":cutoff": {"N": repr(round(now - interval, 3))},
                    ":ttl": {"N": str(int(now) + CONNECTION_TTL_SECONDS)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return 0.0
        except Exception as exc:
            if not _is_conditional_failure(exc):
                raise
            old = getattr(exc, "response", {}).get("Item") or {}
            last = _number(old, "pushed_at")
            return max(0.01, (last + interval - now) if last is not None else interval)

    def _query(self, **kwargs: Any) -> Iterable[dict[str, Any]]:
        return aws.all_items(self.db.query, TableName=self.table, **kwargs)


def default_store() -> ConnectionStore:
    return DynamoConnectionStore()


# --- $connect / $disconnect / $default ---------------------------------------------------------

OK, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BAD_REQUEST, FAILED = 200, 401, 403, 404, 400, 500

QueueClaim = Callable[[str, str], str | None]  # (queue id, user id) -> its event, if theirs
Verifier = Callable[[str], Any]  # bearer token -> Principal, or raises UnauthorizedError
EventChecker = Callable[[str], bool]


def _verify(token: str) -> Any:
    from chalicelib.identity.erasures import ensure_not_erased
    from chalicelib.identity.tokens import verify_token
    from chalicelib.settings import get_settings

    principal = verify_token(token, get_settings())
    ensure_not_erased(principal.user_id)
    return principal


def _claim_queue(queue_id: str, user_id: str) -> str | None:
    from chalicelib.waiting_room import queue

    return queue.claim(queue_id, user_id)


def _event_exists(event_id: str) -> bool:
    from chalicelib.catalog.events import cached_event
    from chalicelib.errors import EventNotFoundError

    try:
        cached_event(event_id)
    except EventNotFoundError:
        return False
    return True


def _token(params: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """Browsers cannot set headers on a WebSocket: the token rides in the query string."""
    token = params.get("token")
    if token:
        return token
    authorization = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def connect(
    event: Mapping[str, Any],
    *,
    store: ConnectionStore | None = None,
    verify: Verifier = _verify,
    claim_queue: QueueClaim = _claim_queue,
    event_exists: EventChecker = _event_exists,
    now: float | None = None,
) -> int:
    """`$connect`: the status API Gateway answers the handshake with (200 accepts).

    `?queue_id=..&token=..`: the token must be valid (else 401) and the queue id must be the
    one the join route handed that user (else 403). Queue ids are keyed (HMAC of event and
    user), so that needs no read, and a customer who connects the moment the join answers is
    not refused while the join consumer is still writing the entry. `?event_id=..` (token optional, checked if
    given): the viewer subscribes to that event's seat changes (404 for an unknown event).
    Nothing is pushed here: API Gateway only accepts pushes once `$connect` has answered, so
    the first `position` goes out with the admitter's next tick (within a second).
    """
    context = event.get("requestContext") or {}
    connection_id = str(context.get("connectionId") or "")
    params: Mapping[str, str] = event.get("queryStringParameters") or {}
    headers: Mapping[str, str] = event.get("headers") or {}
    store = store or default_store()
    at = time.time() if now is None else now
    try:
        token = _token(params, headers)
        principal = verify(token) if token else None
        queue_id, event_id = params.get("queue_id"), params.get("event_id")
        if queue_id:
            if principal is None:
                return UNAUTHORIZED
            queue_event = claim_queue(queue_id, principal.user_id)
            if not queue_event:
                return FORBIDDEN  # someone else's place, or a made-up one: not disclosed which
            store.add(
                Connection(
                    connection_id,
                    queue_channel(queue_event),
                    queue_event,
                    queue_id=queue_id,
                    user_id=principal.user_id,
                    connected_at=at,
                )
            )
        if event_id:
            if not event_exists(event_id):
                return NOT_FOUND
            store.add(
                Connection(
                    connection_id,
                    seats_channel(event_id),
                    event_id,
                    user_id=principal.user_id if principal else None,
                    connected_at=at,
                )
            )
    except OnsaleError as error:
        if error.status >= 500:
            logger.error("connect failed", exc_info=error)
        return int(error.status) if error.status in {401, 403, 404} else FAILED
    except Exception:
        logger.exception("connect failed")
        return FAILED
    return OK


def receive(
    event: Mapping[str, Any],
    *,
    store: ConnectionStore | None = None,
    event_exists: EventChecker = _event_exists,
    now: float | None = None,
) -> int:
    """`$default`: `{"action": "subscribe_seats", "event_id": ...}` subscribes this connection
    to an event's seat changes; anything else is ignored (200: API Gateway closes nothing)."""
    connection_id = str((event.get("requestContext") or {}).get("connectionId") or "")
    try:
        message = json.loads(event.get("body") or "")
    except (TypeError, ValueError):
        return BAD_REQUEST
    if not isinstance(message, dict) or message.get("action") != "subscribe_seats":
        return OK
    event_id = message.get("event_id")
    if not isinstance(event_id, str) or not event_id or not event_exists(event_id):
        return NOT_FOUND
    (store or default_store()).add(
        Connection(
            connection_id,
            seats_channel(event_id),
            event_id,
            connected_at=time.time() if now is None else now,
        )
    )
    return OK


def disconnect(event: Mapping[str, Any], *, store: ConnectionStore | None = None) -> int:
    """`$disconnect`: forget the connection on every channel."""
    connection_id = str((event.get("requestContext") or {}).get("connectionId") or "")
    (store or default_store()).remove(connection_id)
    return OK
