"""The web app's logic modules in a real browser, without the stack: the reconnecting WebSocket
(backoff, fallback states, no reconnect after leaving), the waiting room's words, progress and
announcement pacing, the per-tab admission and queue-place storage, event times on the
venue's clock whatever the browser's zone, and the search's days on that clock (the whole app, its
API faked in the page).

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
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

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


# --- the search's days: the venue's local day, widened for the API's UTC days -------------------


@pytest.mark.parametrize(
    ("viewer_zone", "viewers_day"),
    [
        ("America/Los_Angeles", "2027-01-31"),  # 01:30Z Feb 1 is 5:30 PM Jan 31 there
        ("Asia/Tokyo", "2027-02-01"),  # and 10:30 AM Feb 1 there
    ],
)
def test_an_events_local_day_is_the_day_its_venues_clock_shows(
    browser: Browser, web_origin: str, viewer_zone: str, viewers_day: str
) -> None:
    with module_page(browser, web_origin, timezone_id=viewer_zone, locale="en-US") as page:
        days = page.evaluate(
            """async () => {
                const f = await import("/js/format.js");
                const chicagoEvening = "2027-02-01T01:30:00Z"; // 7:30 PM Jan 31 in Chicago
                const tokyoMorning = "2027-01-31T23:00:00Z"; // 8:00 AM Feb 1 in Tokyo
                const card = f.dateParts(chicagoEvening, "America/Chicago");
                return {
                    chicago: f.localDay(chicagoEvening, "America/Chicago"),
                    chicagoSummer: f.localDay("2027-07-01T00:30:00Z", "America/Chicago"), // 7:30 PM CDT
                    chicagoBadge: `${card.month} ${card.day}`,
                    tokyo: f.localDay(tokyoMorning, "Asia/Tokyo"),
                    utc: f.localDay(chicagoEvening, "UTC"),
                    viewers: f.localDay(chicagoEvening, f.venueZone({ venue: { time_zone: null } })),
                    unknownZone: f.localDay(chicagoEvening, "Mars/Olympus_Mons"),
                    unparsable: f.localDay("not a time", "America/Chicago"),
                };
            }"""
        )
    assert days == {
        "chicago": "2027-01-31",  # west of UTC: the evening show is the next UTC day
        "chicagoSummer": "2027-06-30",
        "chicagoBadge": "Jan 31",  # the same day the card's badge shows
        "tokyo": "2027-02-01",  # east of UTC: the morning show is the previous UTC day
        "utc": "2027-02-01",
        # a venue without a zone, or one this browser does not know: the viewer's day, as the card
        "viewers": viewers_day,
        "unknownZone": viewers_day,
        "unparsable": "",
    }


@pytest.mark.parametrize("locale", ["ar-EG", "th-TH", "fa-IR"])
def test_a_local_day_is_written_as_a_date_input_writes_it_in_any_locale(
    browser: Browser, web_origin: str, locale: str
) -> None:
    # Arabic-Indic digits, the Buddhist and the Persian calendars: a day key is still 2027-01-31.
    with module_page(browser, web_origin, timezone_id="UTC", locale=locale) as page:
        day = page.evaluate(
            """async () => {
                const { localDay } = await import("/js/format.js");
                return localDay("2027-02-01T01:30:00Z", "America/Chicago");
            }"""
        )
    assert day == "2027-01-31"


@pytest.mark.parametrize("viewer_zone", ["America/Chicago", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_days_are_moved_on_the_calendar_without_a_clock(
    browser: Browser, web_origin: str, viewer_zone: str
) -> None:
    with module_page(browser, web_origin, timezone_id=viewer_zone) as page:
        moved = page.evaluate(
            """async () => {
                const { addDays } = await import("/js/format.js");
                return [
                    ["2027-01-31", -1], ["2027-01-31", 1], ["2027-03-01", -1], ["2028-03-01", -1],
                    ["2026-12-31", 1], ["2027-01-01", -1], ["2027-03-14", 1], ["2027-11-07", -1],
                    ["0099-01-01", 1], ["0001-01-01", -1], ["9999-12-31", 1], ["", 1], ["soon", 1],
                ].map(([day, n]) => addDays(day, n));
            }"""
        )
    assert moved == [
        "2027-01-30",
        "2027-02-01",
        "2027-02-28",
        "2028-02-29",  # a leap year
        "2027-01-01",
        "2026-12-31",
        "2027-03-15",  # daylight saving starts in the US that night: no hour is lost here
        "2027-11-06",
        "0099-01-02",  # not 1999 (two-digit years are not 19xx here)
        "0001-01-01",  # no YYYY-MM-DD names the day before: unchanged
        "9999-12-31",
        "",
        "soon",
    ]


def summary_at(name: str, start_at: str, zone: str | None = "America/Chicago") -> dict[str, Any]:
    return {
        "event_id": f"E-{name.replace(' ', '-')}",
        "name": name,
        "category": "concerts",
        "performers": [],
        "venue": {"venue_id": "V-1", "name": "Lakefront Hall", "city": "Chicago", "time_zone": zone},
        "start_at": start_at,
        "min_price": {"amount": 5000, "currency": "USD"},
        "available_count": 100,
    }


def chicago_pages() -> dict[str | None, tuple[list[dict[str, Any]], str | None]]:
    """A city's search answer, page by cursor: (events, next_cursor). On Jan 31 by the venue's
    clock: two events on the second page (one at a venue without a zone: a browser in Los Angeles
    reads 06:00Z as 10 PM on Jan 31) and one on the last, eight pages in."""
    jan30 = "2027-01-30T16:00:00Z"  # 10 AM Jan 30 in Chicago
    feb1 = "2027-02-01T18:00:00Z"  # noon Feb 1 in Chicago
    pages: dict[str | None, tuple[list[dict[str, Any]], str | None]] = {
        None: ([summary_at(f"Early {i}", jan30) for i in range(12)], "c1"),
        "c1": (
            [
                summary_at("Kept Chicago", "2027-02-01T01:30:00Z"),  # 7:30 PM Jan 31
                summary_at("Kept unzoned", "2027-02-01T06:00:00Z", zone=None),
                summary_at("Chicago midnight", "2027-02-01T06:00:00Z"),  # 12:00 AM Feb 1
                *(summary_at(f"Late {i}", feb1) for i in range(9)),
            ],
            "c2",
        ),
    }
    for n in range(2, 7):
        pages[f"c{n}"] = ([summary_at(f"Later {n}-{i}", feb1) for i in range(12)], f"c{n + 1}")
    pages["c7"] = ([summary_at("Last one", "2027-02-01T02:00:00Z")], None)  # 8 PM Jan 31
    return pages


CORS = {"Access-Control-Allow-Origin": "*"}  # the fake API answers another origin


@contextmanager
def search_app(browser: Browser, web_origin: str) -> Iterator[tuple[Page, list[dict[str, str]]]]:
    """The whole web app in a browser in Los Angeles, its API faked with `chicago_pages`; yields
    the page and the query of every search the app made."""
    pages = chicago_pages()
    searches: list[dict[str, str]] = []

    def answer(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.path != "/events/search":
            route.fulfill(status=404, json={"status": 404, "code": "not_found"}, headers=CORS)
            return
        query = dict(parse_qsl(url.query))
        searches.append(query)
        events, next_cursor = pages[query.get("cursor")]
        route.fulfill(json={"events": events, "next_cursor": next_cursor}, headers=CORS)

    with module_page(browser, web_origin, timezone_id="America/Los_Angeles", locale="en-US") as page:
        page.route("http://127.0.0.1:8000/**", answer)  # config.js's API
        yield page, searches


def titles(page: Page) -> list[str]:
    return page.locator(".event-card-title").all_text_contents()


def test_a_days_search_keeps_the_venues_days_and_pages_on_through_the_widened_query(
    browser: Browser, web_origin: str
) -> None:
    with search_app(browser, web_origin) as (page, searches):
        page.goto(f"{web_origin}/#/?city=Chicago&start_date=2027-01-31&end_date=2027-01-31")
        summary = page.locator(".results-summary")
        announcer = page.locator("#announcer")
        more = page.get_by_role("button", name="Load more events")

        # The first page keeps nothing: the next is read at once, and its Jan 31 events shown
        expect(summary).to_have_text("Showing 2 events")
        assert titles(page) == ["Kept Chicago", "Kept unzoned"]
        expect(announcer).to_have_text("2 events found, more available.")
        expect(more).to_be_visible()
        # The API was asked for a day more on each side; the address and form keep the customer's
        assert [(s["start_date"], s["end_date"], s["city"]) for s in searches] == [
            ("2027-01-30", "2027-02-01", "Chicago")
        ] * 2
        assert [s.get("cursor") for s in searches] == [None, "c1"]
        assert "start_date=2027-01-31&end_date=2027-01-31" in page.url
        expect(page.locator("#filter-start")).to_have_value("2027-01-31")
        expect(page.locator("#filter-end")).to_have_value("2027-01-31")

        # "Load more" reads on from the widened query's cursor, at most 5 pages for one click
        more.click()
        expect(announcer).to_have_text("No more events found yet, more available.")
        assert [s.get("cursor") for s in searches[2:]] == ["c2", "c3", "c4", "c5", "c6"]
        expect(summary).to_have_text("Showing 2 events")
        expect(more).to_be_focused()

        more.click()
        expect(announcer).to_have_text("1 more event loaded.")
        assert titles(page) == ["Kept Chicago", "Kept unzoned", "Last one"]
        expect(summary).to_have_text("Showing 3 events")
        expect(more).to_be_hidden()
        expect(page.get_by_role("link", name="Last one")).to_be_focused()
        assert all((s["start_date"], s["end_date"]) == ("2027-01-30", "2027-02-01") for s in searches)


def test_a_days_search_that_keeps_nothing_stops_after_five_pages_and_says_so(
    browser: Browser, web_origin: str
) -> None:
    with search_app(browser, web_origin) as (page, searches):
        page.goto(f"{web_origin}/#/?city=Chicago&start_date=2027-02-05")
        announcer = page.locator("#announcer")
        expect(announcer).to_have_text("No events match so far, more available.")
        expect(page.locator(".empty-results")).to_contain_text("No events match so far")
        expect(page.locator(".results-summary")).to_have_text("")
        assert [s.get("cursor") for s in searches] == [None, "c1", "c2", "c3", "c4"]
        assert searches[0]["start_date"] == "2027-02-04" and "end_date" not in searches[0]

        page.get_by_role("button", name="Load more events").click()
        expect(announcer).to_have_text("No more events found.")
        expect(page.locator(".empty-results")).to_contain_text("No events match")
        expect(page.locator(".empty-results")).not_to_contain_text("so far")
        expect(page.get_by_role("button", name="Load more events")).to_be_hidden()
        assert [s.get("cursor") for s in searches[5:]] == ["c5", "c6", "c7"]


def test_a_search_without_days_reads_one_page_as_before(browser: Browser, web_origin: str) -> None:
    with search_app(browser, web_origin) as (page, searches):
        page.goto(f"{web_origin}/#/?city=Chicago")
        expect(page.locator(".results-summary")).to_have_text("Showing 12 events")
        expect(page.locator("#announcer")).to_have_text("12 events found, more available.")
        assert searches == [{"city": "Chicago", "limit": "12"}]
