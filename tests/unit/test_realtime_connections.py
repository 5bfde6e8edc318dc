"""`$connect` / `$default` / `$disconnect`: who may listen to what, and the purge of gone ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.errors import UnauthorizedError
from chalicelib.identity.tokens import Principal
from chalicelib.realtime import connections
from chalicelib.realtime.connections import Connection, queue_channel, seats_channel
from chalicelib.realtime.push import MAX_FRAME_BYTES, push
from tests.fakes.realtime import FakeConnectionStore, FakeSender

TOKENS = {"tok-ann": "ann", "tok-bob": "bob"}
QUEUE_IDS = {("q-ann", "ann"): "E1"}  # (queue id, user) -> event: what the join route handed out
EVENTS = {"E1"}


def verify(token: str) -> Principal:
    if token not in TOKENS:
        raise UnauthorizedError("The bearer token is not valid")
    return Principal(user_id=TOKENS[token], email="", groups=frozenset())


def ws_event(connection_id: str, params: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
    return {
        "requestContext": {"connectionId": connection_id, "routeKey": "$connect", "stage": "local"},
        "queryStringParameters": params,
        "headers": {},
        "body": body,
    }


def connect(store: FakeConnectionStore, connection_id: str, **params: str) -> int:
    return connections.connect(
        ws_event(connection_id, params or None),
        store=store,
        verify=verify,
        claim_queue=lambda queue_id, user_id: QUEUE_IDS.get((queue_id, user_id)),
        event_exists=EVENTS.__contains__,
        now=1000.0,
    )


def test_the_owner_of_a_queue_entry_may_listen_to_it() -> None:
    store = FakeConnectionStore()
    assert connect(store, "c1", queue_id="q-ann", token="tok-ann") == 200
    (item,) = store.load(queue_channel("E1"), ["c1"])
    assert (item.queue_id, item.user_id, item.event_id) == ("q-ann", "ann", "E1")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"queue_id": "q-ann"}, 401),  # no token
        ({"queue_id": "q-ann", "token": "forged"}, 401),
        ({"queue_id": "q-ann", "token": "tok-bob"}, 403),  # someone else's place
        ({"queue_id": "q-nobody", "token": "tok-bob"}, 403),  # no such place: not disclosed
        ({"event_id": "E404"}, 404),
        ({"event_id": "E1", "token": "forged"}, 401),  # a token, when given, must be valid
    ],
)
def test_refused_connections_are_not_stored(params: dict[str, str], status: int) -> None:
    store = FakeConnectionStore()
    assert connect(store, "c1", **params) == status
    assert store.items == {}


def test_a_viewer_subscribes_to_seat_changes_with_or_without_a_token() -> None:
    store = FakeConnectionStore()
    assert connect(store, "anon", event_id="E1") == 200
    assert connect(store, "ann", event_id="E1", token="tok-ann") == 200
    assert store.listeners(seats_channel("E1")) == ["ann", "anon"]


def test_a_subscribe_seats_message_subscribes_an_open_connection() -> None:
    store = FakeConnectionStore()
    body = json.dumps({"action": "subscribe_seats", "event_id": "E1"})
    status = connections.receive(ws_event("c9", body=body), store=store, event_exists=EVENTS.__contains__)
    assert status == 200
    assert store.listeners(seats_channel("E1")) == ["c9"]
    unknown = json.dumps({"action": "subscribe_seats", "event_id": "E404"})
    assert (
        connections.receive(ws_event("c9", body=unknown), store=store, event_exists=EVENTS.__contains__)
        == 404
    )
    assert connections.receive(ws_event("c9", body="not json"), store=store) == 400


def test_disconnect_forgets_every_channel_of_the_connection() -> None:
    store = FakeConnectionStore()
    connect(store, "c1", queue_id="q-ann", token="tok-ann", event_id="E1")
    connect(store, "c2", event_id="E1")
    connections.disconnect(ws_event("c1"), store=store)
    assert store.connection_ids() == {"c2"}


def test_a_push_answered_410_purges_the_connection_at_once() -> None:
    store, sender = FakeConnectionStore(), FakeSender(gone={"c1"})
    store.add(Connection("c1", seats_channel("E1"), "E1"))
    store.add(Connection("c1", queue_channel("E1"), "E1", queue_id="q", user_id="u"))
    assert push("c1", b'{"type":"seats"}', sender=sender, store=store) == "gone"
    assert store.items == {}


def test_a_push_failing_otherwise_keeps_the_connection() -> None:
    class Flaky:
        def send(self, connection_id: str, data: bytes) -> None:
            raise TimeoutError("the management API timed out")

    store = FakeConnectionStore()
    store.add(Connection("c1", seats_channel("E1"), "E1"))
    assert push("c1", b"{}", sender=Flaky(), store=store) == "failed"
    assert store.connection_ids() == {"c1"}


def test_no_frame_of_32_kb_or_more_is_ever_sent() -> None:
    store, sender = FakeConnectionStore(), FakeSender()
    with pytest.raises(ValueError):
        push("c1", b"x" * MAX_FRAME_BYTES, sender=sender, store=store)
    assert sender.frames == []
