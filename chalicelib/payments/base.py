"""The payment-provider interface the checkout service depends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# The decline's detail when the payment provider does not know the token (a typo, a made-up one).
UNKNOWN_TOKEN = "The payment token is unknown to the payment provider: use a card token such as tok_visa."


@dataclass(frozen=True)
class Charge:
    charge_id: str
    amount: int
    currency: str


class PaymentProvider(Protocol):
    def charge(
        self, *, amount: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> Charge:
        """Take the money or raise PaymentDeclinedError (also for a token the provider does not
        know). Same key → same charge, never two."""
        ...

    def refund(self, *, charge_id: str, idempotency_key: str) -> None:
        """Give the whole charge back. Refunding twice with the same key refunds once."""
        ...
