"""A local payment provider that honours Stripe's test tokens and keeps its ledger in DynamoDB.

`tok_visa` (and the other `tok_*` success tokens) succeed; `tok_chargeDeclined` and its
variants are declined, as Stripe's test mode does. The ledger is a table so that every process
of the local stack (and the tests) sees the same charges.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.errors import InvalidRequestError, PaymentDeclinedError
from chalicelib.models import Payment, table_name
from chalicelib.payments.base import Charge

DECLINED_TOKENS = {
    "tok_chargeDeclined",
    "tok_chargeDeclinedInsufficientFunds",
    "tok_chargeDeclinedExpiredCard",
    "tok_chargeDeclinedIncorrectCvc",
    "tok_chargeDeclinedFraudulent",
    "tok_visa_chargeDeclined",
}


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
        if token in DECLINED_TOKENS:
            raise PaymentDeclinedError("Your card was declined. Try another card.")
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
