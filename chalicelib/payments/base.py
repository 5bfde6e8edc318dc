"""The payment-provider interface the checkout service depends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Charge:
    charge_id: str
    amount: int
    currency: str


class PaymentProvider(Protocol):
    def charge(
        self, *, amount: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> Charge:
        """Take the money or raise PaymentDeclinedError. Same key → same charge, never two."""
        ...

    def refund(self, *, charge_id: str, idempotency_key: str) -> None:
        """Give the whole charge back. Refunding twice with the same key refunds once."""
        ...
