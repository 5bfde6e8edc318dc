"""Stripe adapter: PaymentIntents confirmed at once with the card token, and refunds.

Talks to Stripe's REST API directly (form-encoded, `Idempotency-Key` header) through an
injectable transport, so tests can drive it with an in-memory fake.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from chalicelib.errors import PaymentDeclinedError, ServiceUnavailableError
from chalicelib.payments.base import UNKNOWN_TOKEN, Charge

# (method, path, form fields, headers) -> (status, json body)
Transport = Callable[[str, str, dict[str, str], dict[str, str]], tuple[int, dict[str, Any]]]

API_BASE = "https://api.stripe.com"


def urllib_transport(
    method: str, path: str, form: dict[str, str], headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(API_BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:  # an error page that is not Stripe's JSON (a proxy's 502, say)
            return exc.code, {}
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise ServiceUnavailableError("The payment provider did not answer; retry shortly") from exc


class StripeProvider:
    def __init__(self, *, secret_key: str, transport: Transport = urllib_transport) -> None:
        self._secret_key = secret_key
        self._transport = transport

    def _post(self, path: str, form: dict[str, str], idempotency_key: str) -> tuple[int, dict[str, Any]]:
        headers = {
            "Authorization": f"Bearer {self._secret_key}",
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return self._transport("POST", path, form, headers)

    def charge(
        self, *, amount: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> Charge:
        status, body = self._post(
            "/v1/payment_intents",
            {
                "amount": str(amount),
                "currency": currency.lower(),
                "confirm": "true",
                "description": description,
                "payment_method_data[type]": "card",
                "payment_method_data[card][token]": token,
                "automatic_payment_methods[enabled]": "true",
                "automatic_payment_methods[allow_redirects]": "never",
            },
            idempotency_key,
        )
        error = body.get("error", {})
        if status == 402 or error.get("type") == "card_error":
            reason = error.get("decline_code") or error.get("code")
            raise PaymentDeclinedError(
                error.get("message") or None, **({"decline_code": reason} if reason else {})
            )
        if status == 400 and error.get("code") == "resource_missing":
            # The card token is the one object this request names: Stripe does not know it.
            raise PaymentDeclinedError(UNKNOWN_TOKEN, decline_code="unknown_token")
        if status >= 400:
            raise ServiceUnavailableError("The payment provider did not answer; retry shortly")
        if body.get("status") != "succeeded":
            raise PaymentDeclinedError("The payment needs an action this checkout cannot take")
        return Charge(charge_id=str(body["id"]), amount=amount, currency=currency)

    def refund(self, *, charge_id: str, idempotency_key: str) -> None:
        status, body = self._post("/v1/refunds", {"payment_intent": charge_id}, idempotency_key)
        already = body.get("error", {}).get("code") == "charge_already_refunded"
        if status >= 400 and not already:
            raise ServiceUnavailableError("The refund could not be made; it will be retried")
