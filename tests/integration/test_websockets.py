"""The WebSocket API against the local stack's gateway, with real WebSocket clients: live seat
maps, the `$connect` checks, the `@connections` endpoint and its 410 purge, queue pushes."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support import Api, Stack, User

pytestmark = pytest.mark.integration

Message = dict[str, Any]


@contextmanager
def socket(stack: Stack, query: str) -> Iterator[ClientConnection]:
    with connect(f"{stack.ws_url}?{query}", open_timeout=20) as ws:
        yield ws


def wait_for(ws: ClientConnection, wanted: Callable[[Message], bool], timeout: float = 45) -> list[Message]:
    """Every message received until (and including) the first one `wanted` accepts."""
    deadline = time.monotonic() + timeout
    seen: list[Message] = []
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no such message in time; received {seen}"
        try:
            message = json.loads(ws.recv(timeout=remaining))
        except TimeoutError:
            continue
        seen.append(message)
        if wanted(message):
            return seen


def seat_status(seat_id: str, status: str) -> Callable[[Message], bool]:
    def matches(message: Message) -> bool:
        return message.get("type") == "seats" and any(
            c["seat_id"] == seat_id and c["status"] == status for c in message.get("changes", [])
        )

    return matches


def refused_status(stack: Stack, query: str) -> int:
    with pytest.raises(InvalidStatus) as refused, connect(f"{stack.ws_url}?{query}", open_timeout=20):
        pass
    return int(refused.value.response.status_code)


def hold(api: Api, user: User, event_id: str, seat_ids: list[str], **headers: str) -> Any:
    return api.call("POST", f"/events/{event_id}/holds", user, json={"seat_ids": seat_ids}, headers=headers)


def test_viewers_see_a_seat_turn_held_then_sold_without_reloading(api: Api, stack: Stack) -> None:
    # GIVEN an event on sale, one viewer subscribed by URL and one by a subscribe_seats message
    event_id, seats = api.small_event()
    buyer = api.new_user()
    with socket(stack, f"event_id={event_id}") as by_url, socket(stack, "") as by_message:
        by_message.send(json.dumps({"action": "subscribe_seats", "event_id": event_id}))
        time.sleep(0.5)  # the $default handler stores the subscription
        # WHEN another customer holds a seat over HTTP
        held = hold(api, buyer, event_id, [seats[0]])
        assert held.status_code == 201, held.text
        # THEN both viewers are told, with the section as the seat map names it
        for viewer in (by_url, by_message):
            message = wait_for(viewer, seat_status(seats[0], "held"))[-1]
            assert message["event_id"] == event_id
            change = next(c for c in message["changes"] if c["seat_id"] == seats[0])
            assert change == {
                "seat_id": seats[0],
                "section": "Floor",
                "status": "held",
                "expires_at": held.json()["expires_at"],
            }
            assert message["as_of"].endswith("Z")
        # AND when the customer pays, the seat turns sold
        paid = api.call(
            "POST",
            f"/holds/{held.json()['hold_id']}/checkout",
            buyer,
            json={"payment_token": "tok_visa"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert paid.status_code == 201, paid.text
        for viewer in (by_url, by_message):
            wait_for(viewer, seat_status(seats[0], "sold"))
    # and the REST seat map agrees with what was pushed
    rest = {s["seat_id"]: s["status"] for s in api.call("GET", f"/events/{event_id}/seats").json()["seats"]}
    assert rest[seats[0]] == "sold"


def test_a_burst_of_changes_reaches_a_viewer_batched_at_most_once_a_second(api: Api, stack: Stack) -> None:
    event_id, seats = api.small_event(max_per_order=10)
    buyers = [api.new_user() for _ in range(3)]
    with socket(stack, f"event_id={event_id}") as viewer:
        for n, buyer in enumerate(buyers):
            response = hold(api, buyer, event_id, seats[n * 5 : n * 5 + 5])
            assert response.status_code == 201, response.text
        wanted = set(seats[:15])
        got: set[str] = set()
        arrivals: list[float] = []
        while got != wanted:
            (message,) = wait_for(viewer, lambda m: m.get("type") == "seats")
            arrivals.append(time.monotonic())
            assert not message.get("refresh")
            got |= {c["seat_id"] for c in message["changes"] if c["status"] == "held"}
        # 15 changes from 3 requests, in fewer messages than changes (batched per second)
        assert len(arrivals) < 15


def test_connect_refuses_bad_tokens_and_other_peoples_queue_ids(api: Api, stack: Stack) -> None:
    event_id, _ = api.small_event(queue_required=True)
    ann, bob = api.new_user(), api.new_user()
    place = api.join_queue(ann, event_id)
    queue_id = place["queue_id"]
    assert refused_status(stack, f"queue_id={queue_id}&token=not-a-jwt") == 401
    assert refused_status(stack, f"queue_id={queue_id}") == 401
    assert refused_status(stack, f"queue_id={queue_id}&token={bob.token}") == 403
    assert refused_status(stack, f"queue_id={event_id}-{'0' * 32}&token={ann.token}") == 403
    assert refused_status(stack, f"event_id=no-such-event-{uuid.uuid4().hex[:8]}") == 404
    # the owner is let in, at the URL the join answered with
    assert place["websocket_url"].startswith(stack.ws_url)
    with connect(f"{place['websocket_url']}&token={ann.token}", open_timeout=20):
        pass


def test_the_connections_endpoint_answers_410_for_unknown_ids_and_gone_viewers_are_purged(
    api: Api, stack: Stack, services: None
) -> None:
    import boto3

    from chalicelib.realtime.connections import Connection, DynamoConnectionStore, seats_channel

    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=stack.ws_management_url,
        region_name="us-east-1",
        aws_access_key_id="onsale-local",
        aws_secret_access_key="onsale-local",
    )
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId="bm8tc3VjaC1jb25u", Data=b"{}")
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId="bm8tc3VjaC1jb25u")

    # GIVEN a viewer whose client vanished without a $disconnect, next to a live one
    event_id, seats = api.small_event()
    store = DynamoConnectionStore()
    stale = "c3RhbGUtY29ubmVjdGlvbg=="
    store.add(Connection(stale, seats_channel(event_id), event_id, connected_at=time.time()))
    assert stale in store.listeners(seats_channel(event_id))
    with socket(stack, f"event_id={event_id}") as live:
        # WHEN a seat change is pushed to both
        assert hold(api, api.new_user(), event_id, [seats[3]]).status_code == 201
        wait_for(live, seat_status(seats[3], "held"))
        # THEN the gone one was purged at its 410; the live one is still subscribed
        deadline = time.monotonic() + 10
        while stale in store.listeners(seats_channel(event_id)):
            assert time.monotonic() < deadline, "the gone connection was not purged"
            time.sleep(0.2)
        assert len(store.listeners(seats_channel(event_id))) == 1
        # and the management API sees the live connection, and refuses an oversized frame
        (live_id,) = store.listeners(seats_channel(event_id))
        assert "ConnectedAt" in management.get_connection(ConnectionId=live_id)
        with pytest.raises(management.exceptions.PayloadTooLargeException):
            management.post_to_connection(ConnectionId=live_id, Data=b"x" * (33 * 1024))
    # once the client closes, $disconnect forgets it
    deadline = time.monotonic() + 10
    while store.listeners(seats_channel(event_id)):
        assert time.monotonic() < deadline, "$disconnect did not remove the connection"
        time.sleep(0.2)


def test_a_queued_customer_is_pushed_positions_then_admitted_with_a_token_the_holds_route_accepts(
    api: Api, stack: Stack
) -> None:
    # GIVEN a queued onsale admitting one customer every two seconds, and six customers ahead of Ann
    event_id, seats = api.small_event(queue_required=True, admit_per_minute=30)
    ahead = [api.new_user() for _ in range(6)]
    ann = api.new_user()
    for fan in ahead:
        api.join_queue(fan, event_id)
    place = api.join_queue(ann, event_id)
    # WHEN Ann keeps a socket open on her place
    with connect(f"{place['websocket_url']}&token={ann.token}", open_timeout=20) as ws:
        seen = wait_for(ws, lambda m: m.get("type") == "admitted", timeout=90)
    # THEN she saw her position pushed (only when it changed), then her admission, once
    positions = [m["position"] for m in seen if m["type"] == "position"]
    assert positions, f"no position pushed before admission: {seen}"
    assert all(a != b for a, b in itertools.pairwise(positions)), positions
    assert positions[-1] < positions[0] or len(positions) == 1
    assert all(isinstance(m["estimated_wait_seconds"], int) for m in seen if m["type"] == "position")
    admitted = seen[-1]
    assert admitted["expires_at"].endswith("Z")
    # AND the pushed token is what the holds route wants
    assert hold(api, ann, event_id, [seats[0]]).status_code == 403
    response = hold(api, ann, event_id, [seats[0]], **{"X-Admission-Token": admitted["admission_token"]})
    assert response.status_code == 201, response.text
