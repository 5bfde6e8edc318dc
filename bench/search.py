"""Search and event view: latency of discovery and of the event page at realistic catalogue size.

    python -m bench.search [--events 100000] [--concurrency 16] [--requests 2000]

1. Builds a tantivy index of N synthetic upcoming events (deterministic: names from word lists,
   performers, 40 cities, 4 categories, start times over the next year) in a temporary directory
   with the project's own engine (`TantivyEngine.upsert` + `refresh`), and times a few hundred
   queries against it in-process (the engine alone, no HTTP).
2. Starts its own local stack (as bench/flash_sale.py does, `ONSALE_COUNT_AWS_CALLS=1`) with
   `ONSALE_SEARCH_INDEX_DIR` naming that index and `--api-workers` API processes (default 2, one
   per core, as Lambda runs concurrent requests on separate instances).
3. Creates through the admin API a 56,000-seat venue (80 sections x 25 rows x 28 seats) with an
   on-sale event, and a 10-seat hall with `--cold-events` + 10 small events; waits until they are
   provisioned.
4. Once the stack is idle before each phase, measures latency, throughput and DynamoDB requests
   per request (`X-Onsale-Aws-Calls`) of: cold event views (the first view after the API's 2 s / 1 s
   caches expired: 10 small events by one client, `--cold-events` by C clients at once in
   each of `--cold-rounds` rounds, the stadium alone); searches by one client (the unloaded
   floor), then keyword, fuzzy (one typo) and filtered searches by C clients (threads, one
   keep-alive connection each); warm views of the small events and of the stadium by C clients,
   each phase right after untimed views of the same events by C clients (the idle wait outlasts
   the caches), and stopping after `--phase-budget` seconds; the stadium's seat map, whole and
   one section (one client).
   Answers are checked after each phase, not while it is timed.
5. Prints a report and writes bench/results/search.json (the stack's logs next to it).

Exit status: 1 on a correctness failure (a 5xx or no answer, an unexpected status, an exact
keyword query with no results, a filtered result outside its filter, a wrong event or seat
count); 2 when the stack or the setup failed; 0 otherwise. Timings never fail the run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from ulid import ULID

from bench.flash_sale import (
    EMULATOR_NOTE,
    REQUEST_TIMEOUT,
    Client,
    RunningStack,
    StackFailed,
    Terminated,
    _positive,
    _round,
    _step,
    cpu_delta,
    cpu_seconds,
    dynamodb_calls,
    dynamodb_summary,
    local_stack,
    parse_aws_calls,
    percentile,
    row_name,
    with_retries,
)
from chalicelib.catalog.events import SEAT_MAP_PAGE_SEATS
from chalicelib.search import SearchQuery, document_from_event
from chalicelib.search.documents import EPOCH, category_key, category_keys
from chalicelib.search.tantivy_engine import TantivyEngine
from chalicelib.search.text import fold, keyword
from tests.support import Api, rfc3339

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "search.json"
TARGET_P99_MS = 50.0
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024  # synchronous invocation payload; API Gateway proxies it
INDEX_BATCH = 10_000  # documents per commit while building the index
EVENT_LENGTH = timedelta(hours=3)
PROVISION_TIMEOUT = 900.0
QUIET_CPU_FRACTION = 0.3  # the stack counts as idle below this many cores' worth of CPU
QUIET_TIMEOUT = 300.0
CACHE_EXPIRY_WAIT = 3.0  # longer than the API's event (2 s) and availability (1 s) caches
WARMUP_REQUESTS = 50
UNLOADED_COLD_EVENTS = 10  # small events viewed cold by one client, besides --cold-events
FUZZY_HIT_WARNING = 0.8

# The stadium: 80 sections x 25 rows x 28 seats.
STADIUM_SECTIONS = 80
STADIUM_ROWS = 25
STADIUM_SEATS_PER_ROW = 28
STADIUM_SEATS = STADIUM_SECTIONS * STADIUM_ROWS * STADIUM_SEATS_PER_ROW
SMALL_SEATS = 10

# Operations, as recorded in samples.
KEYWORD = "search_keyword"
FUZZY = "search_fuzzy"
CITY_DATES = "search_filter_city_dates"
CATEGORY_CITY = "search_filter_category_city"
SEARCH_1 = "search_mixed_1client"
VIEW_COLD_SMALL_1 = "view_cold_small_1client"
VIEW_COLD_SMALL = "view_cold_small"
VIEW_COLD_STADIUM = "view_cold_stadium"
VIEW_WARM_SMALL = "view_warm_small"
VIEW_WARM_STADIUM = "view_warm_stadium"
SEAT_MAP_FULL = "seat_map_56k"
SEAT_MAP_SECTION = "seat_map_56k_section"
# Groups reported as one line as well (and held to the p99 target).
GROUPS = {
    "search_filtered": (CITY_DATES, CATEGORY_CITY),
}
TARGETED = (
    KEYWORD,
    FUZZY,
    "search_filtered",
    VIEW_COLD_SMALL,
    VIEW_COLD_STADIUM,
    VIEW_WARM_SMALL,
    VIEW_WARM_STADIUM,
)


# --- the synthetic catalogue ----------------------------------------------------------------

CATEGORIES = ("concerts", "theatre", "sports", "comedy")
CITIES = (
    "London", "Paris", "Berlin", "Madrid", "Rome", "Amsterdam", "Vienna", "Prague", "Lisbon",
    "Dublin", "Copenhagen", "Stockholm", "Oslo", "Helsinki", "Warsaw", "Kraków", "Budapest",
    "Zürich", "München", "Hamburg", "Barcelona", "Milan", "Brussels", "Edinburgh", "Manchester",
    "New York", "Chicago", "Los Angeles", "Toronto", "Montréal", "Austin", "Seattle", "Boston",
    "Denver", "Mexico City", "São Paulo", "Buenos Aires", "Sydney", "Melbourne", "Tokyo",
)  # fmt: skip
FIRST_NAMES = (
    "Maya", "Oliver", "Amara", "Lucas", "Ingrid", "Mateo", "Freya", "Dmitri", "Aisha", "Julien",
    "Sofia", "Kenji", "Nadia", "Elias", "Chiara", "Tobias", "Leila", "Rafael", "Astrid", "Marcus",
    "Zara", "Henrik", "Imogen", "Pablo", "Greta", "Samuel", "Yasmin", "Felix", "Noemi", "Theo",
    "Clara", "Idris", "Elodie", "Anton", "Priya", "Gabriel", "Rosalind", "Emil", "Beatriz", "Jonah",
)  # fmt: skip
LAST_NAMES = (
    "Lindqvist", "Okafor", "Moreau", "Castellano", "Nakamura", "Brennan", "Kowalski", "Adeyemi",
    "Fitzgerald", "Rosenthal", "Albrecht", "Delacroix", "Haverford", "Marchetti", "Sørensen",
    "Valdés", "Whitaker", "Gallagher", "Petrovic", "Santangelo", "Thornbury", "Vasquez", "Eriksen",
    "Blackwood", "Montague", "Oyelaran", "Lachance", "Hollister", "Quintero", "Drummond",
    "Abernathy", "Castellanos", "Fairweather", "Hargreaves", "Iwasaki", "Jablonski", "Kingsley",
    "Lancaster", "Mendoza", "Novak", "Ostrowski", "Pemberton", "Rourke", "Salvatore", "Tremblay",
    "Underwood", "Vanderberg", "Westbrook", "Yamamoto", "Zielinski",
)  # fmt: skip
ADJECTIVES = (
    "Electric", "Golden", "Silver", "Midnight", "Crimson", "Velvet", "Neon", "Wild", "Silent",
    "Burning", "Frozen", "Hidden", "Broken", "Restless", "Endless", "Painted", "Hollow", "Radiant",
    "Scarlet", "Wandering", "Distant", "Savage", "Gentle", "Lucky", "Northern", "Southern", "Lunar",
    "Solar", "Copper", "Emerald", "Paper", "Glass", "Iron", "Stolen", "Secret", "Brilliant",
    "Tender", "Furious", "Humble", "Mighty",
)  # fmt: skip
NOUNS = (
    "Dreams", "Horizon", "Echoes", "Rivers", "Empire", "Garden", "Thunder", "Mirrors", "Shadows",
    "Lanterns", "Harbour", "Comets", "Orchard", "Voyage", "Wolves", "Tides", "Cathedral", "Meadow",
    "Signals", "Engines", "Ghosts", "Satellites", "Monarchs", "Canyons", "Islands", "Sparrows",
    "Pilgrims", "Fountains", "Machines", "Kingdoms", "Lighthouse", "Tempest", "Carousel",
    "Avalanche", "Serenade", "Labyrinth", "Paradise", "Mountains", "Diamonds", "Strangers",
)  # fmt: skip
MASCOTS = (
    "Bears", "Falcons", "Rovers", "Lions", "Hawks", "Giants", "Pirates", "Wanderers", "Titans",
    "Comets", "Stallions", "Vikings", "Rangers", "Spartans", "Dragons", "Wolves", "Thunder",
    "Dolphins", "Raiders", "Jaguars",
)  # fmt: skip
TOUR_WORDS = ("Tour", "Live", "in Concert", "Unplugged", "World Tour", "Anniversary Show", "Farewell Tour")
SPORT_WORDS = ("Cup", "Derby", "Classic", "Final", "Championship", "Invitational")
VENUE_KINDS = ("Arena", "Hall", "Theatre", "Stadium", "Opera House", "Ballroom", "Pavilion", "Forum")
FILLERS = (
    "Doors open one hour before the show.",
    "An unforgettable night with special guests.",
    "All ages welcome; under 16s must be accompanied by an adult.",
    "Seated show with a full bar and food stalls.",
    "Limited tickets: last year's run sold out in minutes.",
    "Featuring a brand new stage production and light show.",
    "Accessible seating is available in every section.",
    "Family friendly matinee and evening performances.",
    "The season's most anticipated night out.",
    "Recorded live for a forthcoming album.",
    "Includes a pre-show talk with the artists.",
    "Standing floor with a seated balcony.",
)
STOPWORDS = {"the", "of", "vs", "and", "at", "in", "on", "a", "an", "to", "with", "live", "show"}
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Synthetic:
    """One synthetic event: what its search document is built from."""

    event_id: str
    name: str
    category: str
    performers: tuple[str, ...]
    venue_id: str
    venue_name: str
    city: str
    start: datetime
    min_price: int
    capacity: int
    description: str


@dataclass(frozen=True)
class SyntheticVenue:
    venue_id: str
    name: str
    city: str
    capacity: int


def make_venues(rng: random.Random) -> list[SyntheticVenue]:
    """Five venues per city."""
    venues = []
    for city in CITIES:
        for kind in rng.sample(VENUE_KINDS, 5):
            style = rng.randrange(3)
            if style == 0:
                name = f"{city} {kind}"
            elif style == 1:
                name = f"{rng.choice(LAST_NAMES)} {kind}"
            else:
                name = f"The {rng.choice(ADJECTIVES)} {kind}"
            capacity = rng.choice((400, 1_200, 2_500, 8_000, 20_000, 56_000))
            venues.append(SyntheticVenue(str(ULID.from_bytes(rng.randbytes(16))), name, city, capacity))
    return venues


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def make_event(rng: random.Random, venue: SyntheticVenue, start: datetime) -> Synthetic:
    category = rng.choice(CATEGORIES)
    adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
    if category == "concerts":
        if rng.random() < 0.5:
            performers: tuple[str, ...] = (person(rng),)
        else:
            performers = (f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",)
        if rng.random() < 0.3:
            performers += (person(rng),)
        name = f"{performers[0]}: {adjective} {noun} {rng.choice(TOUR_WORDS)}"
    elif category == "theatre":
        name = rng.choice((f"The {adjective} {noun}", f"{noun} of the {rng.choice(NOUNS)}"))
        performers = (f"{rng.choice(LAST_NAMES)} Theatre Company", person(rng))
    elif category == "sports":
        home = f"{venue.city} {rng.choice(MASCOTS)}"
        away = f"{rng.choice(CITIES)} {rng.choice(MASCOTS)}"
        name = f"{home} vs {away}" + (f": {rng.choice(SPORT_WORDS)}" if rng.random() < 0.3 else "")
        performers = (home, away)
    else:
        performers = (person(rng),)
        name = f"{performers[0]}: {adjective} {noun}"
    description = f"{' and '.join(performers)} at {venue.name}, {venue.city}. {rng.choice(FILLERS)}"
    return Synthetic(
        event_id=str(ULID.from_bytes(rng.randbytes(16))),
        name=name,
        category=category,
        performers=performers,
        venue_id=venue.venue_id,
        venue_name=venue.name,
        city=venue.city,
        start=start,
        min_price=rng.choice((1500, 2500, 3500, 4500, 6000, 8500, 12000)),
        capacity=venue.capacity,
        description=description,
    )


def make_corpus(count: int, seed: int, now: datetime) -> list[Synthetic]:
    """`count` events starting between tomorrow and a year from now, on the half hour."""
    rng = random.Random(seed)
    venues = make_venues(rng)
    first = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    slots = 364 * 48
    return [
        make_event(rng, rng.choice(venues), first + timedelta(minutes=30 * rng.randrange(slots)))
        for _ in range(count)
    ]


def document(event: Synthetic, updated_ms: int) -> dict[str, Any]:
    """The search document of a synthetic event, as `document_from_event` builds it (checked by
    `check_documents`): built directly because going through the PynamoDB model costs ~1 ms each."""
    return {
        "event_id": event.event_id,
        "name": event.name,
        "category": event.category,
        "performers": list(event.performers),
        "venue": {
            "venue_id": event.venue_id,
            "name": event.venue_name,
            "city": event.city,
            "time_zone": None,
        },
        "start_at": rfc3339(event.start),
        "min_price": {"amount": event.min_price, "currency": "USD"},
        "available_count": event.capacity,
        "capacity": event.capacity,
        "description": event.description,
        "end_at": rfc3339(event.start + EVENT_LENGTH),
        "updated_at": updated_ms,
    }


def event_image(event: Synthetic, updated_ms: int) -> dict[str, Any]:
    """The events-table item of a synthetic event in DynamoDB JSON (a stream record's NewImage)."""
    from chalicelib.models import Event, EventSection, Money, OnsaleSettings, RowLayout, VenueRef

    updated = EPOCH + timedelta(milliseconds=updated_ms)
    rows = [RowLayout(row="A", seats=event.capacity)]
    model = Event(
        event_id=event.event_id,
        venue_id=event.venue_id,
        venue=VenueRef(venue_id=event.venue_id, name=event.venue_name, city=event.city, address="1 Main St"),
        name=event.name,
        description=event.description,
        category=event.category,
        performers=list(event.performers),
        start_at=event.start,
        end_at=event.start + EVENT_LENGTH,
        sections=[
            EventSection(
                section="Stalls",
                slug="stalls",
                price=Money(amount=event.min_price, currency="USD"),
                total=event.capacity,
                rows=rows,
            )
        ],
        capacity=event.capacity,
        onsale=OnsaleSettings(
            opens_at=updated,
            hold_seconds=600,
            max_per_order=8,
            queue_required=False,
            admit_per_minute=300,
        ),
        inventory_status="ready",
        created_at=updated,
        updated_at=updated,
    )
    image: dict[str, Any] = model.serialize()
    return image


def check_documents(corpus: Sequence[Synthetic], updated_ms: int, every: int = 1000) -> int:
    """Compare every `every`-th direct document with the project's `document_from_event`."""
    checked = 0
    for event in corpus[::every]:
        expected = document_from_event(event_image(event, updated_ms))
        if document(event, updated_ms) != expected:
            raise StackFailed(f"synthetic document differs from document_from_event: {expected}")
        checked += 1
    return checked


def build_index(path: Path, corpus: Sequence[Synthetic], updated_ms: int) -> tuple[TantivyEngine, float]:
    """Upsert every document, committing every INDEX_BATCH; returns the engine (writer released)."""
    engine = TantivyEngine(path)
    started = time.perf_counter()
    for i, event in enumerate(corpus, start=1):
        engine.upsert(document(event, updated_ms))
        if i % INDEX_BATCH == 0:
            engine.refresh()
    engine.close()  # last commit, merges finished, writer lock released for the stack's indexer
    return engine, time.perf_counter() - started


def disk_usage(path: Path) -> tuple[int, int]:
    files = [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files), len(files)


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of a timed phase and what its answer must satisfy."""

    op: str
    path: str
    params: dict[str, str] | None = None
    target: str | None = None  # the event a search aims at (hit rate), or the event viewed
    must_find: bool = False  # exact keyword query: at least one result
    city: str | None = None  # filters the results must satisfy
    category: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    seats: int | None = None  # seat map: how many seats it must list
    max_seats: bool = False  # `seats` is an upper bound (a page of a large map), not exact


def text_words(text: str) -> list[str]:
    """The words of `text` as typed (accents and case kept), without stop words."""
    return [w for w in _WORD.findall(text) if fold(w) not in STOPWORDS and len(w) >= 3]


def keyword_probe(rng: random.Random, event: Synthetic) -> Probe:
    """Words taken from the event: one name word, a performer, a performer and the city, or a
    name word and the city."""
    name_words = text_words(event.name) or [event.city]
    performer = rng.choice(event.performers)
    pattern = rng.randrange(4)
    if pattern == 0:
        q = rng.choice(name_words)
    elif pattern == 1:
        q = performer
    elif pattern == 2:
        q = f"{(text_words(performer) or [performer])[-1]} {event.city}"
    else:
        q = f"{rng.choice(name_words)} {event.city}"
    return Probe(KEYWORD, "/events/search", {"q": q}, target=event.event_id, must_find=True)


def typo(rng: random.Random, word: str) -> str:
    """`word` with one edit: a letter substituted, deleted, inserted, or two swapped."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    while True:
        i = rng.randrange(1, len(word))  # keep the first letter, as most typos do
        kind = rng.randrange(4)
        if kind == 0:
            changed = word[:i] + rng.choice(letters) + word[i + 1 :]
        elif kind == 1:
            changed = word[:i] + word[i + 1 :]
        elif kind == 2:
            changed = word[:i] + rng.choice(letters) + word[i:]
        else:
            i = min(i, len(word) - 2)
            changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if fold(changed) != fold(word):
            return changed


def fuzzy_probe(rng: random.Random, corpus: Sequence[Synthetic]) -> Probe:
    """A performer's name and a word of the event's name, one word of 5+ letters mistyped."""
    while True:
        event = rng.choice(corpus)
        performer_words = text_words(rng.choice(event.performers))
        extra = [w for w in text_words(event.name) if w not in performer_words]
        words = performer_words + ([rng.choice(extra)] if extra else [event.city])
        candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if candidates:
            break
    i = rng.choice(candidates)
    words[i] = typo(rng, words[i])
    return Probe(FUZZY, "/events/search", {"q": " ".join(words)}, target=event.event_id)


def filter_probe(rng: random.Random, today: date) -> Probe:
    city = rng.choice(CITIES)
    if rng.random() < 0.5:
        start = today + timedelta(days=rng.randrange(1, 330))
        end = start + timedelta(days=rng.randrange(6, 31))
        params = {"city": city, "start_date": start.isoformat(), "end_date": end.isoformat()}
        return Probe(CITY_DATES, "/events/search", params, city=city, start_date=start, end_date=end)
    category = rng.choice(CATEGORIES)
    params = {"category": category, "city": city}
    return Probe(CATEGORY_CITY, "/events/search", params, city=city, category=category)


def search_params(probe: Probe) -> SearchQuery:
    return SearchQuery.from_params(probe.params or {})


# --- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    op: str
    status: int  # 0: no answer (connection error or timeout)
    latency_ms: float
    size: int  # response body, bytes
    aws_calls: dict[str, int] | None  # None: no X-Onsale-Aws-Calls header
    results: int | None = None  # search: events on the page
    hit: bool | None = None  # search: the target is on the first page
    first: bool | None = None  # search: the target is the first result
    problem: str | None = None  # a correctness failure, described


class KeepAlive:
    """The timed requests' client: one keep-alive HTTP/1.1 connection per thread, spoken over a
    plain socket.

    The benchmark's clients share the machine's two cores with the stack they measure, so what
    a client spends is taken from the stack: `requests` cost ~2 CPU-ms a request, `http.client`
    ~0.27 (it parses headers with the e-mail package), this ~0.13. It reads what the local API
    sends: a status line, headers, and a `Content-Length` body (never chunked)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._local = threading.local()

    def _connection(self) -> tuple[socket.socket, bytearray]:
        open_one: tuple[socket.socket, bytearray] | None = getattr(self._local, "connection", None)
        if open_one is None:
            sock = socket.create_connection((self.host, self.port), timeout=REQUEST_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            open_one = (sock, bytearray())
            self._local.connection = open_one
        return open_one

    def reset(self) -> None:
        """Close this thread's connection: the next request opens another (maybe to another
        API worker: the front door deals connections to the workers in turn)."""
        open_one = getattr(self._local, "connection", None)
        if open_one is not None:
            open_one[0].close()
            self._local.connection = None

    @staticmethod
    def target(path: str, params: dict[str, str] | None = None) -> str:
        return path + ("?" + urlencode(params) if params else "")

    def get(self, target: str) -> tuple[int, dict[str, str], bytes]:
        """(status, response headers by lower-case name, body) of `GET target`; one retry on a
        connection the server had closed."""
        request = f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
        for attempt in range(2):
            sock, buffer = self._connection()
            try:
                sock.sendall(request)
                return self._response(sock, buffer)
            except (OSError, ValueError):
                self.reset()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _response(self, sock: socket.socket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            self._fill(sock, buffer)
        status_line, *lines = buffer[:end].decode("latin-1").split("\r\n")
        del buffer[: end + 4]
        version, status, *_ = status_line.split(" ", 2)
        if not version.startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1.x response: {status_line[:40]!r}")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(buffer) < length:
            self._fill(sock, buffer)
        body = bytes(buffer[:length])
        del buffer[:length]
        if headers.get("connection", "").lower() == "close":
            self.reset()
        return int(status), headers, body

    @staticmethod
    def _fill(sock: socket.socket, buffer: bytearray) -> None:
        chunk = sock.recv(262_144)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        buffer += chunk


def timed_get(client: KeepAlive, probe: Probe) -> tuple[Sample, bytes]:
    """One timed request; its body is returned unread (`check_answer` reads it after the phase,
    so that checking answers takes no CPU from the stack while it is measured)."""
    target = client.target(probe.path, probe.params)
    started = time.perf_counter()
    try:
        status, headers, body = client.get(target)
    except (OSError, ValueError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Sample(probe.op, 0, elapsed, 0, None, problem=f"no answer: {type(exc).__name__}"), b""
    elapsed = (time.perf_counter() - started) * 1000
    calls = parse_aws_calls(headers.get("x-onsale-aws-calls"))
    return Sample(probe.op, status, elapsed, len(body), calls), body


def run_probe(client: KeepAlive, probe: Probe) -> Sample:
    sample, body = timed_get(client, probe)
    return check_answer(sample, probe, body)


def check_answer(sample: Sample, probe: Probe, body: bytes) -> Sample:
    """The sample, with what is wrong with the answer, if anything, as its `problem`."""
    if sample.status == 0:
        return sample
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    if sample.status != 200 or not isinstance(payload, dict):
        detail = payload.get("code") if isinstance(payload, dict) else None
        return _with(
            sample, problem=f"{probe.op} {probe.params or ''}: status {sample.status} {detail or ''}"
        )
    if probe.path == "/events/search":
        return check_search(sample, probe, payload)
    if probe.seats is not None:
        listed = len(payload.get("seats", []))
        if probe.max_seats:
            fits = 0 < listed <= probe.seats and payload.get("next_cursor")
            problem = None if fits else f"first seat-map page lists {listed} seats (max {probe.seats})"
        else:
            problem = None if listed == probe.seats else f"seat map lists {listed} seats, not {probe.seats}"
        return _with(sample, problem=problem)
    if payload.get("event_id") != probe.target:
        return _with(sample, problem=f"GET {probe.path} answered event {payload.get('event_id')}")
    return sample


def check_search(sample: Sample, probe: Probe, payload: dict[str, Any]) -> Sample:
    events = payload.get("events", [])
    ids = [e.get("event_id") for e in events]
    problems = []
    if probe.must_find and not events:
        problems.append(f"no results for the exact keyword query {probe.params}")
    for event in events:
        start = datetime.strptime(event["start_at"], "%Y-%m-%dT%H:%M:%SZ").date()
        if probe.city is not None and keyword(event["venue"]["city"]) != keyword(probe.city):
            problems.append(f"{probe.params}: an event in {event['venue']['city']}")
        wanted_categories = category_keys(probe.category) if probe.category is not None else None
        if wanted_categories is not None and category_key(event["category"]) not in wanted_categories:
            problems.append(f"{probe.params}: an event of category {event['category']}")
        if probe.start_date is not None and start < probe.start_date:
            problems.append(f"{probe.params}: an event starting {event['start_at']}")
        if probe.end_date is not None and start > probe.end_date:
            problems.append(f"{probe.params}: an event starting {event['start_at']}")
    hit = None if probe.target is None else probe.target in ids
    first = None if probe.target is None else bool(ids) and ids[0] == probe.target
    return _with(sample, results=len(events), hit=hit, first=first, problem="; ".join(problems[:3]) or None)


def _with(sample: Sample, **changes: Any) -> Sample:
    return replace(sample, **changes)


class CollectorPauses:
    """How long this process's garbage collector ran, in total and at the longest: its pauses
    stop the clients' threads, and a timed request that waits on one is slower for it."""

    def __init__(self) -> None:
        self.total_ms = self.longest_ms = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = (time.perf_counter() - self._started) * 1000
        self.collections += 1
        self.total_ms += took
        self.longest_ms = max(self.longest_ms, took)


_pauses = CollectorPauses()


@dataclass
class Phase:
    name: str
    samples: list[Sample]
    elapsed: float
    concurrency: int
    cpu: dict[str, float] = field(default_factory=dict)
    not_sent: int = 0  # probes skipped once the phase's time budget was spent
    client_gc_ms: float = 0.0  # the benchmark's own collections during the timed requests


def run_phase(
    client: KeepAlive,
    name: str,
    probes: Sequence[Probe],
    concurrency: int,
    stack_pid: int,
    budget: float | None = None,
) -> Phase:
    """Every probe, `concurrency` at a time, each worker with its own warm keep-alive session.

    With a `budget` (seconds), probes not started by then are skipped (and counted)."""
    workers = max(1, min(concurrency, len(probes)))
    go = threading.Barrier(workers + 1)

    def warm(_: int) -> None:
        try:
            client.get("/health")  # opens this worker's keep-alive connection (one retry inside)
        finally:
            go.wait(timeout=120)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        warmups = [pool.submit(warm, i) for i in range(workers)]
        go.wait(timeout=120)
        for warmed in warmups:
            warmed.result()
        cpu_before = cpu_seconds(stack_pid)
        if _pauses not in gc.callbacks:
            gc.callbacks.append(_pauses)
        gc_before = _pauses.total_ms
        started = time.perf_counter()
        deadline = started + budget if budget is not None else None

        def one(probe: Probe) -> tuple[Sample, bytes] | None:
            if deadline is not None and time.perf_counter() > deadline:
                return None
            return timed_get(client, probe)

        answers = list(pool.map(one, probes))
        elapsed = time.perf_counter() - started
        client_gc_ms = _pauses.total_ms - gc_before
        cpu = cpu_delta(cpu_before, cpu_seconds(stack_pid))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    samples = [
        check_answer(answer[0], probe, answer[1])
        for probe, answer in zip(probes, answers, strict=True)
        if answer is not None
    ]
    return Phase(
        name, samples, elapsed, workers, cpu, not_sent=len(answers) - len(samples), client_gc_ms=client_gc_ms
    )


def latency(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": _round(percentile(values, 50)),
        "p90": _round(percentile(values, 90)),
        "p99": _round(percentile(values, 99)),
        "max": _round(max(values) if values else None),
        "mean": _round(sum(values) / len(values) if values else None),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise_op(samples: Sequence[Sample], elapsed: float | None) -> dict[str, Any]:
    ok = [s for s in samples if s.status == 200]
    entry: dict[str, Any] = {
        "latency_ms": latency([s.latency_ms for s in samples]),
        "statuses": dict(sorted(Counter(str(s.status) for s in samples).items())),
        "dynamodb_requests": dynamodb_summary([dynamodb_calls(s.aws_calls) for s in ok]),
        "missing_aws_calls_header": sum(1 for s in ok if s.aws_calls is None),
        "response_bytes_mean": round(sum(s.size for s in ok) / len(ok)) if ok else None,
        "problems": sum(1 for s in samples if s.problem),
    }
    if elapsed:
        entry["elapsed_s"] = round(elapsed, 2)
        entry["requests_per_s"] = round(len(samples) / elapsed, 1)
    searched = [s for s in ok if s.results is not None]
    if searched:
        entry["results_mean"] = round(sum(s.results or 0 for s in searched) / len(searched), 1)
        entry["zero_results"] = sum(1 for s in searched if s.results == 0)
        aimed = [s for s in searched if s.hit is not None]
        entry["target_on_first_page"] = _rate(sum(1 for s in aimed if s.hit), len(aimed))
        entry["target_first"] = _rate(sum(1 for s in aimed if s.first), len(aimed))
    return entry


# --- setup through the API ------------------------------------------------------------------


def post_json(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """An admin POST with a compact body (the stadium's layout is near the 64 KB body limit)."""
    raw = json.dumps(body, separators=(",", ":"))
    response = with_retries(
        f"POST {path}",
        lambda: api.call("POST", path, api.admin, data=raw, headers={"Content-Type": "application/json"}),
    )
    if response.status_code != 201:
        raise StackFailed(f"POST {path} answered {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    return answer


def stadium_sections() -> list[dict[str, Any]]:
    return [
        {
            "section": f"Section {101 + s}",
            "price": {"amount": 15000 - 100 * s, "currency": "USD"},
            "rows": [{"row": row_name(r), "seats": STADIUM_SEATS_PER_ROW} for r in range(STADIUM_ROWS)],
        }
        for s in range(STADIUM_SECTIONS)
    ]


def create_venue(api: Api, name: str, city: str, sections: list[dict[str, Any]]) -> tuple[str, int]:
    body = {"name": name, "city": city, "address": "1 Benchmark Way", "sections": sections}
    raw_size = len(json.dumps(body, separators=(",", ":")))
    return str(post_json(api, "/admin/venues", body)["venue_id"]), raw_size


def create_event(api: Api, venue_id: str, name: str, performer: str, starts_in: timedelta) -> str:
    now = datetime.now(UTC)
    body = {
        "venue_id": venue_id,
        "name": name,
        "description": "Benchmark event",
        "category": "concerts",
        "performers": [performer],
        "start_at": rfc3339(now + starts_in),
        "end_at": rfc3339(now + starts_in + EVENT_LENGTH),
        "onsale": {"opens_at": rfc3339(now - timedelta(hours=1)), "hold_seconds": 600, "max_per_order": 8},
    }
    return str(post_json(api, "/admin/events", body)["event_id"])


def wait_until_ready(client: Client, event_id: str, timeout: float, every: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, event = client.get_json(f"/events/{event_id}")
        if status != 200:
            raise StackFailed(f"GET /events/{event_id} answered {status}: {event}")
        if event["onsale"]["status"] != "provisioning":
            if event["onsale"]["status"] != "on_sale":
                raise StackFailed(f"event {event_id} is {event['onsale']['status']!r}, not on sale")
            return dict(event)
        if time.monotonic() > deadline:
            raise StackFailed(f"event {event_id} was still provisioning after {timeout:.0f} s")
        time.sleep(every)


def stack_cpu(pid: int) -> float:
    return sum(v for k, v in cpu_seconds(pid).items() if k != "benchmark_client")


def wait_until_quiet(pid: int, window: float = 3.0) -> float:
    """Wait until the stack (emulator, API, pollers) is idle, e.g. the seats stream has drained
    the 56,000 inserts of provisioning; returns the seconds waited."""
    started = time.monotonic()
    before = stack_cpu(pid)
    while time.monotonic() - started < QUIET_TIMEOUT:
        time.sleep(window)
        after = stack_cpu(pid)
        if (after - before) / window < QUIET_CPU_FRACTION:
            break
        before = after
    return time.monotonic() - started


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the stack `local_stack` starts (it copies os.environ)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the run --------------------------------------------------------------------------------


@dataclass
class Run:
    """Everything measured, gathered for the report."""

    index: dict[str, Any] = field(default_factory=dict)
    engine_only: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    seat_map: dict[str, Any] = field(default_factory=dict)
    load_before: float = 0.0
    settle_s: dict[str, float] = field(default_factory=dict)  # idle wait before each phase
    stack_output: list[str] = field(default_factory=list)  # what `local.stack` printed


def engine_only(engine: TantivyEngine, probes: dict[str, list[Probe]]) -> dict[str, Any]:
    """The engine alone, in this process, one query at a time: the floor under the HTTP figures."""
    results: dict[str, Any] = {}
    for op, batch in probes.items():
        timings, empty = [], 0
        for probe in batch:
            query = search_params(probe)
            started = time.perf_counter()
            page = engine.search(query)
            timings.append((time.perf_counter() - started) * 1000)
            empty += not page.events
        results[op] = {"latency_ms": latency(timings), "zero_results": empty}
    return results


def make_probes(
    corpus: Sequence[Synthetic], count: int, seed: int, today: date
) -> tuple[list[Probe], list[Probe], list[Probe]]:
    rng = random.Random(f"{seed}-queries")
    keyword_probes = [keyword_probe(rng, rng.choice(corpus)) for _ in range(count)]
    fuzzy_probes = [fuzzy_probe(rng, corpus) for _ in range(count)]
    filter_probes = [filter_probe(rng, today) for _ in range(count)]
    return keyword_probes, fuzzy_probes, filter_probes


def measure(args: argparse.Namespace, run: Run, logs: Path) -> None:
    now = datetime.now(UTC)
    updated_ms = (now - EPOCH) // timedelta(milliseconds=1)
    with tempfile.TemporaryDirectory(prefix="onsale-bench-search-") as index_name:
        index_path = Path(index_name)
        done = _step(f"generating {args.events} synthetic events")
        started = time.perf_counter()
        corpus = make_corpus(args.events, args.seed, now)
        checked = check_documents(corpus, updated_ms)
        run.index["generate_s"] = round(time.perf_counter() - started, 2)
        done()
        done = _step(f"indexing {args.events} events with TantivyEngine (commit every {INDEX_BATCH})")
        engine, seconds = build_index(index_path, corpus, updated_ms)
        size, files = disk_usage(index_path)
        run.index.update(
            {
                "events": args.events,
                "documents_checked_against_document_from_event": checked,
                "index_s": round(seconds, 2),
                "docs_per_s": round(args.events / seconds),
                "size_bytes": size,
                "size_mb": round(size / 1e6, 1),
                "files": files,
                "num_docs": engine.num_docs,
            }
        )
        done()
        print(
            f"    index: {args.events} events in {seconds:.1f} s ({args.events / seconds:.0f}/s), "
            f"{size / 1e6:.1f} MB on disk in {files} files",
            flush=True,
        )
        keyword_probes, fuzzy_probes, filter_probes = make_probes(
            corpus, args.requests, args.seed, now.date()
        )
        done = _step(f"engine alone: {args.engine_queries} queries of each kind, in-process")
        n = args.engine_queries
        run.engine_only = engine_only(
            engine,
            {
                KEYWORD: keyword_probes[:n],
                FUZZY: fuzzy_probes[:n],
                "search_filtered": filter_probes[:n],
            },
        )
        del engine
        done()
        # The catalogue and the probes live as long as the run (millions of objects): out of
        # the collector's sight, so that a full collection does not pause this process's
        # clients in the middle of timed requests (as `timeit` turns collection off).
        gc.collect()
        gc.freeze()

        done = _step("starting the local stack on the benchmark's index")
        with (
            environment(ONSALE_SEARCH_INDEX_DIR=str(index_path), ONSALE_API_WORKERS=str(args.api_workers)),
            local_stack(keep_logs=logs) as running,
        ):
            done()
            run.stack_output = running.output
            measure_stack(args, run, running, corpus, keyword_probes, fuzzy_probes, filter_probes)
            done = _step("stopping the local stack")
        done()


def measure_stack(
    args: argparse.Namespace,
    run: Run,
    running: RunningStack,
    corpus: Sequence[Synthetic],
    keyword_probes: list[Probe],
    fuzzy_probes: list[Probe],
    filter_probes: list[Probe],
) -> None:
    stack, pid = running.stack, running.pid
    api, client, timed = Api(stack), Client(stack.api_url), KeepAlive(stack.api_url)

    def phase(
        name: str,
        probes: Sequence[Probe],
        clients: int,
        budget: float | None = None,
        warm_up: Sequence[Probe] = (),
    ) -> None:
        """A timed phase, once the stack is idle (nothing left over from the previous one) and,
        with `warm_up`, right after those requests (by as many clients), which are not timed: the
        wait for idleness outlasts the API's caches."""
        done = _step(f"{name}: {len(probes)} requests, {min(clients, len(probes))} client(s)")
        run.settle_s[name] = round(wait_until_quiet(pid), 1)
        if warm_up:
            run_phase(timed, "warm-up", warm_up, clients, pid)
        run.phases.append(run_phase(timed, name, probes, clients, pid, budget))
        done()

    # The stack must answer from the benchmark's index, not an empty one of its own.
    sample = run_probe(timed, Probe(KEYWORD, "/events/search", {"q": corpus[0].name}, must_find=True))
    if sample.problem or not sample.results:
        raise StackFailed(
            "the API does not search the benchmark's index: local/stack.py must use an "
            f"ONSALE_SEARCH_INDEX_DIR given in the environment as it is ({sample.problem})"
        )

    done = _step(f"creating a {STADIUM_SEATS:,}-seat venue and an on-sale event; provisioning")
    started = time.monotonic()
    stadium_venue, venue_body = create_venue(api, "Benchmark Stadium", "Testville", stadium_sections())
    stadium = create_event(api, stadium_venue, "Stadium Night", "The Benchmarks", timedelta(days=20))
    wait_until_ready(client, stadium, PROVISION_TIMEOUT, every=3.0)
    run.setup["stadium_provisioning_s"] = round(time.monotonic() - started, 1)
    run.setup["stadium_venue_body_bytes"] = venue_body
    done()

    small_count = args.cold_events + UNLOADED_COLD_EVENTS
    done = _step(f"creating {small_count} small events ({SMALL_SEATS} seats each)")
    started = time.monotonic()
    hall = {
        "section": "Floor",
        "price": {"amount": 4000, "currency": "USD"},
        "rows": [{"row": "A", "seats": SMALL_SEATS}],
    }
    small_venue, _ = create_venue(api, "Benchmark Club", "Testville", [hall])
    small = [
        create_event(api, small_venue, f"Club Night {i + 1}", f"Band {i + 1}", timedelta(days=10 + i))
        for i in range(small_count)
    ]
    for event_id in small:
        wait_until_ready(client, event_id, PROVISION_TIMEOUT, every=0.5)
    run.setup["small_events_s"] = round(time.monotonic() - started, 1)
    done()

    # Cold: the first view since the API's caches expired (no view of these events for longer
    # than their 2 s / 1 s lifetimes).
    run.setup["settle_after_provisioning_s"] = round(wait_until_quiet(pid), 1)
    time.sleep(CACHE_EXPIRY_WAIT)
    run.load_before = os.getloadavg()[0]
    unloaded, burst = small[:UNLOADED_COLD_EVENTS], small[UNLOADED_COLD_EVENTS:]
    phase(VIEW_COLD_SMALL_1, [Probe(VIEW_COLD_SMALL_1, f"/events/{e}", target=e) for e in unloaded], 1)
    # Rounds of the burst, each once the caches expired again, so that its p99 is not just the
    # slowest of 30 views.
    for _ in range(args.cold_rounds):
        phase(
            VIEW_COLD_SMALL,
            [Probe(VIEW_COLD_SMALL, f"/events/{e}", target=e) for e in burst],
            args.concurrency,
        )
    phase(VIEW_COLD_STADIUM, [Probe(VIEW_COLD_STADIUM, f"/events/{stadium}", target=stadium)], 1)

    # Searches: first one client (the unloaded latency), then C clients per kind.
    third = max(1, args.unloaded_requests // 3)
    phase(
        SEARCH_1,
        [
            replace(p, op=SEARCH_1)
            for p in keyword_probes[:third] + fuzzy_probes[:third] + filter_probes[:third]
        ],
        1,
    )
    warmup = min(WARMUP_REQUESTS, max(1, args.requests // 10))
    for name, probes in (
        (KEYWORD, keyword_probes),
        (FUZZY, fuzzy_probes),
        ("search_filtered", filter_probes),
    ):
        run_phase(timed, "warm-up", probes[-warmup:], args.concurrency, pid)
        phase(name, probes, args.concurrency)

    # Warm views: the same events again and again, small ones and the stadium apart.
    warm_small = [
        Probe(VIEW_WARM_SMALL, f"/events/{small[i % len(small)]}", target=small[i % len(small)])
        for i in range(args.requests)
    ]
    # Each timed phase starts right after its clients viewed every event a few times (10 views
    # each: every API worker, in all likelihood, has each one cached).
    phase(
        VIEW_WARM_SMALL,
        warm_small,
        args.concurrency,
        args.phase_budget,
        warm_up=warm_small[: 10 * len(small)],
    )
    warm_stadium = [Probe(VIEW_WARM_STADIUM, f"/events/{stadium}", target=stadium)] * args.requests
    phase(VIEW_WARM_STADIUM, warm_stadium, args.concurrency, args.phase_budget, warm_up=warm_stadium[:50])

    full = [
        Probe(SEAT_MAP_FULL, f"/events/{stadium}/seats", seats=SEAT_MAP_PAGE_SEATS, max_seats=True)
    ] * args.seat_map_requests
    section = [
        Probe(
            SEAT_MAP_SECTION,
            f"/events/{stadium}/seats",
            {"section": f"Section {101 + i % STADIUM_SECTIONS}"},
            seats=STADIUM_ROWS * STADIUM_SEATS_PER_ROW,
        )
        for i in range(args.seat_map_requests)
    ]
    phase(SEAT_MAP_FULL, full, 1, args.phase_budget)
    phase(SEAT_MAP_SECTION, section, 1, args.phase_budget)
    pages: list[requests.Response] = []
    cursor: str | None = None
    while True:
        params = {"cursor": cursor} if cursor else None
        response = with_retries(
            "seat map",
            lambda params=params: client.http.get(  # type: ignore[misc]
                f"{client.base}/events/{stadium}/seats", params=params, timeout=REQUEST_TIMEOUT
            ),
        )
        if response.status_code != 200:
            run.seat_map = {"status": response.status_code}
            return
        pages.append(response)
        cursor = response.json().get("next_cursor")
        if not cursor or len(pages) > 20:
            break
    run.seat_map = seat_map_sizes(pages)


def seat_map_sizes(pages: list[requests.Response]) -> dict[str, Any]:
    """The whole map's size over its pages as sent, gzipped, and as Lambda proxy responses (the
    body is a JSON string inside the invocation's JSON payload, so each quote is escaped)."""
    seat_ids: set[str] = set()
    body_bytes = gzip_bytes = largest_proxy = 0
    for response in pages:
        body = response.content
        seat_ids.update(s["seat_id"] for s in response.json()["seats"])
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        proxy = json.dumps({"statusCode": 200, "headers": headers, "body": body.decode()})
        body_bytes += len(body)
        gzip_bytes += len(gzip.compress(body, compresslevel=6))
        largest_proxy = max(largest_proxy, len(proxy.encode()))
    return {
        "seats": len(seat_ids),
        "pages": len(pages),
        "complete": len(seat_ids) == STADIUM_SEATS,
        "body_bytes": body_bytes,
        "bytes_per_seat": round(body_bytes / max(1, len(seat_ids)), 1),
        "gzip_bytes": gzip_bytes,
        "lambda_proxy_payload_bytes": largest_proxy,
        "lambda_response_limit_bytes": LAMBDA_RESPONSE_LIMIT,
        "over_lambda_limit": largest_proxy > LAMBDA_RESPONSE_LIMIT,
    }


# --- the report -----------------------------------------------------------------------------


def merged_phases(phases: Sequence[Phase]) -> dict[str, Phase]:
    """Rounds of one phase as one: their samples, time, CPU and skipped probes added up."""
    merged: dict[str, Phase] = {}
    for p in phases:
        if (seen := merged.get(p.name)) is None:
            merged[p.name] = replace(p, samples=list(p.samples), cpu=dict(p.cpu))
            continue
        seen.samples.extend(p.samples)
        seen.elapsed += p.elapsed
        seen.not_sent += p.not_sent
        seen.client_gc_ms += p.client_gc_ms
        for group, seconds in p.cpu.items():
            seen.cpu[group] = round(seen.cpu.get(group, 0.0) + seconds, 2)
    return merged


def summarise(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    samples = [s for phase in run.phases for s in phase.samples]
    by_op: dict[str, list[Sample]] = {}
    for s in samples:
        by_op.setdefault(s.op, []).append(s)
    phases = merged_phases(run.phases)
    elapsed = {name: phase.elapsed for name, phase in phases.items()}
    operations: dict[str, Any] = {}
    for op, op_samples in by_op.items():
        operations[op] = summarise_op(op_samples, elapsed.get(op))
    for group, members in GROUPS.items():
        grouped = [s for op in members for s in by_op.get(op, [])]
        operations[group] = summarise_op(grouped, elapsed.get(group))
    targets = {}
    for op in TARGETED:
        p99 = operations.get(op, {}).get("latency_ms", {}).get("p99")
        targets[op] = {"p99_ms": p99, "met": p99 is not None and p99 < TARGET_P99_MS}
    problems = [s.problem for s in samples if s.problem]
    fuzzy_hits = operations.get(FUZZY, {}).get("target_on_first_page")
    warnings = []
    if fuzzy_hits is not None and fuzzy_hits < FUZZY_HIT_WARNING:
        warnings.append(
            f"fuzzy queries found their target on the first page only {fuzzy_hits:.0%} of the time"
        )
    if run.seat_map.get("over_lambda_limit"):
        warnings.append("a page of the 56k seat map is over Lambda's 6 MB response payload limit")
    if run.seat_map and not run.seat_map.get("complete"):
        problems.append(f"the 56k seat map's pages list {run.seat_map.get('seats')} distinct seats")
    for p in run.phases:
        if p.not_sent:
            warnings.append(
                f"{p.name}: {p.not_sent} requests not sent, its {args.phase_budget:g} s budget spent"
            )
    missing = sum(1 for s in samples if s.status == 200 and s.aws_calls is None)
    if missing:
        warnings.append(f"{missing} responses had no X-Onsale-Aws-Calls header")
    return {
        "benchmark": "bench/search.py",
        "config": {
            "events": args.events,
            "concurrency": args.concurrency,
            "api_workers": args.api_workers,
            "requests": args.requests,
            "cold_events": args.cold_events,
            "cold_rounds": args.cold_rounds,
            "seat_map_requests": args.seat_map_requests,
            "engine_queries": args.engine_queries,
            "unloaded_requests": args.unloaded_requests,
            "phase_budget_s": args.phase_budget,
            "seed": args.seed,
            "stadium": f"{STADIUM_SECTIONS} sections x {STADIUM_ROWS} rows x {STADIUM_SEATS_PER_ROW} seats",
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "aws": "moto server (local emulator)",
            "load_average_1min_before_timed_phases": round(run.load_before, 2),
        },
        "note": EMULATOR_NOTE,
        "index": run.index,
        "engine_only_ms": run.engine_only,
        "setup": run.setup,
        "operations": operations,
        "phases": {
            name: {
                "elapsed_s": round(p.elapsed, 2),
                "clients": p.concurrency,
                "requests": len(p.samples),
                "not_sent": p.not_sent,
                "idle_wait_before_s": run.settle_s.get(name),
                "cpu_seconds": p.cpu,
                "benchmark_client_gc_ms": round(p.client_gc_ms, 1),
                **({"rounds": rounds} if (rounds := sum(q.name == name for q in run.phases)) > 1 else {}),
            }
            for name, p in phases.items()
        },
        "seat_map_56k": run.seat_map,
        "targets_p99_under_50ms": targets,
        "problems": len(problems),
        "problem_examples": problems[:20],
        "warnings": warnings,
        "ok": not problems,
    }


def render(report: dict[str, Any]) -> str:
    cfg, ops, idx = report["config"], report["operations"], report["index"]

    def row(label: str, op: str) -> str:
        entry = ops.get(op)
        if not entry or not entry["latency_ms"]["n"]:
            return f"  {label:<28} n/a"
        lat, ddb = entry["latency_ms"], entry["dynamodb_requests"]
        rate = f"{entry['requests_per_s']:>6.1f}/s" if "requests_per_s" in entry else " " * 8
        calls = ", ".join(f"{k} {v:g}" for k, v in ddb["mean_by_operation"].items()) or "-"
        errors = lat["n"] - entry["statuses"].get("200", 0)
        return (
            f"  {label:<28} {lat['p50']:>7.1f} {lat['p99']:>7.1f} {lat['mean']:>7.1f} {lat['n']:>6} {rate}"
            f" {errors:>6}  {ddb['mean_total'] if ddb['mean_total'] is not None else '-':>5}  [{calls}]"
        )

    def found(op: str) -> str:
        entry = ops.get(op, {})
        hit, first = entry.get("target_on_first_page"), entry.get("target_first")
        return (
            f"results per page {entry.get('results_mean')}, zero results {entry.get('zero_results')}, "
            f"target on first page {hit:.1%}, first {first:.1%}"
            if hit is not None and first is not None
            else "n/a"
        )

    engine = report["engine_only_ms"]
    sm = report["seat_map_56k"]
    setup = report["setup"]
    lines = [
        "Search and event view benchmark (bench/search.py)",
        "=" * 50,
        f"events {cfg['events']}, concurrency {cfg['concurrency']}, "
        f"API worker processes {cfg['api_workers']}, {cfg['requests']} requests per kind, "
        f"seed {cfg['seed']}; stadium {cfg['stadium']}",
        f"machine: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"{report['machine']['aws']}, 1-min load average "
        f"{report['machine']['load_average_1min_before_timed_phases']} before the timed phases",
        "",
        f"Index: {idx['events']} events in {idx['index_s']} s ({idx['docs_per_s']}/s; generation "
        f"{idx['generate_s']} s), {idx['size_mb']} MB on disk in {idx['files']} files",
        "Engine alone (in-process, one query at a time) p50 / p99 ms: "
        + ", ".join(
            f"{op.removeprefix('search_')} {e['latency_ms']['p50']} / {e['latency_ms']['p99']}"
            for op, e in engine.items()
        ),
        f"Setup: stadium provisioned in {setup.get('stadium_provisioning_s')} s "
        f"(venue body {setup.get('stadium_venue_body_bytes')} bytes of the 65,536 allowed), "
        f"small events {setup.get('small_events_s')} s, idle after provisioning in "
        f"{setup.get('settle_after_provisioning_s')} s",
        "",
        f"  {'HTTP, ' + str(cfg['concurrency']) + ' clients (ms)':<28} {'p50':>7} {'p99':>7} {'mean':>7} "
        f"{'n':>6} {'thrput':>8} {'non200':>6}  DynamoDB/request",
        row("search: keyword", KEYWORD),
        row("search: fuzzy (1 typo)", FUZZY),
        row("search: filtered", "search_filtered"),
        row("  city + dates", CITY_DATES),
        row("  category + city", CATEGORY_CITY),
        row("view, cold: small events", VIEW_COLD_SMALL),
        row("view, warm: small events", VIEW_WARM_SMALL),
        row("view, warm: 56k stadium", VIEW_WARM_STADIUM),
        "  one client, sequential",
        row("search (mixed kinds)", SEARCH_1),
        row("view, cold: small events", VIEW_COLD_SMALL_1),
        row("view, cold: 56k stadium", VIEW_COLD_STADIUM),
        row("seat map 56k, first page", SEAT_MAP_FULL),
        row("seat map 56k, one section", SEAT_MAP_SECTION),
        "",
        f"Keyword: {found(KEYWORD)}",
        f"Fuzzy:   {found(FUZZY)}",
        f"Filtered: results per page {ops.get('search_filtered', {}).get('results_mean')}, "
        f"zero results {ops.get('search_filtered', {}).get('zero_results')}",
        "",
        f"Seat map 56k: {sm.get('seats')} seats in {sm.get('pages')} pages, "
        f"{sm.get('body_bytes', 0):,} bytes "
        f"({sm.get('bytes_per_seat')} per seat), gzip {sm.get('gzip_bytes', 0):,}; largest page as a Lambda "
        f"proxy response {sm.get('lambda_proxy_payload_bytes', 0):,} bytes vs the 6 MB limit "
        f"({LAMBDA_RESPONSE_LIMIT:,}): " + ("OVER" if sm.get("over_lambda_limit") else "under"),
        f"One section: {ops.get(SEAT_MAP_SECTION, {}).get('response_bytes_mean')} bytes",
        "",
        f"Target p99 < {TARGET_P99_MS:.0f} ms at {cfg['concurrency']} clients: "
        + ", ".join(
            f"{op} {'met' if t['met'] else 'NOT met'} ({t['p99_ms']})"
            for op, t in report["targets_p99_under_50ms"].items()
        ),
        "CPU seconds per phase, by process group (the phase's wall time in brackets): "
        + "; ".join(
            f"{name} [{p['elapsed_s']} s wall]: "
            + ", ".join(f"{k} {v:g}" for k, v in p["cpu_seconds"].items() if k != "total")
            for name, p in report["phases"].items()
        ),
        "The benchmark client's own garbage collection during each timed phase, ms: "
        + ", ".join(f"{name} {p['benchmark_client_gc_ms']:g}" for name, p in report["phases"].items()),
        "",
        f"Correctness problems: {report['problems']}   (must be 0)",
    ]
    lines += [f"  - {p}" for p in report["problem_examples"]]
    if report["warnings"]:
        lines += ["WARNINGS (not counted as failures)"] + [f"  - {w}" for w in report["warnings"]]
    lines += ["", "Note: " + EMULATOR_NOTE]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Search and event-view benchmark against the local stack.")
    parser.add_argument("--events", type=_positive, default=100_000, help="synthetic events indexed")
    parser.add_argument("--concurrency", type=_positive, default=16, help="concurrent clients")
    parser.add_argument(
        "--api-workers",
        type=_positive,
        default=2,
        help="API worker processes behind the port (ONSALE_API_WORKERS), like warm Lambda instances",
    )
    parser.add_argument("--requests", type=_positive, default=2000, help="requests per kind of request")
    parser.add_argument("--cold-events", type=_positive, default=30, help="small events viewed cold")
    parser.add_argument(
        "--cold-rounds", type=_positive, default=5, help="bursts of cold views, each after the caches expire"
    )
    parser.add_argument("--seat-map-requests", type=_positive, default=20, help="per seat-map variant")
    parser.add_argument("--engine-queries", type=_positive, default=300, help="in-process queries per kind")
    parser.add_argument(
        "--unloaded-requests", type=_positive, default=300, help="searches by one client (the floor)"
    )
    parser.add_argument(
        "--phase-budget", type=float, default=120.0, help="seconds a view or seat-map phase may send for"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the catalogue and queries")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON report goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    logs = args.output.with_name(args.output.stem + "-logs")
    run = Run()
    try:
        measure(args, run, logs)
    except (StackFailed, AssertionError, requests.RequestException) as exc:
        print(f"\nbenchmark setup failed: {exc}", file=sys.stderr)
        if run.stack_output:
            print("local.stack said:\n" + "".join(run.stack_output[-20:]), file=sys.stderr)
        print(f"the stack's logs: {logs}", file=sys.stderr)
        return 2
    except (Terminated, KeyboardInterrupt):
        print("\ninterrupted; the local stack was stopped", file=sys.stderr)
        return 130

    report = summarise(args, run)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(render(report))
    print(f"\nJSON report: {args.output}")
    if not report["ok"]:
        print("FAILED: correctness problems (see above)", file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
