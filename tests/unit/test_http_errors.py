"""Errors as clients see them: RFC 9457 problem details, and never a 5xx for bad input."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from chalice.app import Request
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import aws, http
from chalicelib.errors import (
    PROBLEM_CONTENT_TYPE,
    EventNotFoundError,
    EventNotOnSaleError,
    HoldExpiredError,
    InvalidRequestError,
    MethodNotAllowedError,
    OnsaleError,
    SeatsUnavailableError,
    ServiceUnavailableError,
)
from chalicelib.identity import tokens
from chalicelib.settings import Settings
from tests.fakes.jwks import FakeUserPool, new_rsa_key


def problem_of(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    return body


# --- problem_response -------------------------------------------------------------------------


def test_a_problem_carries_the_rfc_9457_members_and_its_extras() -> None:
    response = http.problem_response(SeatsUnavailableError(["FLOOR-A-1", "FLOOR-A-2"]))

    assert response.status_code == 409
    assert response.headers["Cache-Control"] == "no-store"
    assert "Retry-After" not in response.headers
    assert problem_of(response) == {
        "type": "https://onsale.dev/problems/seats-unavailable",
        "title": "Some of these seats were just taken",
        "status": 409,
        "detail": "Some of these seats were just taken",
        "code": "seats_unavailable",
        "seat_ids": ["FLOOR-A-1", "FLOOR-A-2"],
    }


def test_a_problem_detail_may_differ_from_its_title() -> None:
    body = problem_of(http.problem_response(EventNotOnSaleError("This event is scheduled")))

    assert (body["title"], body["detail"]) == (
        "This event is not on sale right now",
        "This event is scheduled",
    )
    assert body["type"].endswith("/event-not-on-sale")


def test_a_detail_quoting_hostile_input_stays_short() -> None:
    body = problem_of(http.problem_response(EventNotFoundError("No event with id " + "A" * 60_000)))

    assert len(body["detail"]) <= 500
    assert body["detail"].startswith("No event with id AAA") and body["detail"].endswith("…")


def test_a_retryable_problem_says_when_to_retry() -> None:
    response = http.problem_response(ServiceUnavailableError(retry_after_seconds=3))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3"
    assert problem_of(response)["code"] == "service_unavailable"


def test_a_405_problem_names_the_allowed_methods_in_a_header() -> None:
    response = http.problem_response(MethodNotAllowedError("Unsupported method: PUT", allow="GET, POST"))

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert "allow" not in problem_of(response)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (HoldExpiredError(), 410, "hold_expired"),
        (InvalidRequestError("x"), 400, "invalid_request"),
        (OnsaleError(), 500, "internal_error"),
    ],
)
def test_each_error_keeps_its_status_and_code(error: OnsaleError, status: int, code: str) -> None:
    response = http.problem_response(error)

    assert (response.status_code, problem_of(response)["code"]) == (status, code)


# --- problem_for: what an unexpected exception becomes ---------------------------------------


def aws_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "secret internals"}}, "TransactWriteItems")


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_throttling_is_a_503_to_retry(code: str) -> None:
    problem = http.problem_for(aws_error(code))

    assert isinstance(problem, ServiceUnavailableError)
    assert problem.extra == {"retry_after_seconds": 1}


def test_other_aws_failures_are_a_503_without_their_message() -> None:
    for exc in (aws_error("InternalServerError"), EndpointConnectionError(endpoint_url="https://dynamodb")):
        problem = http.problem_for(exc)
        assert problem.status == 503
        assert "secret" not in json.dumps(problem.to_problem())
        assert "dynamodb" not in json.dumps(problem.to_problem())


def test_a_bug_is_a_500_that_reveals_nothing() -> None:
    problem = http.problem_for(KeyError("password_hash"))

    assert (problem.status, problem.code) == (500, "internal_error")
    assert "password_hash" not in json.dumps(problem.to_problem())


def test_a_domain_error_is_its_own_problem() -> None:
    error = SeatsUnavailableError(["FLOOR-A-1"])

    assert http.problem_for(error) is error


# --- bodies and query parameters --------------------------------------------------------------


def request(
    body: str | bytes | None = None, query: dict[str, str] | None = None, base64_body: bool = False
) -> Request:
    if base64_body and isinstance(body, bytes):
        body = base64.b64encode(body).decode()
    return Request(
        {
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "headers": {"content-type": "application/json"},
            "pathParameters": None,
            "requestContext": {"httpMethod": "POST", "resourcePath": "/x"},
            "body": body,
            "isBase64Encoded": base64_body,
            "stageVariables": None,
        }
    )


@pytest.mark.parametrize(
    ("body", "decoded"), [(None, {}), ("", {}), ("  \n", {}), ('{"a": [1]}', {"a": [1]}), ("[1]", [1])]
)
def test_json_body_decodes_and_reads_an_empty_body_as_an_object(body: str | None, decoded: Any) -> None:
    assert http.json_body(request(body)) == decoded


@pytest.mark.parametrize(
    "body",
    ["{", "{'a': 1}", "NaNa", '{"a": 1}}'],
)
def test_json_body_refuses_what_is_not_json(body: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        http.json_body(request(body))

    assert caught.value.detail == "The body is not valid JSON"


def test_json_body_refuses_bytes_that_are_not_text() -> None:
    with pytest.raises(InvalidRequestError):
        http.json_body(request(b"\xff\xfe{\x00", base64_body=True))


def test_json_body_refuses_a_body_over_64_kib() -> None:
    big = json.dumps({"name": "x" * (64 * 1024)})

    with pytest.raises(InvalidRequestError) as caught:
        http.json_body(request(big))

    assert "larger than" in caught.value.detail


def test_json_body_refuses_deeply_nested_json() -> None:
    with pytest.raises(InvalidRequestError):
        http.json_body(request("[" * 5000 + "]" * 5000))


@pytest.mark.parametrize(
    ("query", "limit"), [(None, 20), ({"limit": "1"}, 1), ({"limit": "100"}, 100), ({"limit": "007"}, 7)]
)
def test_page_limit(query: dict[str, str] | None, limit: int) -> None:
    assert http.page_limit(request(query=query)) == limit


@pytest.mark.parametrize("raw", ["0", "101", "-1", "1.5", "ten", "", " 5", "1e2", "99999999999999999999"])
def test_page_limit_refuses_anything_but_1_to_100(raw: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        http.page_limit(request(query={"limit": raw}))

    assert "limit" in caught.value.detail


@pytest.mark.parametrize("raw", ["²", "①"])
def test_page_limit_refuses_other_digit_characters(raw: str) -> None:
    with pytest.raises(InvalidRequestError):
        http.page_limit(request(query={"limit": raw}))


# --- through the app: the middleware answers problem+json for everything ----------------------


@pytest.fixture(scope="module")
def pool_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def pool(
    settings: Settings, pool_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeUserPool]:
    """The app verifies tokens against this in-memory pool instead of fetching the real JWKS."""
    from chalicelib.identity import erasures

    pool = FakeUserPool(settings, pool_key)
    monkeypatch.setattr(tokens, "_jwks_client", lambda url: pool.jwks)
    monkeypatch.setattr(erasures, "ensure_not_erased", lambda user_id: None)  # no account was erased
    yield pool
    for cache in (aws.session, aws.client, aws.dynamodb_reader):
        cache.cache_clear()


@pytest.fixture
def client(pool: FakeUserPool) -> Iterator[Client]:
    from app import app

    with Client(app) as test_client:
        yield test_client


def auth(pool: FakeUserPool, *groups: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pool.id_token({'cognito:groups': list(groups)})}"}


JSON = {"Content-Type": "application/json"}


def test_a_protected_route_without_a_token_is_401(client: Client) -> None:
    response = client.http.get("/holds/H1")

    assert response.status_code == 401
    assert problem_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt"])
def test_a_bad_authorization_header_is_401(client: Client, header: str) -> None:
    response = client.http.get("/me/bookings", headers={"Authorization": header})

    assert response.status_code == 401
    assert problem_of(response)["code"] == "unauthorized"


def test_an_admin_route_refuses_a_customer_with_403(client: Client, pool: FakeUserPool) -> None:
    response = client.http.post("/admin/venues", headers={**JSON, **auth(pool)}, body=b"{}")

    assert response.status_code == 403
    assert problem_of(response)["code"] == "forbidden"


def test_an_admin_gets_the_fields_at_fault(client: Client, pool: FakeUserPool) -> None:
    response = client.http.post(
        "/admin/venues", headers={**JSON, **auth(pool, "admins")}, body=json.dumps({"name": "Hall"}).encode()
    )

    assert response.status_code == 400
    fields = {e["field"] for e in problem_of(response)["errors"]}
    assert fields == {"city", "address", "sections"}


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../../etc/passwd", "/etc/localtime", 42, False])
def test_an_admin_venue_with_a_bad_time_zone_is_a_400_problem_naming_it(
    client: Client, pool: FakeUserPool, zone: object
) -> None:
    venue = {
        "name": "Hall",
        "city": "Nashville",
        "address": "1 Broadway",
        "time_zone": zone,
        "sections": [
            {
                "section": "Floor",
                "price": {"amount": 100, "currency": "USD"},
                "rows": [{"row": "A", "seats": 2}],
            }
        ],
    }

    response = client.http.post(
        "/admin/venues", headers={**JSON, **auth(pool, "admins")}, body=json.dumps(venue).encode()
    )

    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["code"] == "invalid_request"
    assert [e["field"] for e in problem["errors"]] == ["time_zone"]


def test_a_hold_request_of_the_wrong_shape_is_400_before_any_lookup(
    client: Client, pool: FakeUserPool
) -> None:
    body = json.dumps({"seat_ids": ["FLOOR-A-1"], "quantity": 2}).encode()

    response = client.http.post("/events/E1/holds", headers={**JSON, **auth(pool)}, body=body)

    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{bad", "The body is not valid JSON"),
        (b"[1, 2]", "The body must be a JSON object"),
        (b'"x"', "The body must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client: Client, body: bytes, detail: str) -> None:
    response = client.http.post("/auth/login", headers=JSON, body=body)

    assert response.status_code == 400
    assert problem_of(response)["detail"] == detail


def test_a_login_without_fields_lists_them(client: Client) -> None:
    response = client.http.post("/auth/login", headers=JSON, body=b"")

    assert response.status_code == 400
    assert {e["field"] for e in problem_of(response)["errors"]} == {"email", "password"}


def test_a_wrong_method_is_a_405_problem_with_allow(client: Client) -> None:
    response = client.http.delete("/health")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert problem_of(response)["code"] == "method_not_allowed"


def test_an_unsupported_media_type_is_a_415_problem(client: Client) -> None:
    response = client.http.post("/auth/login", headers={"Content-Type": "application/xml"}, body=b"<login/>")

    assert response.status_code == 415
    assert problem_of(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_a_bad_page_limit_is_400(client: Client, pool: FakeUserPool, limit: str) -> None:
    response = client.http.get(f"/me/bookings?limit={limit}", headers=auth(pool))

    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_request"


def test_a_forged_cursor_is_400(client: Client, pool: FakeUserPool) -> None:
    response = client.http.get("/me/bookings?cursor=bm90LWEtY3Vyc29y", headers=auth(pool))

    assert response.status_code == 400
    assert problem_of(response)["detail"] == "The cursor is not valid"


def test_a_deeply_nested_body_is_400_not_500(client: Client) -> None:
    response = client.http.post("/auth/login", headers=JSON, body=b"[" * 5000 + b"]" * 5000)

    assert response.status_code == 400


def test_a_superscript_page_limit_is_400_not_500(client: Client, pool: FakeUserPool) -> None:
    response = client.http.get("/me/bookings?limit=%C2%B2", headers=auth(pool))

    assert response.status_code == 400


@pytest.mark.parametrize("quantity", [True, "2", 2.0])
def test_a_hold_quantity_that_is_not_a_json_integer_is_400_before_any_lookup(
    client: Client, pool: FakeUserPool, quantity: Any
) -> None:
    body = json.dumps({"section": "Field 12", "quantity": quantity}).encode()

    response = client.http.post("/events/E1/holds", headers={**JSON, **auth(pool)}, body=body)

    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["code"] == "invalid_request"
    assert [e["field"] for e in problem["errors"]] == ["quantity"]


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_a_sign_up_with_nul_is_400_before_the_user_pool_is_asked(client: Client, field: str) -> None:
    body = {"email": "ann@example.com", "password": "long-enough-1", "name": "Ann"}
    body[field] = body[field][:3] + "\u0000" + body[field][3:]

    response = client.http.post("/auth/signup", headers=JSON, body=json.dumps(body).encode())

    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["code"] == "invalid_request"
    assert [e["field"] for e in problem["errors"]] == [field]


# --- 204: no body, no Content-Type ----------------------------------------------------------


def test_no_content_has_no_body_and_no_content_type() -> None:
    answer = http.NoContent().to_dict(binary_types=["application/octet-stream", "*/*"])

    assert answer["statusCode"] == 204
    assert answer["body"] is None
    assert "content-type" not in {name.lower() for name in answer["headers"]}


def test_a_released_hold_is_answered_204_without_a_content_type(
    pool: FakeUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the gateway the local API server uses, and a hold the caller may release
    from chalice.config import Config
    from chalice.local import LocalGateway

    from app import app
    from chalicelib.booking import holds

    released: list[str] = []
    monkeypatch.setattr(holds, "release_hold", lambda hold_id, user_id: released.append(hold_id))
    gateway = LocalGateway(app, Config(chalice_stage="local", user_provided_params={"app_name": "onsale"}))

    # WHEN the customer releases it
    answer = gateway.handle_request(method="DELETE", path="/holds/H1", headers=auth(pool), body=None)

    # THEN the answer is a bare 204, which the server sends without a body or a Content-Type
    assert released == ["H1"]
    assert answer["statusCode"] == 204
    assert answer["body"] is None
    assert "content-type" not in {name.lower() for name in answer["headers"]}
