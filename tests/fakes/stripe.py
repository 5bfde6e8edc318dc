"""An in-memory Stripe (the two endpoints Onsale calls), plus the same fake served over HTTP.

`FakeStripe` is a `Transport` (see chalicelib.payments.stripe): it answers like Stripe's test
mode, including replaying the stored response for a repeated `Idempotency-Key`, declining the
`tok_chargeDeclined*` test tokens with a `card_error`, asking for 3-D Secure on
`tok_threeDSecure2Required`, answering `resource_missing` for a token it does not know, and
refusing to refund twice with `charge_already_refunded`.
Setting `outage` makes every call answer that status, as during an incident.

`FakeStripeServer` serves a FakeStripe on 127.0.0.1 so that the real urllib transport can be
exercised end to end; `raw_reply` makes it answer with a non-JSON body (as a proxy might).
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

# Some of Stripe's test tokens that charge the card; any other token is unknown to Stripe.
SUCCEEDS = frozenset({"tok_visa", "tok_visa_debit", "tok_mastercard", "tok_amex", "tok_us", "tok_gb"})
DECLINES = {
    "tok_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "tok_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "tok_chargeDeclinedExpiredCard": ("expired_card", "expired_card", "Your card has expired."),
}


@dataclass
class StripeRequest:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe:
    secret_key: str = "sk_test_unit"
    outage: int | None = None
    requests: list[StripeRequest] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    _replies: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(
        self, method: str, path: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        self.requests.append(StripeRequest(method, path, dict(form), dict(headers)))
        headers = {k.lower(): v for k, v in headers.items()}  # HTTP header names ignore case
        if headers.get("authorization") != f"Bearer {self.secret_key}":
            return 401, _error("invalid_request_error", "Invalid API Key provided.")
        if self.outage is not None:
            return self.outage, _error("api_error", "Something went wrong on Stripe's end.")
        key = headers.get("idempotency-key")
        if key is not None and (path, key) in self._replies:
            return self._replies[(path, key)]  # Stripe replays the first response for a key
        if (method, path) == ("POST", "/v1/payment_intents"):
            reply = self._create_intent(form)
        elif (method, path) == ("POST", "/v1/refunds"):
            reply = self._refund(form)
        else:
            reply = 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        if key is not None and reply[0] < 500:
            self._replies[(path, key)] = reply
        return reply

    def _create_intent(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        token = form.get("payment_method_data[card][token]", "")
        intent_id = f"pi_{next(self._ids):06d}"
        if token in DECLINES:
            code, decline_code, message = DECLINES[token]
            body = _error("card_error", message, code=code)
            body["error"]["decline_code"] = decline_code
            body["error"]["payment_intent"] = {"id": intent_id, "status": "requires_payment_method"}
            return 402, body
        if token not in SUCCEEDS and token != "tok_threeDSecure2Required":
            return 400, _error("invalid_request_error", f"No such token: '{token}'", code="resource_missing")
        status = "requires_action" if token == "tok_threeDSecure2Required" else "succeeded"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "status": status,
            "description": form.get("description"),
        }
        self.intents[intent_id] = intent
        return 200, dict(intent)

    def _refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intent_id = form.get("payment_intent", "")
        if intent_id not in self.intents:
            return 400, _error(
                "invalid_request_error", f"No such payment_intent: '{intent_id}'", code="resource_missing"
            )
        if intent_id in self.refunds:
            return 400, _error(
                "invalid_request_error",
                f"Charge for {intent_id} has already been refunded.",
                code="charge_already_refunded",
            )
        refund = {
            "id": f"re_{next(self._ids):06d}",
            "object": "refund",
            "payment_intent": intent_id,
            "status": "succeeded",
        }
        self.refunds[intent_id] = refund
        return 200, dict(refund)


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code is not None:
        error["code"] = code
    return {"error": error}


class FakeStripeServer:
    """`stripe` served over HTTP on a free local port, for the real urllib transport."""

    def __init__(self, stripe: FakeStripe) -> None:
        self.stripe = stripe
        self.raw_reply: tuple[int, bytes] | None = None
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
                headers = dict(self.headers.items())
                if server.raw_reply is not None:
                    status, payload = server.raw_reply
                    content_type = "text/html"
                else:
                    status, reply = server.stripe("POST", self.path, form, headers)
                    payload, content_type = json.dumps(reply).encode(), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeStripeServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()
