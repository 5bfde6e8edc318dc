"""The one place AWS clients are built: lazily, once per process, pointed at the emulator locally.

`dynamodb()` is the strongly consistent client of the booking path. `dynamodb_reader()` is the
cache-aware client of the read path: a DAX client when `DAX_ENDPOINT` is set, the plain client
otherwise. Booking code never uses the reader.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    import boto3

T = TypeVar("T")

# Per-thread tally of AWS operations, read by benchmarks through a response header.
_calls = threading.local()


def reset_call_counter() -> None:
    _calls.counter = Counter()


def call_counts() -> Counter[str]:
    counter: Counter[str] | None = getattr(_calls, "counter", None)
    return counter if counter is not None else Counter()


def _count_call(model: Any, **_: Any) -> None:
    counter: Counter[str] | None = getattr(_calls, "counter", None)
    if counter is not None:
        counter[f"{model.service_model.service_name}.{model.name}"] += 1


@functools.cache
def session() -> boto3.session.Session:
    import boto3

    settings = get_settings()
    sess = boto3.session.Session(region_name=settings.region)
    if settings.count_aws_calls:
        sess.events.register("before-call.*.*", _count_call)
    return sess


def _client_kwargs(service: str) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    kwargs: dict[str, Any] = {
        # A booking answers within 500 ms or not at all: fail fast, retry a little.
        "config": Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=64,
            # A fixed User-Agent ("onsale Boto3/x Botocore/y"): botocore otherwise rebuilds its
            # default one (some forty components, each sanitised twice) on every request,
            # ~0.1 ms of CPU, a tenth of a DynamoDB read's cost in the client (decision 34).
            user_agent=f"onsale Boto3/{boto3.__version__}",
        )
    }
    if settings.aws_endpoint:
        kwargs["endpoint_url"] = settings.aws_endpoint
    return kwargs


_lock = threading.Lock()


@functools.cache
def client(service: str) -> Any:
    """A low-level boto3 client for `service`, shared by every thread of the process."""
    with _lock:  # boto3 client creation is not thread-safe on a shared session
        return session().client(service, **_client_kwargs(service))


def dynamodb() -> Any:
    return client("dynamodb")


@functools.cache
def dynamodb_reader() -> Any:
    """Client for eventually consistent reads: DAX when configured, DynamoDB otherwise."""
    settings = get_settings()
    if settings.dax_endpoint:
        from amazondax import AmazonDaxClient

        return AmazonDaxClient(region_name=settings.region, endpoints=[settings.dax_endpoint])
    return dynamodb()


def sqs() -> Any:
    return client("sqs")


def cognito() -> Any:
    return client("cognito-idp")


def all_items(call: Callable[..., dict[str, Any]], **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paged Query or Scan, page after page: `all_items(db.query, TableName=...)`."""
    while True:
        page = call(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
