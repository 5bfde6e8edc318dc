"""A queued onsale through the public API of the local stack: fair places, admissions in order,
and holds that need the customer's own admission token."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.openapi_check import validate_response
from tests.support import Api, User

PRE_OPEN = 20  # with 20 pre-open fans, the chance that the draw keeps arrival order is 1/20!
LATER = 8
ADMIT_PER_MINUTE = 600
OPENS_IN = timedelta(seconds=30)  # time enough to provision a small hall and take 20 joins


@dataclass
class Onsale:
    event_id: str
    seat_ids: list[str]
    pre_open: list[User]  # in the order they joined
    later: list[User]  # in the order they joined
    joined: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> 201 body
    final: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> admitted body
    last_seen_waiting: dict[str, float] = field(default_factory=dict)  # user id -> monotonic time
    first_seen_admitted: dict[str, float] = field(default_factory=dict)


def _fans(api: Api, count: int) -> list[User]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda _: api.new_user(), range(count)))


def _join(api: Api, fan: User, event_id: str) -> dict[str, Any]:
    response = api.call("POST", f"/events/{event_id}/queue", fan)
    assert response.status_code == 201, response.text
    validate_response("POST", "/events/{event_id}/queue", 201, response.json())
    return dict(response.json())


def _status(api: Api, fan: User, event_id: str, queue_id: str) -> dict[str, Any]:
    response = api.call("GET", f"/events/{event_id}/queue/{queue_id}", fan)
    assert response.status_code == 200, response.text
    validate_response("GET", "/events/{event_id}/queue/{queue_id}", 200, response.json())
    return dict(response.json())


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def onsale(api: Api) -> Onsale:
    """GIVEN a queued onsale that opens in 30 s, 20 fans who join before it opens and 8 after,
    WHEN the admitter admits them, THEN every fan's admitted standing (polled like a client)."""
    fans = _fans(api, PRE_OPEN + LATER)
    event_id, seat_ids = api.small_event(
        queue_required=True, opens_in=OPENS_IN, admit_per_minute=ADMIT_PER_MINUTE, max_per_order=2
    )
    opens_at = _epoch(api.call("GET", f"/events/{event_id}").json()["onsale"]["opens_at"])
    sale = Onsale(event_id, seat_ids, fans[:PRE_OPEN], fans[PRE_OPEN:])
    for fan in sale.pre_open:
        sale.joined[fan.user_id] = _join(api, fan, event_id)
    assert time.time() < opens_at - 1, "the pre-open joins took too long for this test to mean anything"
    # Before the draw the honest position is the pool's size; the place is not known yet.
    before = _status(api, sale.pre_open[0], event_id, sale.joined[sale.pre_open[0].user_id]["queue_id"])
    assert before["status"] == "waiting" and before["place"] is None and before["position"] >= 1
    time.sleep(max(0.0, opens_at - time.time()) + 0.5)
    for fan in sale.later:
        sale.joined[fan.user_id] = _join(api, fan, event_id)
    everyone = sale.pre_open + sale.later
    deadline = time.monotonic() + 120
    while len(sale.final) < len(everyone):
        assert time.monotonic() < deadline, f"only {len(sale.final)} fans were admitted"
        for fan in everyone:
            body = _status(api, fan, event_id, sale.joined[fan.user_id]["queue_id"])
            seen = time.monotonic()
            if body["status"] == "waiting":
                sale.last_seen_waiting[fan.user_id] = seen
            else:
                assert body["status"] == "admitted", body
                sale.first_seen_admitted.setdefault(fan.user_id, seen)
                if fan.user_id in sale.final:  # an admission never changes once given
                    assert body["expires_at"] == sale.final[fan.user_id]["expires_at"]
                    assert body["place"] == sale.final[fan.user_id]["place"]
                sale.final[fan.user_id] = body
        time.sleep(0.2)
    return sale


def test_pre_open_fans_get_a_random_permutation_of_the_first_places(onsale: Onsale) -> None:
    places = [onsale.final[fan.user_id]["place"] for fan in onsale.pre_open]
    assert sorted(places) == list(range(1, PRE_OPEN + 1))
    assert places != list(range(1, PRE_OPEN + 1)), "the draw kept arrival order"


def test_later_fans_come_after_them_strictly_in_arrival_order(onsale: Onsale) -> None:
    places = [onsale.final[fan.user_id]["place"] for fan in onsale.later]
    assert places == list(range(PRE_OPEN + 1, PRE_OPEN + LATER + 1))
    admitted_at = [_epoch(onsale.final[fan.user_id]["expires_at"]) for fan in onsale.later]
    assert admitted_at == sorted(admitted_at), "a later arrival was admitted ahead of an earlier one"


def test_admissions_follow_the_places_and_nobody_is_admitted_twice(onsale: Onsale) -> None:
    everyone = onsale.pre_open + onsale.later
    by_place = sorted(everyone, key=lambda fan: onsale.final[fan.user_id]["place"])
    # The server's admission times (expires_at = admission + window) never go back in place order.
    times = [_epoch(onsale.final[fan.user_id]["expires_at"]) for fan in by_place]
    assert times == sorted(times)
    # And as observed by polling: nobody was seen waiting after someone behind them was admitted.
    for i, ahead in enumerate(by_place):
        for behind in by_place[i + 1 :]:
            waited = onsale.last_seen_waiting.get(ahead.user_id, float("-inf"))
            assert waited < onsale.first_seen_admitted[behind.user_id], "admitted out of order"
    tokens = {onsale.final[fan.user_id]["admission_token"] for fan in everyone}
    assert len(tokens) == len(everyone)
    assert all(onsale.final[fan.user_id]["position"] == 0 for fan in everyone)


def test_rejoining_returns_the_same_queue_id_and_place(api: Api, onsale: Onsale) -> None:
    fan = onsale.pre_open[3]
    again = _join(api, fan, onsale.event_id)
    assert again["queue_id"] == onsale.joined[fan.user_id]["queue_id"]
    assert again["place"] == onsale.final[fan.user_id]["place"]
    assert again["status"] == "admitted"
    status = _status(api, fan, onsale.event_id, again["queue_id"])
    assert status["place"] == onsale.final[fan.user_id]["place"]


def test_another_fans_queue_id_is_not_found(api: Api, onsale: Onsale) -> None:
    mine, theirs = onsale.pre_open[0], onsale.pre_open[1]
    their_queue = onsale.joined[theirs.user_id]["queue_id"]
    response = api.call("GET", f"/events/{onsale.event_id}/queue/{their_queue}", mine)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "admission_token" not in response.text
    made_up = api.call("GET", f"/events/{onsale.event_id}/queue/{onsale.event_id}-{'0' * 32}", mine)
    assert made_up.status_code == 404


def _hold(api: Api, fan: User, event_id: str, seat_id: str, token: str | None) -> Any:
    headers = {"X-Admission-Token": token} if token is not None else {}
    return api.call("POST", f"/events/{event_id}/holds", fan, json={"seat_ids": [seat_id]}, headers=headers)


def _refused(response: Any) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "admission_required"


@pytest.mark.usefixtures("services")
def test_holds_need_the_fans_own_valid_admission_token(api: Api, onsale: Onsale) -> None:
    import jwt

    from chalicelib.waiting_room import tokens

    fan, other = onsale.pre_open[0], onsale.pre_open[1]
    token = onsale.final[fan.user_id]["admission_token"]
    queue_id = onsale.final[fan.user_id]["queue_id"]
    seat = onsale.seat_ids[0]
    now = int(time.time())
    # no token, a forged one (another key; `alg: none`), someone else's, an expired one
    _refused(_hold(api, fan, onsale.event_id, seat, None))
    _refused(_hold(api, fan, onsale.event_id, seat, "not-a-token"))
    claims = jwt.decode(token, options={"verify_signature": False})
    _refused(_hold(api, fan, onsale.event_id, seat, jwt.encode(claims, "a-guessed-key-" * 4, "HS256")))
    _refused(_hold(api, fan, onsale.event_id, seat, jwt.encode(claims, "", algorithm="none")))
    _refused(_hold(api, other, onsale.event_id, seat, token))
    tokens._secret.cache_clear()
    key = tokens.signing_key()  # the stack's own key, read from the emulator's Secrets Manager
    expired = tokens.issue(
        user_id=fan.user_id,
        event_id=onsale.event_id,
        queue_id=queue_id,
        admitted_at=now - 700,
        expires_at=now - 100,
        key=key,
    )
    _refused(_hold(api, fan, onsale.event_id, seat, expired))
    # THEN with their own token the fan holds the seat
    held = _hold(api, fan, onsale.event_id, seat, token)
    assert held.status_code == 201, held.text
    validate_response("POST", "/events/{event_id}/holds", 201, held.json())
    assert held.json()["seat_ids"] == [seat]


def test_a_token_for_another_event_is_refused(api: Api, onsale: Onsale) -> None:
    # GIVEN a second queued onsale, already open, where the same fan is admitted
    fan = onsale.pre_open[2]
    other_event, other_seats = api.small_event(
        queue_required=True, opens_in=timedelta(minutes=-1), admit_per_minute=ADMIT_PER_MINUTE
    )
    joined = _join(api, fan, other_event)
    other_token = api.wait_for_admission(fan, other_event, joined["queue_id"])["admission_token"]
    # THEN each event's token works only for its own event
    _refused(_hold(api, fan, onsale.event_id, onsale.seat_ids[1], other_token))
    _refused(_hold(api, fan, other_event, other_seats[0], onsale.final[fan.user_id]["admission_token"]))
    held = _hold(api, fan, other_event, other_seats[0], other_token)
    assert held.status_code == 201, held.text


def test_joining_needs_a_queued_event_and_a_signed_in_fan(api: Api, onsale: Onsale) -> None:
    fan = onsale.later[0]
    anonymous = api.call("POST", f"/events/{onsale.event_id}/queue")
    assert anonymous.status_code == 401
    unknown = api.call("POST", "/events/01NOSUCHEVENT000000000000000/queue", fan)
    assert unknown.status_code == 404 and unknown.json()["code"] == "event_not_found"
    plain_event, seats = api.small_event(seats_per_row=2, rows=1)
    not_queued = api.call("POST", f"/events/{plain_event}/queue", fan)
    assert not_queued.status_code == 409 and not_queued.json()["code"] == "queue_not_required"
    # and an event without a queue still sells without any token
    held = api.call("POST", f"/events/{plain_event}/holds", fan, json={"seat_ids": [seats[0]]})
    assert held.status_code == 201, held.text


def test_every_join_was_answered_at_once_with_a_waiting_status(onsale: Onsale) -> None:
    # Each 201 answered with a waiting status and a WebSocket URL naming the queue id.
    for fan in onsale.pre_open + onsale.later:
        joined = onsale.joined[fan.user_id]
        assert joined["status"] == "waiting" and joined["position"] >= 1
        assert joined["estimated_wait_seconds"] >= 0
        assert joined["websocket_url"].startswith("ws")
        assert joined["websocket_url"].endswith("?queue_id=" + joined["queue_id"])
