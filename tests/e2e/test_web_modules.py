"""The web app's logic modules in a real browser, without the stack: the reconnecting WebSocket
(backoff, fallback states, no reconnect after leaving), the waiting room's words, progress and
announcement pacing, the per-tab admission and queue-place storage, and event times on the
venue's clock whatever the browser's zone.

The modules are imported as the app imports them (ES modules served from `web/`); WebSockets and
timers are replaced by in-page fakes so that nothing here waits on a clock.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser import CHROMIUM, CHROMIUM_MISSING

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=CHROMIUM_MISSING)

WEB = Path(__file__).resolve().parents[2] / "web"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web_origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(WEB)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def blank(browser: Browser, web_origin: str) -> Iterator[Page]:
    """An empty page on the web app's origin (modules import from there; storage is fresh)."""
    with module_page(browser, web_origin) as page:
        yield page


@contextmanager
def module_page(browser: Browser, web_origin: str, **context_options: Any) -> Iterator[Page]:
    """An empty page on the web app's origin in a fresh browser context (`context_options`: a
    time zone, a locale); an error thrown in the page fails the test."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(
        f"{web_origin}/blank",
        lambda route: route.fulfill(body="<!doctype html><title>modules</title>", content_type="text/html"),
    )
    try:
        page.goto(f"{web_origin}/blank")
        yield page
    finally:
        context.close()
    assert not errors, errors


def run(page: Page, script: str) -> Any:
    """Evaluate an async function body with `live` and `room` (the modules) in scope."""
    return page.evaluate(
        f"""async () => {{
            const live = await import("/js/live.js");
            const room = await import("/js/waitroom.js");
            {script}
        }}"""
    )


def test_backoff_grows_to_a_ceiling_with_jitter_inside_it(blank: Page) -> None:
    delays = run(
        blank,
        """
        const low = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => live.backoffDelay(n, { random: () => 0 }));
        const high = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => live.backoffDelay(n, { random: () => 1 }));
        return { low, high };
        """,
    )
    assert delays["high"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
    assert delays["low"] == [d // 2 for d in delays["high"]]


def test_socket_urls_get_their_parameters_whatever_the_base_looks_like(blank: Page) -> None:
    urls = run(
        blank,
        """
        return [
          live.withParams("ws://127.0.0.1:8001", { event_id: "E1" }),
          live.withParams("ws://127.0.0.1:8001?queue_id=Q1", { token: "a.b.c" }),
          live.withParams("wss://ws.example.com/prod/", { queue_id: "Q 1", token: "" }),
        ];
        """,
    )
    assert urls == [
        "ws://127.0.0.1:8001?event_id=E1",
        "ws://127.0.0.1:8001?queue_id=Q1&token=a.b.c",
        "wss://ws.example.com/prod/?queue_id=Q+1",
    ]


FAKES = """
const sockets = [];
class FakeSocket {
  constructor(url) { this.url = url; this.closed = false; sockets.push(this); }
  close() { this.closed = true; }
}
const timers = [];
const setTimer = (fn, ms) => { timers.push({ fn, ms, done: false }); return timers.length - 1; };
const clearTimer = (id) => { if (timers[id]) timers[id].done = true; };
const fire = () => { const t = timers.find((x) => !x.done); t.done = true; t.fn(); return t.ms; };
const pending = () => timers.filter((x) => !x.done).length;
"""


def test_a_dropped_socket_reconnects_with_growing_delays_and_reports_its_state(blank: Page) -> None:
    outcome = run(
        blank,
        FAKES
        + """
        const states = [];
        const messages = [];
        let n = 0;
        const socket = new live.LiveSocket(() => `ws://x/?attempt=${++n}`, {
          WebSocketImpl: FakeSocket, setTimer, clearTimer, backoff: { random: () => 1 },
          onState: (s) => states.push(s), onMessage: (m) => messages.push(m),
        }).start();
        sockets[0].onopen();
        sockets[0].onmessage({ data: '{"type":"position","position":7}' });
        sockets[0].onmessage({ data: "not json" });
        sockets[0].onclose();                 // dropped
        const first = fire();                 // 1 s later: attempt 2
        sockets[1].onclose();                 // refused
        const second = fire();                // 2 s later: attempt 3
        sockets[2].onopen();                  // back: the next drop starts from 1 s again
        sockets[2].onclose();
        const third = fire();
        const urls = sockets.map((s) => s.url);
        socket.stop();
        return { states, messages, delays: [first, second, third], urls, open: socket.isOpen,
                 closedOnStop: sockets[3].closed, pending: pending() };
        """,
    )
    assert outcome["messages"] == [{"type": "position", "position": 7}]
    assert outcome["delays"] == [1000, 2000, 1000]
    assert outcome["urls"] == [f"ws://x/?attempt={n}" for n in range(1, 5)]
    assert outcome["states"] == [
        "connecting",
        "open",
        "retrying",
        "connecting",
        "retrying",
        "connecting",
        "open",
        "retrying",
        "connecting",
        "stopped",
    ]
    assert outcome["open"] is False
    assert outcome["closedOnStop"] is True
    assert outcome["pending"] == 0


def test_a_stopped_socket_never_reconnects_and_ignores_late_events(blank: Page) -> None:
    outcome = run(
        blank,
        FAKES
        + """
        const messages = [];
        const socket = new live.LiveSocket("ws://x/", {
          WebSocketImpl: FakeSocket, setTimer, clearTimer, onMessage: (m) => messages.push(m),
        }).start();
        const first = sockets[0];
        const onclose = first.onclose;
        socket.stop();
        onclose && onclose();
        return { sockets: sockets.length, pending: pending(), messages, state: socket.state };
        """,
    )
    assert outcome == {"sockets": 1, "pending": 0, "messages": [], "state": "stopped"}


def test_wait_estimates_read_as_rounded_phrases(blank: Page) -> None:
    phrases = run(
        blank,
        "return [null, -1, 0, 44, 60, 100, 185, 3000, 3600, 5400, 7170].map(room.waitPhrase);",
    )
    assert phrases == [
        None,
        None,
        "less than a minute",
        "less than a minute",
        "about a minute",
        "about 2 minutes",
        "about 3 minutes",
        "about 50 minutes",
        "about 1 hour",
        "about 1 hour 30 minutes",
        "about 2 hours",
    ]


def test_progress_runs_from_the_first_position_seen_to_the_front(blank: Page) -> None:
    values = run(
        blank,
        "return [[200, 200], [200, 150], [200, 0], [200, 260], [0, 0], [null, 5]]"
        ".map(([a, b]) => room.queueProgress(a, b));",
    )
    assert values == [0, 0.25, 1, 0, 1, 0]


def test_positions_are_announced_now_and_then_but_always_near_the_front(blank: Page) -> None:
    said = run(
        blank,
        """
        let now = 0;
        const announcer = new room.PositionAnnouncer({ minGapMs: 30000, now: () => now });
        const said = [];
        for (const [at, position] of [[0, 120], [1000, 119], [5000, 110], [31000, 90], [32000, 90],
                                      [33000, 40], [34000, 10], [35000, 9], [36000, 5], [37000, 3],
                                      [38000, 2], [39000, 1], [40000, 0]]) {
          now = at;
          if (announcer.shouldAnnounce(position)) said.push(position);
        }
        return said;
        """,
    )
    assert said == [120, 90, 10, 5, 3, 2, 1, 0]


def test_an_admission_is_kept_per_event_and_customer_until_it_expires(blank: Page) -> None:
    outcome = run(
        blank,
        """
        const future = new Date(Date.now() + 600000).toISOString();
        const past = new Date(Date.now() - 1000).toISOString();
        room.storeAdmission("E1", "ann@example.com", "tok-1", future);
        room.storeAdmission("E2", "ann@example.com", "tok-2", past);
        const payload = btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 120 }))
          .replace(/=+$/, "").replace(/\\+/g, "-").replace(/\\//g, "_");
        const jwt = `h.${payload}.s`;
        room.storeAdmission("E3", "ann@example.com", jwt, undefined);
        return {
          mine: room.admissionFor("E1", "ann@example.com")?.token ?? null,
          someoneElse: room.admissionFor("E1", "bob@example.com"),
          expired: room.admissionFor("E2", "ann@example.com"),
          lapsed: room.admissionLapsed("E2", "ann@example.com"),
          fromJwt: Math.round(
            (new Date(room.admissionFor("E3", "ann@example.com").expires_at) - Date.now()) / 1000
          ),
          forgotten: (room.forgetAdmission("E1"), room.admissionFor("E1", "ann@example.com")),
        };
        """,
    )
    assert outcome["mine"] == "tok-1"
    assert outcome["someoneElse"] is None
    assert outcome["expired"] is None
    assert outcome["lapsed"] is True
    assert 100 <= outcome["fromJwt"] <= 120
    assert outcome["forgotten"] is None


def test_a_remembered_place_keeps_its_first_position_when_the_same_queue_id_comes_back(blank: Page) -> None:
    outcome = run(
        blank,
        """
        const first = { queue_id: "Q1", websocket_url: "ws://x?queue_id=Q1", position: 80 };
        room.rememberPlace("E1", "ann", first);
        room.rememberPlace("E1", "ann", { queue_id: "Q1", position: 40 });      // a reload, later
        const same = room.rememberedPlace("E1", "ann");
        room.rememberPlace("E1", "ann", { queue_id: "Q2", position: 12 });      // a new place
        return { same, other: room.rememberedPlace("E1", "bob"), fresh: room.rememberedPlace("E1", "ann") };
        """,
    )
    assert outcome["same"] == {
        "queue_id": "Q1",
        "websocket_url": "ws://x?queue_id=Q1",
        "first_position": 80,
        "user": "ann",
    }
    assert outcome["other"] is None
    assert outcome["fresh"]["first_position"] == 12


# --- event times on the venue's clock ---------------------------------------------------------

# 01:30 UTC on 13 December 2026: 7:30 PM on the 12th in Nashville (CST), whatever the viewer's zone.
NASHVILLE_SHOW = {
    "event_id": "E-NASH",
    "name": "Backroads & Bourbon",
    "category": "concerts",
    "performers": ["Tallulah Greenwood-Achterberg"],
    "venue": {
        "venue_id": "V-NASH",
        "name": "Cumberland Ballroom",
        "city": "Nashville",
        "time_zone": "America/Chicago",
    },
    "start_at": "2026-12-13T01:30:00Z",
    "min_price": {"amount": 5900, "currency": "USD"},
    "available_count": 120,
}


def spaced(text: str) -> str:
    """ICU puts a narrow no-break space before AM/PM; compare with plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("viewer_zone", "viewers_time"),
    [
        ("America/Los_Angeles", "5:30 PM PST"),
        ("Asia/Tokyo", "10:30 AM GMT+9"),
        ("Europe/London", "1:30 AM GMT"),
    ],
)
def test_an_event_time_reads_on_the_venues_clock_wherever_the_browser_is(
    browser: Browser, web_origin: str, viewer_zone: str, viewers_time: str
) -> None:
    with module_page(browser, web_origin, timezone_id=viewer_zone, locale="en-US") as page:
        shown = page.evaluate(
            """async (show) => {
                const f = await import("/js/format.js");
                const { eventCard } = await import("/js/pages/search.js");
                const zone = f.venueZone(show);
                const card = eventCard(show);
                const unzoned = { ...show, venue: { ...show.venue, time_zone: null } };
                return {
                    zone,
                    dateTime: f.dateTime(show.start_at, zone),
                    longDate: f.longDate(show.start_at, zone),
                    time: f.time(show.start_at, zone),
                    parts: f.dateParts(show.start_at, zone),
                    summer: f.time("2027-07-13T00:30:00Z", zone),
                    card: card.querySelector("time").textContent,
                    badge: card.querySelector(".date-badge").textContent,
                    unzonedZone: f.venueZone(unzoned) ?? null,
                    viewers: f.time(show.start_at, f.venueZone(unzoned)),
                    unknownZone: f.time(show.start_at, "Mars/Olympus_Mons"),
                };
            }""",
            NASHVILLE_SHOW,
        )

    assert shown["zone"] == "America/Chicago"
    assert spaced(shown["dateTime"]) == "Sat, Dec 12, 2026, 7:30 PM CST"
    assert shown["longDate"] == "Saturday, December 12, 2026"
    assert spaced(shown["time"]) == "7:30 PM CST"
    assert shown["parts"] == {"month": "Dec", "day": "12", "weekday": "Sat"}
    assert spaced(shown["summer"]) == "7:30 PM CDT"  # daylight time in July
    assert spaced(shown["card"]) == "Sat, Dec 12, 2026, 7:30 PM CST"
    assert shown["badge"] == "Dec12Sat"
    # A venue without a zone: the viewer's clock, named, as before; a zone this browser does not
    # know falls back to it too rather than failing the page.
    assert shown["unzonedZone"] is None
    assert spaced(shown["viewers"]) == viewers_time
    assert spaced(shown["unknownZone"]) == viewers_time
