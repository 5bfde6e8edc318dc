"""A local payment provider that honours Stripe's test tokens and keeps its ledger in DynamoDB.

It answers as Stripe's test mode does: the success tokens (`tok_visa` and the other card brands,
and the per-country cards) are charged; `tok_chargeDeclined` and its variants are declined with
Stripe's reason; a token Stripe would not know is declined as unknown, so that a typo never books
seats on a laptop that a real payment provider would refuse. The ledger is a table so that every
process of the local stack (and the tests) sees the same charges.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.errors import InvalidRequestError, PaymentDeclinedError
from chalicelib.models import Payment, table_name
from chalicelib.payments.base import UNKNOWN_TOKEN, Charge

# Stripe's test tokens that charge successfully: https://docs.stripe.com/testing (Cards → Tokens).
CARD_BRAND_TOKENS = frozenset(
    {
        "tok_visa",
        "tok_visa_debit",
        "tok_mastercard",
        "tok_mastercard_debit",
        "tok_mastercard_prepaid",
        "tok_amex",
        "tok_discover",
        "tok_diners",
        "tok_jcb",
        "tok_unionpay",
    }
)
# Stripe's international test cards, one token per country.
COUNTRY_TOKENS = frozenset(
    f"tok_{country}"
    for country in (
        # the Americas
        *("us", "ar", "br", "ca", "mx"),
        # Europe and the Middle East
        *("ae", "at", "be", "bg", "by", "ch", "cy", "cz", "de", "dk", "ee", "es", "fi", "fr", "gb"),
        *("gi", "gr", "hr", "hu", "ie", "it", "li", "lt", "lu", "lv", "mt", "nl", "no", "pl", "pt"),
        *("ro", "se", "si", "sk"),
        # Asia Pacific
        *("au", "cn", "hk", "in", "jp", "my", "nz", "sg", "tw"),
    )
)
SUCCEEDING_TOKENS = CARD_BRAND_TOKENS | COUNTRY_TOKENS

GENERIC_DECLINE = "Your card was declined. Try another card."
# Stripe's decline test tokens: token -> (decline code, Stripe's message).
DECLINES: dict[str, tuple[str, str]] = {
    "tok_chargeDeclined": ("generic_decline", GENERIC_DECLINE),
    "tok_visa_chargeDeclined": ("generic_decline", GENERIC_DECLINE),
    "tok_chargeCustomerFail": ("generic_decline", GENERIC_DECLINE),
    "tok_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds. Try another card.",
    ),
    "tok_chargeDeclinedLostCard": ("lost_card", GENERIC_DECLINE),
    "tok_chargeDeclinedStolenCard": ("stolen_card", GENERIC_DECLINE),
    "tok_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired. Try another card."),
    "tok_chargeDeclinedIncorrectCvc": (
        "incorrect_cvc",
        "Your card's security code is incorrect. Check it and try again.",
    ),
    "tok_chargeDeclinedProcessingError": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "tok_chargeDeclinedFraudulent": ("fraudulent", GENERIC_DECLINE),
    "tok_visa_chargeDeclinedVelocityLimitExceeded": ("card_velocity_exceeded", GENERIC_DECLINE),
    "tok_riskLevelHighest": ("fraudulent", GENERIC_DECLINE),  # blocked by Radar
}
DECLINED_TOKENS = frozenset(DECLINES)
# Cards that ask for 3-D Secure: a checkout that cannot show the challenge declines them, as
# the Stripe adapter does for a payment left `requires_action`.
AUTHENTICATION_TOKENS = frozenset({"tok_threeDSecure2Required", "tok_threeDSecureRequired"})


def decline_for(token: str) -> PaymentDeclinedError | None:
    """The decline Stripe's test mode gives `token`, or None if it would charge the card."""
    if token in SUCCEEDING_TOKENS:
        return None
    if token in DECLINES:
        decline_code, message = DECLINES[token]
        return PaymentDeclinedError(message, decline_code=decline_code)
    if token in AUTHENTICATION_TOKENS:
        return PaymentDeclinedError(
            "The payment needs an action this checkout cannot take", decline_code="authentication_required"
        )
    return PaymentDeclinedError(UNKNOWN_TOKEN, decline_code="unknown_token")


class LocalProvider:
    def __init__(self, db: Any = None) -> None:
        self._db = db

    @property
    def db(self) -> Any:
        return self._db or aws.dynamodb()

    def charge(
        self, *, amount: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> Charge:
        if not token.startswith("tok_"):
            raise InvalidRequestError("payment_token must be a card token such as tok_visa")
        declined = decline_for(token)
        if declined is not None:
            raise declined
        charge_id = "ch_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        payment = Payment(
            payment_id=charge_id,
            amount=amount,
            currency=currency,
            status="succeeded",
            description=description,
            created_at=datetime.now(UTC),
        )
        try:
            self.db.put_item(
                TableName=table_name(Payment),
                Item=payment.serialize(),
                ConditionExpression="attribute_not_exists(payment_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # Same idempotency key: the charge already exists, and is returned again.
        return Charge(charge_id=charge_id, amount=amount, currency=currency)

    def refund(self, *, charge_id: str, idempotency_key: str) -> None:
        try:
            self.db.update_item(
                TableName=table_name(Payment),
                Key={"payment_id": {"S": charge_id}},
                UpdateExpression="SET #s = :refunded, refunded_at = :now",
                ConditionExpression="attribute_exists(payment_id) AND #s = :succeeded",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":refunded": {"S": "refunded"},
                    ":succeeded": {"S": "succeeded"},
                    ":now": {"S": Payment.refunded_at.serialize(datetime.now(UTC))},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # Already refunded (or never charged): refunding is idempotent.
