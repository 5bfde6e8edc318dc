"""Flash sale: many buyers rush a small on-sale event; no seat may be sold twice.

    python -m bench.flash_sale [--buyers N] [--seats M] [--concurrency C] [--mix 0.5]

Starts its own local stack (as tests/conftest.py does, with ONSALE_COUNT_AWS_CALLS=1), creates a
venue and an event, signs up N buyers, then lets C concurrent clients make one attempt per
buyer: hold 1-2 seats (explicit seat_ids picked from the seat map with probability `mix`,
otherwise `{section, quantity}`) and, on 201, check out. Afterwards it verifies the outcome from
the API, prints a report and writes it to bench/results/flash_sale.json.

Exit status: 0 when nothing was oversold and no request got a 5xx (or no answer at all);
1 otherwise; 2 when the stack or the setup failed. Timings never fail the run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from local.launcher import StackFailedError, launched_stack
from tests.support import Api, Stack, User

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "flash_sale.json"
STARTUP_TIMEOUT = 180.0
REQUEST_TIMEOUT = 30.0
SEAT_MAP_SETTLE_SECONDS = 30.0
MAX_PER_ORDER = 4
HOLD_SECONDS = 600
SETUP_CONNECTION_ERRORS: list[str] = []  # connections refused or reset outside the timed phase
SECTION_NAMES = ("Floor", "Stalls", "Circle", "Balcony")
SEATS_PER_ROW = 10
EMULATOR_NOTE = (
    "The emulator bounds throughput and latency here: moto (local.moto_server) is one process "
    "that serves DynamoDB requests one at a time, roughly 650 simple requests/s at best on this "
    "2-core machine, whose cores it shares with the API server, the stream pollers and this "
    "benchmark's clients. These timings measure the laptop stack, not DynamoDB; the "
    "DynamoDB-requests-per-operation figures do carry over to AWS."
)

# Operations of the timed phase, as recorded in samples.
SEAT_MAP = "seat_map"
HOLD_EXPLICIT = "hold_explicit"
HOLD_QUANTITY = "hold_quantity"
CHECKOUT = "checkout"


# --- the local stack ------------------------------------------------------------------------


class StackFailed(RuntimeError):
    pass


class Terminated(BaseException):
    """SIGTERM to the benchmark: unwind so that the stack is stopped too."""


@dataclass
class RunningStack:
    stack: Stack
    pid: int
    output: list[str]  # what `local.stack` printed so far


@contextmanager
def local_stack(keep_logs: Path | None = None) -> Iterator[RunningStack]:
    """`python -m local.stack --no-seed --no-web` on free ports, stopped with SIGTERM at the end.

    The stack's logs are copied to `keep_logs` once it has stopped."""
    with tempfile.TemporaryDirectory(prefix="onsale-bench-") as state_name:
        state = Path(state_name)
        try:
            with launched_stack(
                state,
                args=["--no-seed", "--no-web"],
                extra_env={"ONSALE_COUNT_AWS_CALLS": "1"},
                timeout=STARTUP_TIMEOUT,
            ) as launched:
                stack = Stack(
                    api_url=launched.url("ONSALE_API_PORT"),
                    emulator_url=launched.url("ONSALE_EMULATOR_PORT"),
                    admin_email=launched.env["ONSALE_ADMIN_EMAIL"],
                    admin_password=launched.env["ONSALE_ADMIN_PASSWORD"],
                    state_dir=state,
                )
                yield RunningStack(stack, launched.process.pid, launched.output)
        except StackFailedError as failure:
            raise StackFailed(str(failure)) from None
        finally:
            if keep_logs is not None:
                keep_logs.mkdir(parents=True, exist_ok=True)
                for kept in state.glob("*.log"):
                    shutil.copyfile(kept, keep_logs / kept.name)


# --- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request of the timed phase."""

    op: str
    status: int  # 0: no answer (connection error or timeout)
    latency_ms: float
    aws_calls: dict[str, int] | None  # None: the response had no X-Onsale-Aws-Calls header
    code: str | None = None  # the problem's `code` on errors
    started: float = 0.0  # time.perf_counter() when the request was sent


@dataclass
class Attempt:
    """What one buyer did in the timed phase."""

    buyer: int
    explicit: bool
    samples: list[Sample] = field(default_factory=list)
    hold: dict[str, Any] | None = None
    booking: dict[str, Any] | None = None


def parse_aws_calls(header: str | None) -> dict[str, int] | None:
    """`dynamodb.GetItem=1,dynamodb.TransactWriteItems=1` -> {"dynamodb.GetItem": 1, ...}."""
    if header is None:
        return None
    calls: dict[str, int] = {}
    for pair in header.split(","):
        name, sep, count = pair.strip().partition("=")
        if sep and name:
            calls[name] = calls.get(name, 0) + int(count)
    return calls


def dynamodb_calls(calls: dict[str, int] | None) -> dict[str, int]:
    """The DynamoDB part of a tally, keyed by operation name (GetItem, TransactWriteItems, ...)."""
    return {k.split(".", 1)[1]: v for k, v in (calls or {}).items() if k.startswith("dynamodb.")}


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(samples: Sequence[Sample]) -> dict[str, Any]:
    values = [s.latency_ms for s in samples]
    return {
        "n": len(values),
        "p50": _round(percentile(values, 50)),
        "p90": _round(percentile(values, 90)),
        "p99": _round(percentile(values, 99)),
        "max": _round(max(values) if values else None),
        "mean": _round(sum(values) / len(values) if values else None),
    }


def dynamodb_summary(tallies: Sequence[dict[str, int]]) -> dict[str, Any]:
    """Mean DynamoDB requests per item of `tallies` (one tally per successful operation)."""
    n = len(tallies)
    per_op: Counter[str] = Counter()
    for tally in tallies:
        per_op.update(tally)
    return {
        "n": n,
        "mean_total": _round(sum(per_op.values()) / n if n else None, 3),
        "mean_by_operation": {op: _round(count / n, 3) for op, count in sorted(per_op.items())},
        "max_total": max((sum(t.values()) for t in tallies), default=None),
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --- the API, per thread --------------------------------------------------------------------


class Client:
    """One HTTP session per worker thread (requests.Session is not meant to be shared)."""

    _local = threading.local()

    def __init__(self, base: str) -> None:
        self.base = base

    @property
    def http(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def timed(
        self,
        op: str,
        method: str,
        path: str,
        user: User,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[Sample, Any]:
        all_headers = dict(user.headers)
        all_headers.update(headers or {})
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, json=body, headers=all_headers, timeout=REQUEST_TIMEOUT
            )
            payload = response.json() if response.content else None
        except (requests.RequestException, ValueError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Sample(op, 0, elapsed, None, code=type(exc).__name__, started=started), None
        elapsed = (time.perf_counter() - started) * 1000
        code = payload.get("code") if response.status_code >= 400 and isinstance(payload, dict) else None
        calls = parse_aws_calls(response.headers.get("X-Onsale-Aws-Calls"))
        return Sample(op, response.status_code, elapsed, calls, code=code, started=started), payload

    def get_json(self, path: str, user: User | None = None) -> tuple[int, Any]:
        headers = user.headers if user else {}
        response = with_retries(
            f"GET {path}",
            lambda: self.http.get(self.base + path, headers=headers, timeout=REQUEST_TIMEOUT),
        )
        return response.status_code, response.json() if response.content else None


# --- where the CPU went ---------------------------------------------------------------------


def _process_cpu(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command line, user+system CPU seconds) of a process, from /proc (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return int(fields[1]), cmdline, ticks / os.sysconf("SC_CLK_TCK")


def cpu_seconds(stack_pid: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the stack and by this benchmark (Linux only)."""
    times = os.times()
    used = {"benchmark_client": times.user + times.system}
    if not Path("/proc/self/stat").exists():
        return used
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _process_cpu(int(entry.name))) is not None:
            processes[int(entry.name)] = info
    family, grew = {stack_pid}, True
    while grew:
        more = {pid for pid, (ppid, _, _) in processes.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    for pid in family:
        if pid not in processes:
            continue
        _, cmdline, seconds = processes[pid]
        if "moto" in cmdline:
            part = "emulator"
        elif "local.api" in cmdline:
            part = "api"
        elif "local.stack" in cmdline:
            part = "stack_and_pollers"
        else:
            part = "other"
        used[part] = used.get(part, 0.0) + seconds
    return used


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    delta = {part: round(after[part] - before.get(part, 0.0), 1) for part in after}
    delta["total"] = round(sum(delta.values()), 1)
    return delta


# --- setup ----------------------------------------------------------------------------------


def row_name(index: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def venue_sections(seats: int) -> list[dict[str, Any]]:
    """`seats` seats in up to four sections, rows of at most ten seats, dearer nearer the stage."""
    count = min(len(SECTION_NAMES), seats)
    sections = []
    for i in range(count):
        in_section = seats // count + (1 if i < seats % count else 0)
        rows = []
        for r in range(math.ceil(in_section / SEATS_PER_ROW)):
            rows.append({"row": row_name(r), "seats": min(SEATS_PER_ROW, in_section - r * SEATS_PER_ROW)})
        sections.append(
            {
                "section": SECTION_NAMES[i],
                "price": {"amount": 12000 - 2500 * i, "currency": "USD"},
                "rows": rows,
            }
        )
    return sections


def create_event(api: Api, seats: int) -> tuple[str, list[str]]:
    """An on-sale event in a fresh venue; returns its id and section names."""
    sections = venue_sections(seats)
    venue_id = api.create_venue(sections, name="Flash Sale Arena")
    event_id = api.create_event(
        venue_id, hold_seconds=HOLD_SECONDS, max_per_order=MAX_PER_ORDER, name="Flash Sale"
    )
    event = api.wait_until_ready(event_id)
    if event["onsale"]["status"] != "on_sale":
        raise StackFailed(f"the event is {event['onsale']['status']!r}, not on sale")
    return event_id, [s["section"] for s in sections]


def with_retries(what: str, call: Callable[[], requests.Response], attempts: int = 5) -> requests.Response:
    """Setup only (never the timed phase): retry a request whose connection failed."""
    for attempt in range(attempts):
        try:
            return call()
        except requests.ConnectionError as exc:
            SETUP_CONNECTION_ERRORS.append(f"{what}: {exc}")
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def sign_up_buyers(client: Client, count: int, workers: int) -> list[User]:
    def one(i: int) -> User:
        email = f"buyer-{i}-{uuid.uuid4().hex[:10]}@example.com"
        password = "correct-horse-9"
        body = {"email": email, "password": password, "name": f"Buyer {i}"}
        signup = with_retries("signup", lambda: client.http.post(client.base + "/auth/signup", json=body))
        if signup.status_code == 409 and signup.json().get("code") == "email_taken":
            user_id = ""  # a retried signup whose first answer was lost: the account exists
        elif signup.status_code == 201:
            user_id = str(signup.json()["user_id"])
        else:
            raise StackFailed(f"signup answered {signup.status_code}: {signup.text[:300]}")
        credentials = {"email": email, "password": password}
        login = with_retries("login", lambda: client.http.post(client.base + "/auth/login", json=credentials))
        if login.status_code != 200:
            raise StackFailed(f"login answered {login.status_code}: {login.text[:300]}")
        return User(user_id=user_id, email=email, token=str(login.json()["token"]))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="signup") as pool:
        return list(pool.map(one, range(count)))


# --- the timed phase ------------------------------------------------------------------------


def attempt_purchase(
    client: Client, event_id: str, sections: list[str], buyer: int, user: User, explicit: bool, seed: int
) -> Attempt:
    rng = random.Random(f"{seed}-{buyer}")
    attempt = Attempt(buyer=buyer, explicit=explicit)
    quantity = rng.randint(1, 2)
    if explicit:
        sample, seat_map = client.timed(SEAT_MAP, "GET", f"/events/{event_id}/seats", user)
        attempt.samples.append(sample)
        if sample.status != 200 or not isinstance(seat_map, dict):
            return attempt
        seats = seat_map["seats"]
        free = [s["seat_id"] for s in seats if s["status"] == "available"]
        # With the map showing nothing free, a fan still tries a seat or two: a 409 is the answer.
        pool = free if free else [s["seat_id"] for s in seats]
        body: dict[str, Any] = {"seat_ids": rng.sample(pool, min(quantity, len(pool)))}
        op = HOLD_EXPLICIT
    else:
        body = {"section": rng.choice(sections), "quantity": quantity}
        op = HOLD_QUANTITY
    sample, hold = client.timed(op, "POST", f"/events/{event_id}/holds", user, body)
    attempt.samples.append(sample)
    if sample.status != 201 or not isinstance(hold, dict):
        return attempt
    attempt.hold = hold
    sample, booking = client.timed(
        CHECKOUT,
        "POST",
        f"/holds/{hold['hold_id']}/checkout",
        user,
        {"payment_token": "tok_visa"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    attempt.samples.append(sample)
    if sample.status == 201 and isinstance(booking, dict):
        attempt.booking = booking
    return attempt


def run_timed_phase(
    client: Client,
    event_id: str,
    sections: list[str],
    buyers: list[User],
    concurrency: int,
    mix: float,
    seed: int,
) -> tuple[list[Attempt], float, float]:
    """Every buyer's attempt; returns them, the phase's start (perf_counter) and its duration."""
    chooser = random.Random(seed)
    explicit = [chooser.random() < mix for _ in buyers]
    go = threading.Barrier(concurrency + 1)

    def warm(_: int) -> None:
        # Open each worker's keep-alive connection before the clock starts.
        try:
            with_retries("warm-up", lambda: client.http.get(client.base + "/health", timeout=REQUEST_TIMEOUT))
        finally:
            go.wait(timeout=120)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="buyer")
    try:
        warmups = [pool.submit(warm, i) for i in range(concurrency)]
        go.wait(timeout=120)
        for warmed in warmups:
            warmed.result()
        started = time.perf_counter()
        attempts = list(
            pool.map(
                lambda i: attempt_purchase(client, event_id, sections, i, buyers[i], explicit[i], seed),
                range(len(buyers)),
            )
        )
        elapsed = time.perf_counter() - started
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # interrupted: drop the buyers still queued
        raise
    pool.shutdown()
    return attempts, started, elapsed


# --- verification ---------------------------------------------------------------------------


def all_bookings(client: Client, user: User) -> list[dict[str, Any]]:
    bookings: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        path = "/me/bookings?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, page = client.get_json(path, user)
        if status != 200:
            raise StackFailed(f"GET /me/bookings answered {status}: {page}")
        bookings.extend(page["bookings"])
        cursor = page.get("next_cursor")
        if not cursor:
            return bookings


def verify(
    client: Client, event_id: str, buyers: list[User], attempts: list[Attempt], workers: int
) -> dict[str, Any]:
    """Count sold and oversold seats from the customers' bookings and from the seat map."""
    # Every buyer who got a hold could own a booking (even one whose checkout answer was lost).
    owners = [buyers[a.buyer] for a in attempts if a.hold is not None]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify") as pool:
        listed = list(pool.map(lambda u: all_bookings(client, u), owners))
    listed_confirmed = {
        b["booking_id"]: b
        for bookings in listed
        for b in bookings
        if b["event_id"] == event_id and b["status"] == "confirmed"
    }
    answered = {a.booking["booking_id"]: a.booking for a in attempts if a.booking is not None}
    # A seat is sold to whoever holds a confirmation: the bookings listed now, and any booking
    # answered 201 during the sale (even one the store has since lost).
    confirmed = {**answered, **listed_confirmed}
    owners_of_seat: Counter[str] = Counter(
        seat for b in confirmed.values() if b["status"] == "confirmed" for seat in b["seat_ids"]
    )
    oversold = sorted(seat for seat, n in owners_of_seat.items() if n > 1)
    found = set(listed_confirmed)

    # The seat map is the read path (a projection fed by the table's stream): let it catch up.
    deadline = time.monotonic() + SEAT_MAP_SETTLE_SECONDS
    while True:
        status, seat_map = client.get_json(f"/events/{event_id}/seats")
        if status != 200:
            raise StackFailed(f"GET /events/{event_id}/seats answered {status}: {seat_map}")
        map_sold = {s["seat_id"] for s in seat_map["seats"] if s["status"] == "sold"}
        if map_sold == set(owners_of_seat) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {
        "confirmed_bookings": len(confirmed),
        "confirmed_bookings_listed": len(listed_confirmed),
        "sold_seats": len(owners_of_seat),
        "oversold_seats": len(oversold),
        "oversold_seat_ids": oversold[:50],
        "checkouts_answered_201": len(answered),
        "bookings_answered_but_not_listed": len(set(answered) - found),
        "bookings_listed_but_not_answered": len(found - set(answered)),
        "seat_map_sold": len(map_sold),
        "seat_map_sold_not_in_bookings": len(map_sold - set(owners_of_seat)),
        "booked_not_sold_on_seat_map": len(set(owners_of_seat) - map_sold),
        "seat_map_matches_bookings": map_sold == set(owners_of_seat),
    }


# --- the report -----------------------------------------------------------------------------


def summarise(
    args: argparse.Namespace,
    sections: list[str],
    attempts: list[Attempt],
    phase_start: float,
    elapsed: float,
    verification: dict[str, Any],
) -> dict[str, Any]:
    samples = [s for a in attempts for s in a.samples]
    by_op: dict[str, list[Sample]] = {op: [] for op in (SEAT_MAP, HOLD_EXPLICIT, HOLD_QUANTITY, CHECKOUT)}
    for s in samples:
        by_op[s.op].append(s)
    holds = by_op[HOLD_EXPLICIT] + by_op[HOLD_QUANTITY]
    booking_ops = holds + by_op[CHECKOUT]
    codes = Counter(f"{s.status} {s.code}" if s.code else str(s.status) for s in samples if s.status >= 400)
    winners = [a for a in attempts if a.booking is not None]

    def ok_calls(op: str, status: int) -> list[dict[str, int]]:
        return [dynamodb_calls(s.aws_calls) for s in by_op[op] if s.status == status]

    per_booking: list[dict[str, int]] = []
    for a in winners:
        tally: Counter[str] = Counter()
        for s in a.samples:
            if s.op != SEAT_MAP:
                tally.update(dynamodb_calls(s.aws_calls))
        per_booking.append(dict(tally))
    checkouts = ok_calls(CHECKOUT, 201)
    dynamodb_total = sum(sum(dynamodb_calls(s.aws_calls).values()) for s in samples)
    return {
        "benchmark": "flash_sale",
        "config": {
            "buyers": args.buyers,
            "seats": args.seats,
            "concurrency": args.concurrency,
            "mix_explicit": args.mix,
            "seed": args.seed,
            "sections": sections,
            "max_per_order": MAX_PER_ORDER,
            "hold_seconds": HOLD_SECONDS,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "aws": "moto server (local emulator)",
        },
        "note": EMULATOR_NOTE,
        "timed_phase_seconds": round(elapsed, 3),
        "requests": {
            "total": len(samples),
            "by_operation": {op: len(v) for op, v in by_op.items()},
            "status_counts": dict(sorted(Counter(str(s.status) for s in samples).items())),
            "error_codes": dict(sorted(codes.items())),
        },
        "outcome": {
            "holds_201": sum(1 for s in holds if s.status == 201),
            "holds_201_explicit": sum(1 for s in by_op[HOLD_EXPLICIT] if s.status == 201),
            "holds_201_quantity": sum(1 for s in by_op[HOLD_QUANTITY] if s.status == 201),
            "bookings_201": len(winners),
            "sold_seats": verification["sold_seats"],
            "oversold_seats": verification["oversold_seats"],
            "conflicts_409": sum(1 for s in booking_ops if s.status == 409),
            "other_4xx": sum(1 for s in samples if 400 <= s.status < 500 and s.status != 409),
            "server_5xx": sum(1 for s in samples if s.status >= 500),
            "no_answer": sum(1 for s in samples if s.status == 0),
            "missing_aws_calls_header": sum(1 for s in samples if s.status and s.aws_calls is None),
            "setup_connection_errors": len(SETUP_CONNECTION_ERRORS),
        },
        "latency_ms": {
            "hold": latency_summary(holds),
            "hold_explicit": latency_summary(by_op[HOLD_EXPLICIT]),
            "hold_quantity": latency_summary(by_op[HOLD_QUANTITY]),
            "checkout": latency_summary(by_op[CHECKOUT]),
            "seat_map": latency_summary(by_op[SEAT_MAP]),
        },
        "throughput": {
            "bookings_per_s": round(len(winners) / elapsed, 2) if elapsed else None,
            "requests_per_s": round(len(samples) / elapsed, 2) if elapsed else None,
            "dynamodb_requests": dynamodb_total,
            "dynamodb_requests_per_s": round(dynamodb_total / elapsed, 1) if elapsed else None,
        },
        "timeline": timeline(samples, phase_start, elapsed),
        "dynamodb_requests": {
            "per_successful_hold_explicit": dynamodb_summary(ok_calls(HOLD_EXPLICIT, 201)),
            "per_successful_hold_quantity": dynamodb_summary(ok_calls(HOLD_QUANTITY, 201)),
            "per_409_hold_explicit": dynamodb_summary(ok_calls(HOLD_EXPLICIT, 409)),
            "per_409_hold_quantity": dynamodb_summary(ok_calls(HOLD_QUANTITY, 409)),
            "per_successful_checkout": dynamodb_summary(checkouts),
            "per_successful_booking": dynamodb_summary(per_booking),
            "per_seat_map": dynamodb_summary(ok_calls(SEAT_MAP, 200)),
            "transact_write_items_per_checkout": _round(
                sum(c.get("TransactWriteItems", 0) for c in checkouts) / len(checkouts)
                if checkouts
                else None,
                3,
            ),
        },
        "verification": verification,
    }


def timeline(samples: Sequence[Sample], phase_start: float, elapsed: float, slices: int = 5) -> list[Any]:
    """The timed phase in equal slices, by when requests were sent: does the stack slow down?"""
    width = elapsed / slices if elapsed else 1.0
    out = []
    for i in range(slices):
        inside = [s for s in samples if i * width <= s.started - phase_start < (i + 1) * width]
        booking_ops = [s for s in inside if s.op != SEAT_MAP]
        out.append(
            {
                "from_s": round(i * width, 1),
                "to_s": round((i + 1) * width, 1),
                "requests_sent": len(inside),
                "hold_checkout_p50_ms": _round(percentile([s.latency_ms for s in booking_ops], 50)),
                "dynamodb_requests": sum(sum(dynamodb_calls(s.aws_calls).values()) for s in inside),
            }
        )
    return out


def anomalies(report: dict[str, Any]) -> list[str]:
    """Outcomes that a correct store cannot produce, short of overselling (printed as warnings)."""
    codes, ver = report["requests"]["error_codes"], report["verification"]
    found = []
    if codes.get("404 hold_not_found"):
        found.append(
            f"{codes['404 hold_not_found']} holds answered 201 were not found at their checkout "
            "(the hold item was lost)"
        )
    if codes.get("410 hold_expired"):
        found.append(
            f"{codes['410 hold_expired']} checkouts answered 410 hold_expired although holds last "
            f"{HOLD_SECONDS}s (the checkout transaction was cancelled for another reason)"
        )
    if ver["bookings_answered_but_not_listed"]:
        found.append(
            f"{ver['bookings_answered_but_not_listed']} bookings answered 201 are missing from "
            "GET /me/bookings (the booking item was lost)"
        )
    if ver["bookings_listed_but_not_answered"]:
        found.append(f"{ver['bookings_listed_but_not_answered']} listed bookings were never answered 201")
    if not ver["seat_map_matches_bookings"]:
        found.append(
            f"the seat map shows {ver['seat_map_sold']} seats sold, the confirmed bookings "
            f"{ver['sold_seats']}, still {SEAT_MAP_SETTLE_SECONDS:.0f}s after the sale"
        )
    if report["outcome"]["missing_aws_calls_header"]:
        found.append(f"{report['outcome']['missing_aws_calls_header']} responses had no X-Onsale-Aws-Calls")
    return found


def load_text(report: dict[str, Any]) -> str:
    load = report["machine"].get("load_average_1min_before_timed_phase")
    return "?" if load is None else f"{load:.2f}"


def render(report: dict[str, Any]) -> str:
    cfg, out, lat = report["config"], report["outcome"], report["latency_ms"]
    ddb, ver, thr = report["dynamodb_requests"], report["verification"], report["throughput"]

    def ms(name: str) -> str:
        entry = lat[name]
        if not entry["n"]:
            return "n/a"
        return f"p50 {entry['p50']:.0f} ms, p99 {entry['p99']:.0f} ms  (n={entry['n']})"

    def calls(name: str) -> str:
        entry = ddb[name]
        if not entry["n"]:
            return "n/a"
        parts = ", ".join(f"{op} {mean:g}" for op, mean in entry["mean_by_operation"].items())
        return f"{entry['mean_total']:g}  [{parts}]  (n={entry['n']})"

    lines = [
        "Flash sale benchmark (bench/flash_sale.py)",
        "=" * 42,
        f"buyers {cfg['buyers']}, seats {cfg['seats']} in {len(cfg['sections'])} sections, "
        f"concurrency {cfg['concurrency']}, explicit-seat mix {cfg['mix_explicit']:g}, seed {cfg['seed']}",
        f"machine: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"{report['machine']['aws']}, 1-min load average {load_text(report)} before the timed phase",
        "",
        "Correctness",
        f"  sold seats            {out['sold_seats']} (confirmed bookings {ver['confirmed_bookings']})",
        f"  OVERSOLD              {out['oversold_seats']}   (must be 0)",
        f"  5xx                   {out['server_5xx']}   (must be 0)",
        f"  no answer             {out['no_answer']}   (must be 0)",
        f"  seat map 'sold'       {ver['seat_map_sold']} vs {out['sold_seats']} seats in confirmed bookings"
        + ("" if ver["seat_map_matches_bookings"] else "  (MISMATCH)"),
        f"  checkouts 201 / confirmed bookings listed: {ver['checkouts_answered_201']} / "
        f"{ver['confirmed_bookings_listed']}",
        "",
        "Outcomes",
        f"  holds 201             {out['holds_201']} (explicit {out['holds_201_explicit']}, "
        f"quantity {out['holds_201_quantity']})",
        f"  bookings 201          {out['bookings_201']}",
        f"  409s                  {out['conflicts_409']}",
        f"  other 4xx             {out['other_4xx']}",
        f"  setup/verify retries  {out['setup_connection_errors']} (connection errors, untimed phases)",
        f"  error codes           {report['requests']['error_codes'] or '-'}",
        "",
        "Latency (timed phase, client side)",
        f"  hold                  {ms('hold')}",
        f"    explicit seat_ids   {ms('hold_explicit')}",
        f"    section+quantity    {ms('hold_quantity')}",
        f"  checkout              {ms('checkout')}",
        f"  seat map              {ms('seat_map')}",
        "",
        f"Throughput over {report['timed_phase_seconds']:.1f} s: {thr['bookings_per_s']} bookings/s, "
        f"{thr['requests_per_s']} requests/s ({report['requests']['total']} requests), "
        f"{thr['dynamodb_requests_per_s']} DynamoDB requests/s counted",
        "  by fifths of the phase (requests sent / hold+checkout p50 ms / DynamoDB requests): "
        + ", ".join(
            f"{t['requests_sent']}/{t['hold_checkout_p50_ms'] or 0:.0f}/{t['dynamodb_requests']}"
            for t in report["timeline"]
        ),
        "  CPU seconds in the timed phase ("
        + ", ".join(f"{k} {v:g}" for k, v in report.get("cpu_seconds_timed_phase", {}).items())
        + f"; {report['machine']['cpus']} CPUs x {report['timed_phase_seconds']:.1f} s = "
        + f"{(report['machine']['cpus'] or 1) * report['timed_phase_seconds']:.0f} available)",
        "",
        "DynamoDB requests (mean per request, from X-Onsale-Aws-Calls)",
        f"  successful hold, explicit   {calls('per_successful_hold_explicit')}",
        f"  successful hold, quantity   {calls('per_successful_hold_quantity')}",
        f"  409 hold, explicit          {calls('per_409_hold_explicit')}",
        f"  409 hold, quantity          {calls('per_409_hold_quantity')}",
        f"  successful checkout         {calls('per_successful_checkout')}",
        f"  successful booking overall  {calls('per_successful_booking')}",
        f"  seat map                    {calls('per_seat_map')}",
        f"  TransactWriteItems per checkout: {ddb['transact_write_items_per_checkout']}",
    ]
    if report["anomalies"]:
        lines += ["", "WARNINGS (not counted as failures; see docs/benchmarks.md)"]
        lines += [f"  - {a}" for a in report["anomalies"]]
    lines += ["", "Note: " + EMULATOR_NOTE]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Flash-sale benchmark against the local stack.")
    parser.add_argument("--buyers", type=_positive, default=400, help="buyers, one attempt each")
    parser.add_argument("--seats", type=_positive, default=100, help="seats in the venue")
    parser.add_argument("--concurrency", type=_positive, default=32, help="concurrent clients")
    parser.add_argument("--mix", type=_fraction, default=0.5, help="share of explicit seat_ids holds")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the buyers' choices")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON report goes")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _step(message: str) -> Callable[[], None]:
    started = time.monotonic()
    print(f"... {message}", end="", flush=True)
    return lambda: print(f" ({time.monotonic() - started:.1f}s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    running: RunningStack | None = None
    logs = args.output.with_name(args.output.stem + "-logs")
    try:
        done = _step("starting the local stack")
        with local_stack(keep_logs=logs) as running:
            stack, stack_pid = running.stack, running.pid
            done()
            api = Api(stack)
            client = Client(stack.api_url)
            done = _step(f"creating a venue of {args.seats} seats and an on-sale event")
            event_id, sections = create_event(api, args.seats)
            done()
            done = _step(f"signing up and logging in {args.buyers} buyers")
            buyers = sign_up_buyers(client, args.buyers, args.concurrency)
            done()
            done = _step(f"timed phase: {args.buyers} buyers, {args.concurrency} concurrent clients")
            load_before = os.getloadavg()[0]
            cpu_before = cpu_seconds(stack_pid)
            attempts, phase_start, elapsed = run_timed_phase(
                client, event_id, sections, buyers, args.concurrency, args.mix, args.seed
            )
            cpu_used = cpu_delta(cpu_before, cpu_seconds(stack_pid))
            done()
            done = _step("verifying bookings and the seat map")
            verification = verify(client, event_id, buyers, attempts, args.concurrency)
            done()
            done = _step("stopping the local stack")
        done()
    except (StackFailed, AssertionError, requests.RequestException) as exc:
        print(f"\nbenchmark setup failed: {exc}", file=sys.stderr)
        if running is not None:
            print("local.stack said:\n" + "".join(running.output[-20:]), file=sys.stderr)
        print(f"the stack's logs: {logs}", file=sys.stderr)
        return 2
    except (Terminated, KeyboardInterrupt):
        print("\ninterrupted; the local stack was stopped", file=sys.stderr)
        return 130

    report = summarise(args, sections, attempts, phase_start, elapsed, verification)
    report["cpu_seconds_timed_phase"] = cpu_used
    # Other work on the machine skews every timing: say how busy it was.
    report["machine"]["load_average_1min_before_timed_phase"] = round(load_before, 2)
    ok = (
        report["outcome"]["oversold_seats"] == 0
        and report["outcome"]["server_5xx"] == 0
        and report["outcome"]["no_answer"] == 0
    )
    report["ok"] = ok
    report["anomalies"] = anomalies(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(render(report))
    print(f"\nJSON report: {args.output}")
    if not ok:
        print("FAILED: seats were oversold or the server failed (5xx / no answer)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
