"""Onsale day: thousands of fans join a queued onsale; the waiting room lets them in fairly.

    python -m bench.waiting_room [--fans 2000] [--websockets 200] [--seats 500]
                                 [--admit-per-minute 1200] [--pre-open-seconds 30]

Starts its own local stack (REST API, WebSocket gateway, pollers, admitter), signs up F fans,
creates a venue of S seats and a `queue_required` event opening P seconds later with the given
admission rate. Half the fans join before the sale opens (all at once), the rest after it
opened, a few at a time (so that "arrival order" is well defined: a fan whose join was answered
before another's was sent arrived first). W fans hold a WebSocket (`websocket_url` + token) and
wait for the `admitted` push; the others poll `GET /events/{id}/queue/{queue_id}` at a pace set by
their estimated wait. Every admitted fan tries once to hold 1-2 seats with the admission token and
pay, until the seats run out.

Prints and writes to bench/results/waiting_room.json: join latency p50/p99 (and DynamoDB
requests per join), admissions per minute against the configured rate, time from admission to
the `admitted` push p50/p99, out-of-order admissions (a later arrival let in strictly before an
earlier one, or a post-open arrival before a pre-open one; must be 0), fans admitted twice (must
be 0), holds refused without a token, and oversold seats (must be 0).

Exit status: 1 on a correctness failure (out-of-order admissions, a double admission, an oversold
seat, a 5xx, a fan never admitted); 2 when the stack or the setup failed; 0 otherwise. Timings
never fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.flash_sale import (
    Client,
    all_bookings,
    percentile,
    sign_up_buyers,
    venue_sections,
)
from local.launcher import StackFailedError, launched_stack
from tests.support import Api, Stack, User, rfc3339

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "waiting_room.json"
REQUEST_TIMEOUT = 30.0
ADMISSION_WINDOW_SECONDS = 600  # a turn lasts 10 minutes (the admission token's lifetime)
EMULATOR_NOTE = (
    "moto serves DynamoDB one request at a time (~650 requests/s on this 2-core machine, shared "
    "with the API, the WebSocket gateway, the pollers and these clients): latencies measure the "
    "laptop stack, not AWS."
)


class SetupFailed(RuntimeError):
    pass


@dataclass
class Fan:
    index: int
    user: User
    socket: bool
    pre_open: bool
    join_sent: float = 0.0  # epoch seconds
    join_done: float = 0.0
    join_status: int = 0
    join_ms: float | None = None
    join_calls: dict[str, int] | None = None
    queue_id: str = ""
    websocket_url: str = ""
    admitted_seen: float | None = None  # when this client learnt of its admission
    admitted_via: str = ""
    admitted_at: float | None = None  # the server's admission time (from the admission token)
    tokens: set[str] = field(default_factory=set)
    positions: list[int] = field(default_factory=list)
    place: int | None = None
    admitted_tick: float | None = None  # the admitter's tick that let this place in (epoch s, exact)
    hold_status: int | None = None
    booking: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (the benchmark only reads the admission time)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def admission_time(token: str) -> float | None:
    """When the fan was admitted: the token says `admitted_at`, or `exp` minus the window."""
    claims = token_claims(token)
    if "admitted_at" in claims:
        return float(claims["admitted_at"])
    if "exp" in claims:
        return float(claims["exp"]) - ADMISSION_WINDOW_SECONDS
    return None


# --- the stack and the event ----------------------------------------------------------------


def create_queued_event(api: Api, seats: int, admit_per_minute: int, opens_at: datetime) -> str:
    venue_id = api.create_venue(venue_sections(seats), name="Waiting Room Arena")
    starts = datetime.now(UTC) + timedelta(days=30)
    body = {
        "venue_id": venue_id,
        "name": "Onsale Day",
        "description": "A hot onsale behind the waiting room",
        "category": "concerts",
        "performers": ["The Queue"],
        "start_at": rfc3339(starts),
        "end_at": rfc3339(starts + timedelta(hours=3)),
        "onsale": {
            "opens_at": rfc3339(opens_at),
            "hold_seconds": 300,
            "max_per_order": 2,
            "queue_required": True,
            "admit_per_minute": admit_per_minute,
        },
    }
    response = api.call("POST", "/admin/events", api.admin, json=body)
    if response.status_code != 201:
        raise SetupFailed(f"POST /admin/events answered {response.status_code}: {response.text[:300]}")
    event_id = str(response.json()["event_id"])
    api.wait_until_ready(event_id, timeout=300)
    return event_id


# --- joining --------------------------------------------------------------------------------


def join(client: Client, event_id: str, fan: Fan) -> None:
    fan.join_sent = time.time()
    sample, body = client.timed("join", "POST", f"/events/{event_id}/queue", fan.user, {})
    fan.join_done = time.time()
    fan.join_status, fan.join_ms, fan.join_calls = sample.status, sample.latency_ms, sample.aws_calls
    if sample.status in (200, 201) and isinstance(body, dict):
        fan.queue_id = str(body["queue_id"])
        fan.websocket_url = str(body.get("websocket_url") or "")
        fan.positions.append(int(body.get("position") or 0))
    else:
        fan.errors.append(f"join answered {sample.status} {sample.code}")


# --- waiting --------------------------------------------------------------------------------


def note_admission(fan: Fan, token: str, via: str) -> None:
    if fan.admitted_seen is None:
        fan.admitted_seen = time.time()
        fan.admitted_via = via
    fan.tokens.add(token)
    if fan.admitted_at is None:
        fan.admitted_at = admission_time(token)


def wait_by_polling(client: Client, event_id: str, fan: Fan, deadline: float, stop: threading.Event) -> None:
    while time.time() < deadline and not stop.is_set():
        status, body = client.get_json(f"/events/{event_id}/queue/{fan.queue_id}", fan.user)
        if status != 200 or not isinstance(body, dict):
            fan.errors.append(f"queue status answered {status}")
            time.sleep(2)
            continue
        if body.get("status") == "admitted" and body.get("admission_token"):
            note_admission(fan, str(body["admission_token"]), "poll")
            return
        if body.get("status") == "expired":
            fan.errors.append("expired while waiting")
            return
        fan.positions.append(int(body.get("position") or 0))
        wait = float(body.get("estimated_wait_seconds") or 0)
        # A polite client: poll often only when its turn is near.
        time.sleep(min(20.0, max(2.0, wait / 3)))


async def _hold_socket(fan: Fan, deadline: float) -> None:
    import websockets

    separator = "&" if "?" in fan.websocket_url else "?"
    url = f"{fan.websocket_url}{separator}token={fan.user.token}"
    try:
        async with websockets.connect(url, open_timeout=30, max_size=64 * 1024) as socket:
            while time.time() < deadline:
                try:
                    raw = await asyncio.wait_for(socket.recv(), timeout=max(0.1, deadline - time.time()))
                except TimeoutError:
                    return
                message = json.loads(raw)
                if message.get("type") == "position":
                    fan.positions.append(int(message["position"]))
                elif message.get("type") == "admitted":
                    note_admission(fan, str(message["admission_token"]), "push")
                    return
    except Exception as exc:  # a refused or dropped socket is a measured outcome, not a crash
        fan.errors.append(f"websocket: {type(exc).__name__}: {exc}"[:200])


def wait_by_sockets(fans: list[Fan], deadline: float) -> None:
    async def all_sockets() -> None:
        await asyncio.gather(*(_hold_socket(f, deadline) for f in fans))

    asyncio.run(all_sockets())


def fetch_places(client: Client, event_id: str, fans: list[Fan]) -> None:
    def one(fan: Fan) -> None:
        status, body = client.get_json(f"/events/{event_id}/queue/{fan.queue_id}", fan.user)
        if status == 200 and isinstance(body, dict) and body.get("place") is not None:
            fan.place = int(body["place"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, [f for f in fans if f.queue_id]))


def fetch_admission_ticks(emulator_url: str, event_id: str, fans: list[Fan]) -> None:
    """The exact admission time of each fan's place: the first tick of the serving counter that
    reached it (the waiting room's `queue_ticks` table, read from the emulator)."""
    import boto3

    db = boto3.client(
        "dynamodb",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="onsale-local",
        aws_secret_access_key="onsale-local",
    )
    for fan in fans:
        if fan.place is None:
            continue
        items = db.query(
            TableName="onsale-local-queue_ticks",
            KeyConditionExpression="event_id = :e AND serving >= :p",
            ExpressionAttributeValues={":e": {"S": event_id}, ":p": {"N": str(fan.place)}},
            Limit=1,
        ).get("Items", [])
        if items:
            fan.admitted_tick = float(items[0]["at"]["N"])


# --- buying ---------------------------------------------------------------------------------


def buy(client: Client, event_id: str, sections: list[str], fan: Fan, seed: int) -> None:
    token = next(iter(fan.tokens))
    rng = random.Random(f"{seed}-{fan.index}")
    body = {"section": rng.choice(sections), "quantity": rng.randint(1, 2)}
    sample, hold = client.timed(
        "hold", "POST", f"/events/{event_id}/holds", fan.user, body, headers={"X-Admission-Token": token}
    )
    fan.hold_status = sample.status
    if sample.status != 201 or not isinstance(hold, dict):
        return
    sample, booking = client.timed(
        "checkout",
        "POST",
        f"/holds/{hold['hold_id']}/checkout",
        fan.user,
        {"payment_token": "tok_visa"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if sample.status == 201 and isinstance(booking, dict):
        fan.booking = booking


# --- analysis -------------------------------------------------------------------------------


def out_of_order(fans: list[Fan]) -> dict[str, int]:
    """Admissions that broke the promise, judged on the places the queue gave (its admission
    order): a post-open arrival B placed ahead of a post-open arrival A whose join was answered
    before B's was sent; and a post-open arrival placed ahead of a pre-open one."""
    placed = [f for f in fans if f.place is not None]
    later = sorted((f for f in placed if not f.pre_open), key=lambda f: f.join_sent)
    violations = 0
    for a in later:
        if any(b.join_sent > a.join_done and (b.place or 0) < (a.place or 0) for b in later):
            violations += 1
    last_pre_open = max((f.place or 0 for f in placed if f.pre_open), default=0)
    cohort = sum(1 for f in later if (f.place or 0) < last_pre_open)
    return {"later_arrival_before_earlier": violations, "post_open_before_pre_open": cohort}


def pre_open_shuffle(fans: list[Fan]) -> float | None:
    """Spearman's rank correlation between pre-open join order and place: near 0 when the places
    are a random draw, 1 when they follow arrival order."""
    pre = sorted((f for f in fans if f.pre_open and f.place is not None), key=lambda f: f.join_sent)
    n = len(pre)
    if n < 3:
        return None
    by_place = {f.index: rank for rank, f in enumerate(sorted(pre, key=lambda f: f.place or 0))}
    d2 = sum((i - by_place[f.index]) ** 2 for i, f in enumerate(pre))
    return round(1 - 6 * d2 / (n * (n * n - 1)), 3)


def admissions_per_minute(fans: list[Fan], opened: float) -> dict[str, Any]:
    times = sorted(f.admitted_tick for f in fans if f.admitted_tick is not None)
    if len(times) < 2:
        return {"admitted": len(times)}
    span = max(times) - max(opened, min(times))
    # Steady state: everything after the first second's burst (the pre-open crowd is let in
    # at the configured pace, so the whole span counts).
    rate = (len(times) - 1) / span * 60 if span > 0 else None
    return {"admitted": len(times), "span_s": round(span, 1), "per_minute": round(rate, 1) if rate else None}


def backlogged_rate(fans: list[Fan]) -> float | None:
    """Admissions per minute while the whole pre-open pool was waiting: the admitter's own pace,
    not limited by how fast later fans arrive."""
    times = sorted(f.admitted_tick for f in fans if f.pre_open and f.admitted_tick is not None)
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return round((len(times) - 1) / (times[-1] - times[0]) * 60, 1)


def describe_missing(fans: list[Fan], opened: float) -> list[dict[str, Any]]:
    """What is known of (up to five) fans who never saw their admission."""
    return [
        {
            "socket": f.socket,
            "pre_open": f.pre_open,
            "place": f.place,
            "admitted_tick_s_after_open": None
            if f.admitted_tick is None
            else round(f.admitted_tick - opened, 1),
            "positions_seen": f.positions[-3:],
            "errors": f.errors[:3],
        }
        for f in fans
        if f.admitted_at is None
    ][:5]


def summarise(
    args: argparse.Namespace, fans: list[Fan], verify: dict[str, Any], opened: float
) -> dict[str, Any]:
    joins = [f.join_ms for f in fans if f.join_ms is not None and f.join_status in (200, 201)]
    calls: Counter[str] = Counter()
    for f in fans:
        calls.update(f.join_calls or {})
    push_latency = [
        (f.admitted_seen - f.admitted_tick) * 1000
        for f in fans
        if f.admitted_via == "push" and f.admitted_seen is not None and f.admitted_tick is not None
    ]
    order = out_of_order(fans)
    rate = admissions_per_minute(fans, opened)
    not_admitted = [f.index for f in fans if f.admitted_at is None]
    twice = [f.index for f in fans if len({admission_time(t) for t in f.tokens}) > 1]
    five_xx = sum(1 for f in fans if f.join_status >= 500 or (f.hold_status or 0) >= 500)
    return {
        "config": {
            "fans": args.fans,
            "websockets": args.websockets,
            "seats": args.seats,
            "admit_per_minute": args.admit_per_minute,
            "pre_open_seconds": args.pre_open_seconds,
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "aws": "moto server"},
        "join_ms": {
            "n": len(joins),
            "p50": _r(percentile(joins, 50)),
            "p99": _r(percentile(joins, 99)),
            "max": _r(max(joins) if joins else None),
        },
        "join_failures": sum(1 for f in fans if f.join_status not in (200, 201)),
        "dynamodb_requests_per_join": {
            k: round(v / max(1, len(joins)), 3) for k, v in sorted(calls.items()) if k.startswith("dynamodb")
        },
        "aws_requests_per_join": round(sum(calls.values()) / max(1, len(joins)), 3),
        "admissions": {**rate, "per_minute_while_backlogged": backlogged_rate(fans)},
        "admitted_push_ms": {
            "n": len(push_latency),
            "p50": _r(percentile(push_latency, 50)),
            "p99": _r(percentile(push_latency, 99)),
        },
        "websocket_errors": sum(1 for f in fans if f.socket and any("websocket" in e for e in f.errors)),
        "admitted_by": dict(Counter(f.admitted_via for f in fans if f.admitted_via)),
        "out_of_order_admissions": order,
        "pre_open_join_order_vs_place_spearman": pre_open_shuffle(fans),
        "admitted_twice": len(twice),
        "never_admitted": len(not_admitted),
        "never_admitted_sample": describe_missing(fans, opened),
        "five_xx": five_xx,
        "holds": dict(Counter(str(f.hold_status) for f in fans if f.hold_status is not None)),
        **verify,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def verify_sales(client: Client, event_id: str, fans: list[Fan]) -> dict[str, Any]:
    buyers = [f for f in fans if f.hold_status == 201]
    with ThreadPoolExecutor(max_workers=8) as pool:
        listed = list(pool.map(lambda f: all_bookings(client, f.user), buyers))
    owners: Counter[str] = Counter(
        seat
        for bookings in listed
        for b in bookings
        if b["event_id"] == event_id and b["status"] == "confirmed"
        for seat in b["seat_ids"]
    )
    return {
        "sold_seats": len(owners),
        "oversold_seats": sum(1 for n in owners.values() if n > 1),
    }


def render(report: dict[str, Any]) -> str:
    cfg, adm, order = report["config"], report["admissions"], report["out_of_order_admissions"]
    lines = [
        "Waiting room benchmark (bench/waiting_room.py)",
        "=" * 46,
        f"{cfg['fans']} fans ({cfg['websockets']} on WebSockets), {cfg['seats']} seats, "
        f"{cfg['admit_per_minute']} admissions/min configured, sale opens {cfg['pre_open_seconds']} s "
        f"after the first joins; {report['machine']['cpus']} CPUs, {report['machine']['aws']}",
        "",
        f"join (POST /queue)        p50 {report['join_ms']['p50']} ms, p99 {report['join_ms']['p99']} ms, "
        f"max {report['join_ms']['max']} ms; failures {report['join_failures']}; "
        f"AWS requests/join {report['aws_requests_per_join']} {report['dynamodb_requests_per_join']}",
        f"admissions               {adm.get('admitted')} admitted over {adm.get('span_s')} s = "
        f"{adm.get('per_minute')}/min (limited by later fans' arrival) vs {cfg['admit_per_minute']}/min "
        f"configured; {adm.get('per_minute_while_backlogged')}/min while the pre-open pool waited",
        f"admission -> push        p50 {report['admitted_push_ms']['p50']} ms, "
        f"p99 {report['admitted_push_ms']['p99']} ms (n {report['admitted_push_ms']['n']}; "
        "from the admitter's tick to the client's receipt)",
        f"admitted via             {report['admitted_by']}; websocket errors {report['websocket_errors']}",
        f"out-of-order admissions  {order['later_arrival_before_earlier']} later-before-earlier, "
        f"{order['post_open_before_pre_open']} post-open-before-pre-open   (must be 0)",
        f"pre-open shuffle         Spearman(join order, place) = "
        f"{report['pre_open_join_order_vs_place_spearman']} (about 0: random; 1: arrival order)",
        f"admitted twice           {report['admitted_twice']}   (must be 0)",
        f"never admitted           {report['never_admitted']} {report['never_admitted_sample'] or ''}",
        f"holds                    {report['holds']}",
        f"sold seats               {report['sold_seats']} of {cfg['seats']}; "
        f"oversold {report['oversold_seats']}   (must be 0)",
        f"5xx                      {report['five_xx']}",
        "",
        f"Note: {EMULATOR_NOTE}",
    ]
    return "\n".join(lines)


def failures(report: dict[str, Any]) -> list[str]:
    problems = []
    order = report["out_of_order_admissions"]
    if order["later_arrival_before_earlier"] or order["post_open_before_pre_open"]:
        problems.append("out-of-order admissions")
    if report["admitted_twice"]:
        problems.append("a fan admitted twice")
    if report["oversold_seats"]:
        problems.append("oversold seats")
    if report["five_xx"]:
        problems.append("5xx answers")
    if report["never_admitted"]:
        problems.append("fans never admitted")
    return problems


# --- the run --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="onsale-bench-") as state_name:
        state = Path(state_name)
        print("... starting the local stack", flush=True)
        with launched_stack(
            state, args=["--no-seed", "--no-web"], extra_env={"ONSALE_COUNT_AWS_CALLS": "1"}, timeout=240
        ) as launched:
            stack = Stack(
                api_url=launched.url("ONSALE_API_PORT"),
                emulator_url=launched.url("ONSALE_EMULATOR_PORT"),
                admin_email=launched.env["ONSALE_ADMIN_EMAIL"],
                admin_password=launched.env["ONSALE_ADMIN_PASSWORD"],
                state_dir=state,
            )
            return run_against(args, Api(stack), Client(stack.api_url), stack.emulator_url)


def run_against(args: argparse.Namespace, api: Api, client: Client, emulator_url: str) -> dict[str, Any]:
    rng = random.Random(args.seed)
    print(f"... signing up {args.fans} fans", flush=True)
    users = sign_up_buyers(client, args.fans, workers=args.concurrency)
    socket_fans = set(rng.sample(range(args.fans), min(args.websockets, args.fans)))
    pre_open_count = args.fans // 2
    fans = [Fan(i, u, socket=i in socket_fans, pre_open=i < pre_open_count) for i, u in enumerate(users)]

    opens_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=args.pre_open_seconds + 20)
    event_id = create_queued_event(api, args.seats, args.admit_per_minute, opens_at)
    sections = [s["section"] for s in venue_sections(args.seats)]
    opened = opens_at.timestamp()

    no_token = api.call("POST", f"/events/{event_id}/holds", fans[0].user, json={"seat_ids": ["x"]})
    print(f"... a hold without a token answers {no_token.status_code}", flush=True)

    deadline = opened + args.fans / args.admit_per_minute * 60 * 2 + 120
    stop = threading.Event()
    print(f"... {pre_open_count} fans join before the sale opens", flush=True)
    with ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="join") as pool:
        list(pool.map(lambda f: join(client, event_id, f), fans[:pre_open_count]))
    wait = opened - time.time() + 1
    if wait > 0:
        print(f"... waiting {wait:.0f} s for the sale to open", flush=True)
        time.sleep(wait)
    sockets_pre = [f for f in fans[:pre_open_count] if f.socket and f.queue_id]
    socket_thread = threading.Thread(target=wait_by_sockets, args=(sockets_pre, deadline), daemon=True)
    socket_thread.start()

    print(f"... {args.fans - pre_open_count} fans join after it opened, a few at a time", flush=True)
    later = fans[pre_open_count:]
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="join-later") as pool:
        list(pool.map(lambda f: join(client, event_id, f), later))
    sockets_later = [f for f in later if f.socket and f.queue_id]
    later_sockets = threading.Thread(target=wait_by_sockets, args=(sockets_later, deadline), daemon=True)
    later_sockets.start()

    print("... fans wait (sockets or polling) and buy when admitted", flush=True)
    bought: set[int] = set()
    lock = threading.Lock()

    def poller(fan: Fan) -> None:
        wait_by_polling(client, event_id, fan, deadline, stop)

    def buyer() -> None:
        while not stop.is_set():
            ready = [f for f in fans if f.tokens and f.index not in bought]
            for fan in ready:
                with lock:
                    if fan.index in bought:
                        continue
                    bought.add(fan.index)
                buy(client, event_id, sections, fan, args.seed)
            time.sleep(0.2)

    buyers = [threading.Thread(target=buyer, daemon=True) for _ in range(4)]
    for b in buyers:
        b.start()
    pollers = [f for f in fans if not f.socket and f.queue_id]
    with ThreadPoolExecutor(max_workers=args.pollers, thread_name_prefix="poll") as pool:
        list(pool.map(poller, pollers))
    socket_thread.join(timeout=max(0, deadline - time.time()))
    later_sockets.join(timeout=max(0, deadline - time.time()))
    while any(f.tokens and f.index not in bought for f in fans) and time.time() < deadline:
        time.sleep(0.5)
    stop.set()
    for b in buyers:
        b.join(timeout=60)
    print("... reading places and admission times", flush=True)
    fetch_places(client, event_id, fans)
    fetch_admission_ticks(emulator_url, event_id, fans)
    print("... verifying the sale", flush=True)
    verify = verify_sales(client, event_id, fans)
    verify["hold_without_token"] = no_token.status_code
    return summarise(args, fans, verify, opened)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fans", type=int, default=2000)
    parser.add_argument("--websockets", type=int, default=200)
    parser.add_argument("--seats", type=int, default=500)
    parser.add_argument("--admit-per-minute", type=int, default=1200)
    parser.add_argument("--pre-open-seconds", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=16, help="clients joining before the open")
    parser.add_argument("--pollers", type=int, default=64, help="threads of polling fans")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except (StackFailedError, SetupFailed, requests.RequestException) as failure:
        print(f"setup failed: {failure}", file=sys.stderr)
        return 2
    report["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print()
    print(render(report))
    print(f"\nJSON report: {args.output}")
    problems = failures(report)
    if problems:
        print("CORRECTNESS FAILURES: " + ", ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
