"""Payment providers behind one interface: Stripe in production, a local ledger for laptops."""

from __future__ import annotations

import functools

from chalicelib.payments.base import Charge, PaymentProvider
from chalicelib.settings import get_settings

__all__ = ["Charge", "PaymentProvider", "provider"]


@functools.cache
def provider() -> PaymentProvider:
    settings = get_settings()
    if settings.payment_provider == "stripe":
        from chalicelib.payments.stripe import StripeProvider

        return StripeProvider(secret_key=settings.stripe_secret_key)
    from chalicelib.payments.local import LocalProvider

    return LocalProvider()
