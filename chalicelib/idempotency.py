"""`Idempotency-Key` for creating POSTs, on Powertools' idempotency utility and DynamoDB.

The key is scoped by caller and route. The same key with the same body returns the first
response (status and body) again; with a different body it is `409 idempotency_key_reused`.
A replay that arrives while the first request is still running waits for it briefly.
Failed requests (errors) are not remembered, so a client may retry them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from chalicelib import aws
from chalicelib.errors import (
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
)
from chalicelib.models import IdempotencyRecord, table_name
from chalicelib.settings import get_settings

Outcome = dict[str, Any]  # {"status": int, "body": JSON}
WAIT_FOR_FIRST_SECONDS = 5.0


@functools.cache
def _persistence() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=table_name(IdempotencyRecord), boto3_client=aws.dynamodb())


@functools.cache
def _config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="fingerprint",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=get_settings().idempotency_ttl_seconds,
    )


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidRequestError("Idempotency-Key must be 1 to 255 printable characters")
    return key


def run_idempotent(
    *, caller: str, route: str, key: str | None, body: Any, operation: Callable[[], Outcome]
) -> Outcome:
    """Run `operation` once per (caller, route, key); replays get the stored outcome."""
    if key is None:
        return operation()
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    request = {"key": f"{caller}|{route}|{validate_key(key)}", "fingerprint": fingerprint}

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(), config=_config())
    def once(request: dict[str, str]) -> Outcome:
        return operation()

    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    delay = 0.05
    while True:
        try:
            return once(request=request)
        except IdempotencyValidationError:
            raise IdempotencyKeyReusedError() from None
        except IdempotencyAlreadyInProgressError:
            if time.monotonic() >= deadline:
                raise IdempotencyInProgressError(retry_after_seconds=1) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.4)
