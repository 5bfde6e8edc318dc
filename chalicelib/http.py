"""HTTP plumbing shared by the routes: bodies, callers, pagination, and the one error mapping."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib import aws
from chalicelib.errors import (
    PROBLEM_CONTENT_TYPE,
    ForbiddenError,
    InvalidRequestError,
    MethodNotAllowedError,
    NotFoundError,
    OnsaleError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
)
from chalicelib.identity.tokens import Principal, bearer_token, verify_token
from chalicelib.settings import get_settings

logger = logging.getLogger("onsale.http")

MAX_BODY_BYTES = 64 * 1024
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers: dict[str, str | list[str]] = {**JSON_HEADERS, **(headers or {})}
    return Response(body=json.dumps(body, separators=(",", ":")), status_code=status, headers=all_headers)


class NoContent(Response):
    """A 204: no body, and so no Content-Type (RFC 9110 §15.3.5).

    Chalice serialises any body, `None` included (as `null`), and its local server labels every
    body it sends `application/json`; a proxy response whose body is null carries none, and is
    sent without one."""

    def __init__(self, headers: dict[str, str | list[str]] | None = None) -> None:
        super().__init__(body="", status_code=204, headers=headers)

    def to_dict(self, binary_types: list[str] | None = None) -> dict[str, Any]:
        response = super().to_dict(binary_types)
        response["body"] = None
        response.pop("isBase64Encoded", None)
        return response


def cacheable_json(request: Request, body: Any, max_age: int, *, shared: bool = False) -> Response:
    """A public, briefly cacheable answer with a strong ETag; `If-None-Match` gets a bare 304.

    `shared`: `body` is an object that many requests are answered with and that nobody changes
    (a seat map, built once a second for every viewer): it is encoded once, not per request."""
    payload, etag = _shared_encoding(body) if shared else _encoding(body)
    headers: dict[str, str | list[str]] = {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": etag,
        "Content-Type": "application/json",
    }
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=payload, status_code=200, headers=headers)


def _encoding(body: Any) -> tuple[str, str]:
    """The body as compact JSON, and its strong ETag."""
    payload = json.dumps(body, separators=(",", ":"))
    return payload, '"' + hashlib.blake2b(payload.encode(), digest_size=16).hexdigest() + '"'


# Encodings of shared bodies by identity, each beside its body (so that the id cannot be reused
# while the entry lives), the oldest going first. A stadium's seat-map page is 3 MB of JSON: it
# took ~40 CPU-ms to encode and hash for every viewer, and 16 viewers at once waited ~0.7 s.
SHARED_ENCODINGS = 8
_shared: OrderedDict[int, tuple[Any, str, str]] = OrderedDict()
_shared_lock = threading.Lock()


def _shared_encoding(body: Any) -> tuple[str, str]:
    with _shared_lock:
        known = _shared.get(id(body))
    if known is not None and known[0] is body:
        return known[1], known[2]
    payload, etag = _encoding(body)
    with _shared_lock:
        _shared[id(body)] = (body, payload, etag)
        while len(_shared) > SHARED_ENCODINGS:
            _shared.popitem(last=False)
    return payload, etag


def problem_response(error: OnsaleError) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": PROBLEM_CONTENT_TYPE,
        "Cache-Control": "no-store",
    }
    if error.status == 405 and "allow" in error.extra:
        headers["Allow"] = str(error.extra["allow"])
    retry = error.extra.get("retry_after_seconds")
    if retry is not None:
        headers["Retry-After"] = str(retry)
    return Response(body=json.dumps(error.to_problem()), status_code=error.status, headers=headers)


def json_body(request: Request) -> Any:
    """The decoded JSON body, or a clear 400/415. An empty body reads as `{}`."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequestError(f"The body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequestError("The body is not valid JSON") from None


def caller(request: Request) -> Principal:
    """The signed-in customer; 401 without a valid token, or with one of an erased account."""
    from chalicelib.identity.erasures import ensure_not_erased

    principal = verify_token(bearer_token(request.headers.get("authorization")), get_settings())
    ensure_not_erased(principal.user_id)
    return principal


def admin(request: Request) -> Principal:
    principal = caller(request)
    if not principal.in_group(get_settings().admin_group):
        raise ForbiddenError("This route needs membership of the admins group")
    return principal


def page_limit(request: Request) -> int:
    params: dict[str, str] = dict(request.query_params or {})
    raw = params.get("limit")
    if raw is None:
        return 20
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100:
        raise InvalidRequestError("limit must be an integer from 1 to 100")
    return int(raw)


def query_param(request: Request, name: str) -> str | None:
    params: dict[str, str] = dict(request.query_params or {})
    value = params.get(name)
    return value if value else None


def _from_chalice_error(response: Response) -> OnsaleError:
    """Chalice answers some failures itself (405, 415, bad JSON): restate them as problems."""
    try:
        body = json.loads(response.body) if isinstance(response.body, str | bytes) else response.body
    except ValueError:
        body = {}
    message = body.get("Message") if isinstance(body, dict) else None
    if response.status_code == 405:
        allow = (response.headers or {}).get("Allow", "")
        return MethodNotAllowedError(message, allow=allow)
    if response.status_code == 415:
        return UnsupportedMediaTypeError(message)
    if response.status_code == 404:
        return NotFoundError(message)
    if 400 <= response.status_code < 500:
        return InvalidRequestError(message)
    return OnsaleError()


def problem_for(exc: BaseException) -> OnsaleError:
    """Map any exception a route raised onto the problem the client sees (never a stack trace)."""
    if isinstance(exc, OnsaleError):
        return exc
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
    }:
        return ServiceUnavailableError(retry_after_seconds=1)
    if isinstance(exc, BotoCoreError | ClientError):
        logger.error("dependency failure", exc_info=exc)
        return ServiceUnavailableError(retry_after_seconds=1)
    logger.error("unhandled error", exc_info=exc)
    return OnsaleError()


def translate_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let every failure of a view reach `handle_errors` as a problem.

    Chalice turns any exception that is not a `ChaliceUnhandledError` into a bare 500 before
    middleware sees it; this maps them first (a timed-out dependency is a 503, for instance).
    """

    @functools.wraps(view)
    def translated(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except OnsaleError:
            raise
        except Exception as exc:
            raise problem_for(exc) from exc

    return translated


def handle_errors(event: Request, get_response: Any) -> Response:
    """The one error mapping, as middleware: domain errors and Chalice's own error answers
    (405, 415, 500) become problem+json; AWS calls are counted when benchmarks ask."""
    counting = get_settings().count_aws_calls
    if counting:
        aws.reset_call_counter()
    try:
        response: Response = get_response(event)
    except Exception as exc:  # OnsaleError is a ChaliceUnhandledError: views let it through
        response = problem_response(problem_for(exc))
    content_type = (response.headers or {}).get("Content-Type", "")
    if response.status_code >= 400 and content_type != PROBLEM_CONTENT_TYPE:
        response = problem_response(_from_chalice_error(response))
    if response.status_code >= 400:
        # Chalice adds CORS headers only to a view's own answers: problems built here need them
        # too, or a browser sees every error (payment_declined, seats_unavailable…) as a failure.
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Access-Control-Expose-Headers", "Location,Retry-After,ETag")
    if counting:
        counts = aws.call_counts()
        response.headers["X-Onsale-Aws-Calls"] = ",".join(f"{k}={v}" for k, v in sorted(counts.items()))
    return response
