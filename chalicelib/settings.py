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
    # The WebSocket API: the URL clients connect to, and the endpoint pushes are posted to
    # (API Gateway's `@connections` management API; locally the gateway of `make run`).
    websocket_url: str
    websocket_management_endpoint: str
    # --- notifications (e-mail through SES) ---
    # The From address (an address of a verified SES identity) and the SES configuration set.
    email_from: str
    email_configuration_set: str
    # Where links in e-mails point: the web app, and the API (one-click unsubscribe).
    web_url: str
    api_url: str
    unsubscribe_mailto: str
    # Secrets Manager secret holding the unsubscribe-token signing key.
    notifications_secret_id: str
    # A claimed e-mail whose sender vanished may be claimed again after this long.
    notification_lease_seconds: int
    # Reminders go out this long before an event; the local stack checks every few seconds.
    reminder_window_hours: float
    reminder_interval_seconds: float
    # --- customers' rights (waitlist, recommendations, personal data) ---
    # How long a waitlist offer's hold lasts, and how often offers are checked for expiry.
    waitlist_offer_seconds: int
    waitlist_sweep_seconds: float
    # How long a warm Lambda reuses an event's recommendations.
    recommendations_cache_seconds: float

    # --- waiting room ---
    # The SQS queue of join requests, and the Secrets Manager secret (name or ARN) holding the
    # admission-token signing key (which also keys each event's pre-open permutation).
    join_queue_url: str
    # Joins made before the sale opens go to their own queue: the pre-open pool is fixed only
    # once that queue is drained, so a backlog never turns an early fan into a late one.
    pre_open_join_queue_url: str
    admission_secret_id: str
    # How long an admission lasts (its token's lifetime); a place unused for longer is expired.
    admission_window_seconds: int
    # After the onsale opens, how long the admitter waits for in-flight pre-open joins before it
    # fixes the pre-open pool, and how often it advances the serving counters.
    queue_freeze_grace_seconds: float
    # ...and at most this long for the pre-open join queue to drain (a stuck consumer must not
    # stop the sale; the late joins then go to the back, logged).
    queue_freeze_max_wait_seconds: float
    admitter_tick_seconds: float

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
        websocket_url=source.get("ONSALE_WEBSOCKET_URL", ""),
        websocket_management_endpoint=source.get("ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT", ""),
        # --- notifications ---
        email_from=source.get("ONSALE_EMAIL_FROM") or "Onsale <no-reply@onsale.local>",
        email_configuration_set=source.get("ONSALE_EMAIL_CONFIGURATION_SET", ""),
        web_url=(source.get("ONSALE_WEB_URL") or "http://127.0.0.1:8080").rstrip("/"),
        api_url=(source.get("ONSALE_API_URL") or "http://127.0.0.1:8000").rstrip("/"),
        unsubscribe_mailto=source.get("ONSALE_UNSUBSCRIBE_MAILTO") or "unsubscribe@onsale.local",
        notifications_secret_id=source.get("ONSALE_NOTIFICATIONS_SECRET_ID", ""),
        notification_lease_seconds=int(source.get("ONSALE_NOTIFICATION_LEASE_SECONDS", "120")),
        reminder_window_hours=float(source.get("ONSALE_REMINDER_WINDOW_HOURS", "24")),
        reminder_interval_seconds=float(source.get("ONSALE_REMINDER_INTERVAL_SECONDS", "5")),
        # --- customers' rights ---
        waitlist_offer_seconds=int(source.get("ONSALE_WAITLIST_OFFER_SECONDS", "1800")),
        waitlist_sweep_seconds=float(source.get("ONSALE_WAITLIST_SWEEP_SECONDS", "2")),
        recommendations_cache_seconds=float(source.get("ONSALE_RECOMMENDATIONS_CACHE_SECONDS", "60")),
        # --- waiting room ---
        join_queue_url=source.get("ONSALE_JOIN_QUEUE_URL", ""),
        pre_open_join_queue_url=source.get("ONSALE_PRE_OPEN_JOIN_QUEUE_URL", ""),
        admission_secret_id=source.get("ONSALE_ADMISSION_SECRET_ID") or f"onsale-{stage}-admission-tokens",
        admission_window_seconds=int(source.get("ONSALE_ADMISSION_WINDOW_SECONDS", "600")),
        queue_freeze_grace_seconds=float(source.get("ONSALE_QUEUE_FREEZE_GRACE_SECONDS", "5")),
        queue_freeze_max_wait_seconds=float(source.get("ONSALE_QUEUE_FREEZE_MAX_WAIT_SECONDS", "300")),
        admitter_tick_seconds=float(source.get("ONSALE_ADMITTER_TICK_SECONDS", "1")),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()
