"""A small client of the public API for tests and benchmarks: what a stranger would do with curl."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import requests

_counter = itertools.count()
T = TypeVar("T")


@dataclass(frozen=True)
class Stack:
    api_url: str
    emulator_url: str
    admin_email: str
    admin_password: str
    state_dir: Path
    web_url: str = ""
    ws_url: str = ""  # the WebSocket API (`ws://...`)
    ws_management_url: str = ""  # its `@connections` management endpoint


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 60, every: float = 0.5) -> T:
    """Poll `check` until it returns something truthy (eventually consistent reads)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(every)


class Api:
    def __init__(self, stack: Stack) -> None:
        self.base = stack.api_url
        self.stack = stack
        self._local = threading.local()
        self._admin: User | None = None

    @property
    def http(self) -> requests.Session:
        """One HTTP session per thread: requests' sessions are not thread-safe."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def call(
        self,
        method: str,
        path: str,
        user: User | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(user.headers if user else {})
        all_headers.update(headers or {})
        return self.http.request(
            method, self.base + path, json=json, headers=all_headers, timeout=30, **kwargs
        )

    def new_user(self, name: str = "Test Fan") -> User:
        email = f"fan-{uuid.uuid4().hex[:12]}-{next(_counter)}@example.com"
        password = "correct-horse-9"
        signup = self.call("POST", "/auth/signup", json={"email": email, "password": password, "name": name})
        assert signup.status_code == 201, signup.text
        return self.login(email, password, signup.json()["user_id"])

    def login(self, email: str, password: str, user_id: str = "") -> User:
        response = self.call("POST", "/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return User(user_id=user_id, email=email, token=response.json()["token"])

    @property
    def admin(self) -> User:
        if self._admin is None:
            self._admin = self.login(self.stack.admin_email, self.stack.admin_password)
        return self._admin

    def create_venue(
        self,
        sections: list[dict[str, Any]],
        name: str = "Test Hall",
        city: str = "Testville",
        time_zone: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"name": name, "city": city, "address": "1 Test Street", "sections": sections}
        if time_zone is not None:
            body["time_zone"] = time_zone
        response = self.call("POST", "/admin/venues", self.admin, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["venue_id"])

    def create_event(
        self,
        venue_id: str,
        *,
        hold_seconds: int = 600,
        max_per_order: int = 8,
        queue_required: bool = False,
        opens_in: timedelta = timedelta(hours=-1),
        starts_in: timedelta = timedelta(days=30),
        starts_at: datetime | None = None,
        name: str = "Test Concert",
        description: str = "A test event",
        category: str = "concerts",
        performers: list[str] | None = None,
        admit_per_minute: int = 600,
    ) -> str:
        now = datetime.now(UTC)
        start = starts_at or now + starts_in  # `starts_at`: an exact moment instead of one from now
        body = {
            "venue_id": venue_id,
            "name": name,
            "description": description,
            "category": category,
            "performers": performers or ["The Testers"],
            "start_at": rfc3339(start),
            "end_at": rfc3339(start + timedelta(hours=3)),
            "onsale": {
                "opens_at": rfc3339(now + opens_in),
                "hold_seconds": hold_seconds,
                "max_per_order": max_per_order,
                "queue_required": queue_required,
                "admit_per_minute": admit_per_minute,
            },
        }
        response = self.call("POST", "/admin/events", self.admin, json=body)
        assert response.status_code == 201, response.text
        event_id = str(response.json()["event_id"])
        self.wait_until_ready(event_id)
        return event_id

    def wait_until_ready(self, event_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.call("GET", f"/events/{event_id}").json()
            if event["onsale"]["status"] != "provisioning":
                return dict(event)
            assert time.monotonic() < deadline, "inventory was not created in time"
            time.sleep(0.3)

    def small_event(self, seats_per_row: int = 10, rows: int = 5, **kwargs: Any) -> tuple[str, list[str]]:
        """An on-sale event in a one-section hall; returns its id and its seat ids."""
        venue_id = self.create_venue(
            [
                {
                    "section": "Floor",
                    "price": {"amount": 5000, "currency": "USD"},
                    "rows": [{"row": chr(ord("A") + r), "seats": seats_per_row} for r in range(rows)],
                }
            ]
        )
        event_id = self.create_event(venue_id, **kwargs)
        seats = self.call("GET", f"/events/{event_id}/seats").json()["seats"]
        return event_id, [s["seat_id"] for s in seats]

    # --- waiting room -------------------------------------------------------------------------

    def join_queue(self, user: User, event_id: str) -> dict[str, Any]:
        """Join the event's waiting room (201) and return the body."""
        response = self.call("POST", f"/events/{event_id}/queue", user)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def queue_status(self, user: User, event_id: str, queue_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/events/{event_id}/queue/{queue_id}", user)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_for_admission(
        self, user: User, event_id: str, queue_id: str, timeout: float = 120
    ) -> dict[str, Any]:
        """Poll the queue entry (as a client without a socket would) until its turn comes."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.queue_status(user, event_id, queue_id)
            if status["status"] != "waiting":
                return status
            assert time.monotonic() < deadline, f"not admitted in time: {status}"
            time.sleep(0.5)


# --- notifications: the e-mails the emulator's SES sent (decoded by local/outbox.py) ------------


def sent_emails(stack: Stack, to: str | None = None) -> list[dict[str, Any]]:
    """Every e-mail the stack sent (newest first), or those to one address."""
    from local.outbox import fetch_sent_mail

    found = fetch_sent_mail(stack.emulator_url)
    return [m for m in found if to is None or to in m["to"]]


def wait_for_emails(
    stack: Stack, to: str, subject: str, count: int = 1, timeout: float = 60
) -> list[dict[str, Any]]:
    """Wait until at least `count` e-mails to `to` whose subject contains `subject` were sent."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in sent_emails(stack, to) if subject in m["subject"]]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"{count} e-mail(s) '{subject}' to {to} not sent in time"
        time.sleep(0.5)
