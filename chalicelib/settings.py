"""The one settings object, read from the environment once per process.

Every value has a safe default so that `chalice package` and unit tests can import the app
without an AWS account. Nothing here talks to AWS.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    # Endpoint of the AWS emulator (moto or LocalStack); None means real AWS.
    aws_endpoint: str | None
    table_prefix: str
    user_pool_id: str
    user_pool_client_id: str
    admin_group: str
    inventory_queue_url: str
    payment_provider: str
    stripe_secret_key: str
    dax_endpoint: str | None
    # Counting AWS calls per HTTP request (benchmarks); off in production.
    count_aws_calls: bool
    idempotency_ttl_seconds: int
    cache_ttl_seconds: float
    # The WebSocket API: the URL clients connect to, and the endpoint pushes are posted to
    # (API Gateway's `@connections` management API; locally the gateway of `make run`).
    websocket_url: str
    websocket_management_endpoint: str

    def table_name(self, short_name: str) -> str:
        return f"{self.table_prefix}{short_name}"

    @property
    def jwks_url(self) -> str:
        if self.aws_endpoint:
            # moto and LocalStack serve the pool's keys under the emulator's own address.
            return f"{self.aws_endpoint}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.token_issuer}/.well-known/jwks.json"

    @property
    def token_issuer(self) -> str:
        # The emulator signs tokens with the same issuer AWS uses, so verification is identical.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from a mapping (the process environment by default)."""
    source = os.environ if env is None else env
    stage = source.get("ONSALE_STAGE", "local")
    return Settings(
        stage=stage,
        region=source.get("AWS_REGION") or source.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint=source.get("ONSALE_AWS_ENDPOINT") or None,
        table_prefix=source.get("ONSALE_TABLE_PREFIX", f"onsale-{stage}-"),
        user_pool_id=source.get("ONSALE_USER_POOL_ID", ""),
        user_pool_client_id=source.get("ONSALE_USER_POOL_CLIENT_ID", ""),
        admin_group=source.get("ONSALE_ADMIN_GROUP", "admins"),
        inventory_queue_url=source.get("ONSALE_INVENTORY_QUEUE_URL", ""),
        payment_provider=source.get("ONSALE_PAYMENT_PROVIDER", "local"),
        stripe_secret_key=source.get("STRIPE_SECRET_KEY", ""),
        dax_endpoint=source.get("DAX_ENDPOINT") or None,
        count_aws_calls=source.get("ONSALE_COUNT_AWS_CALLS", "").lower() in {"1", "true", "yes"},
        idempotency_ttl_seconds=int(source.get("ONSALE_IDEMPOTENCY_TTL_SECONDS", "3600")),
        cache_ttl_seconds=float(source.get("ONSALE_CACHE_TTL_SECONDS", "2")),
        websocket_url=source.get("ONSALE_WEBSOCKET_URL", ""),
        websocket_management_endpoint=source.get("ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT", ""),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()
