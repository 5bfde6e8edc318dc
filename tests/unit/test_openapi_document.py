"""docs/openapi.yaml is valid OpenAPI 3.1 and publishes all of shared/API.md.

Also covers tests/openapi_check.validate_response, which other tests use to hold the
API's responses to the document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.openapi_check import OPENAPI_PATH, load_document, validate_response

API_MD = Path(__file__).resolve().parents[3] / "shared" / "API.md"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# "`POST /events/{event_id}/holds`" or "`GET /events/search?q=&...`" in a table row.
CONTRACT_ROUTE = re.compile(r"`(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE)\s+(/[^`\s?]*)")
# "409 `seats_unavailable`", "`409 idempotency_key_reused`" and
# '"code": "seats_unavailable"'.
CONTRACT_CODES = (
    re.compile(r"\b[1-5]\d\d\s+`([a-z][a-z0-9_]*)`"),
    re.compile(r"`[1-5]\d\d\s+([a-z][a-z0-9_]*)`"),
    re.compile(r'"code":\s*"([a-z][a-z0-9_]*)"'),
)

VALID_HOLD: dict[str, Any] = {
    "hold_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1H",
    "event_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1E",
    "seat_ids": ["01JQ8Z7Y3K2W9V6T5R4P3N2M1A", "01JQ8Z7Y3K2W9V6T5R4P3N2M1B"],
    "expires_at": "2027-04-01T20:05:00Z",
    "total": {"amount": 25000, "currency": "USD"},
}
SEATS_UNAVAILABLE: dict[str, Any] = {
    "type": "https://onsale.example/problems/seats-unavailable",
    "title": "Seats unavailable",
    "status": 409,
    "detail": "1 of the requested seats is held or sold.",
    "code": "seats_unavailable",
    "seat_ids": ["01JQ8Z7Y3K2W9V6T5R4P3N2M1B"],
}
VALID_BOOKING: dict[str, Any] = {
    "booking_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1K",
    "event_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1E",
    "seat_ids": ["01JQ8Z7Y3K2W9V6T5R4P3N2M1A"],
    "status": "confirmed",
    "total": {"amount": 12500, "currency": "USD"},
    "created_at": "2027-04-01T20:03:00Z",
}


@pytest.fixture
def contract() -> str:
    if not API_MD.is_file():
        pytest.skip("../shared/API.md not present")
    return API_MD.read_text(encoding="utf-8")


def contract_routes(text: str) -> set[tuple[str, str]]:
    """(method, path) of every route named in a table row of API.md."""
    routes: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            routes.update((m.lower(), p) for m, p in CONTRACT_ROUTE.findall(line))
    return routes


def contract_codes(text: str) -> set[str]:
    return {code for pattern in CONTRACT_CODES for code in pattern.findall(text)}


def operations() -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, path_item in load_document()["paths"].items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield method, path, path_item[method]


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local `$ref`s until a non-reference object."""
    while "$ref" in node:
        target: Any = load_document()
        for raw in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[raw.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


# --------------------------------------------------------------------- the document


def test_document_is_valid_openapi_3_1() -> None:
    document = copy.deepcopy(load_document())

    assert str(document["openapi"]).startswith("3.1."), OPENAPI_PATH
    OpenAPIV31SpecValidator(document).validate()


def test_every_contract_route_is_documented_with_its_method(contract: str) -> None:
    routes = contract_routes(contract)
    documented = {(method, path) for method, path, _ in operations()}

    assert routes, "parsed no routes from API.md's tables: has their format changed?"
    missing = sorted(f"{method.upper()} {path}" for method, path in routes - documented)
    assert not missing, f"routes in API.md missing from {OPENAPI_PATH.name}: {missing}"


def test_every_contract_problem_code_is_documented(contract: str) -> None:
    codes = contract_codes(contract)
    text = OPENAPI_PATH.read_text(encoding="utf-8")

    assert "seats_unavailable" in codes, "parsed no problem codes from API.md"
    missing = sorted(code for code in codes if not re.search(rf"\b{code}\b", text))
    assert not missing, f"problem codes in API.md missing from {OPENAPI_PATH.name}: {missing}"


def test_implementation_problem_codes_are_documented() -> None:
    text = OPENAPI_PATH.read_text(encoding="utf-8")
    codes = (
        "unauthorized",
        "not_found",
        "method_not_allowed",
        "event_not_on_sale",
        "idempotency_in_progress",
        "venue_not_found",
        "unsupported_media_type",
    )

    assert [code for code in codes if not re.search(rf"\b{code}\b", text)] == []


def test_error_responses_are_problem_details() -> None:
    wrong = []
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            content = resolve(response).get("content", {})
            schema = content.get("application/problem+json", {}).get("schema", {})
            if list(content) != ["application/problem+json"] or schema != {
                "$ref": "#/components/schemas/Problem"
            }:
                wrong.append(f"{method.upper()} {path} {status}")

    assert wrong == []


def test_creating_posts_accept_an_idempotency_key() -> None:
    missing = [
        f"POST {path}"
        for method, path, operation in operations()
        if method == "post"
        and "201" in operation["responses"]
        and {"$ref": "#/components/parameters/IdempotencyKey"} not in operation.get("parameters", [])
    ]

    assert missing == []


def test_holds_accept_an_admission_token() -> None:
    hold = load_document()["paths"]["/events/{event_id}/holds"]["post"]
    parameters = [resolve(parameter) for parameter in hold["parameters"]]

    assert ("header", "X-Admission-Token") in {(p["in"], p["name"]) for p in parameters}


def test_response_objects_tolerate_added_fields() -> None:
    strict: set[str] = set()
    seen: set[int] = set()

    def visit(node: Any, where: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, f"{where}/{index}")
            return
        if not isinstance(node, Mapping) or id(node) in seen:
            return
        seen.add(id(node))
        if "$ref" in node:
            visit(resolve(node), str(node["$ref"]))
            return
        if node.get("type") == "object" and node.get("additionalProperties") is not True:
            strict.add(where)
        for key, value in node.items():
            visit(value, f"{where}/{key}")

    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            for media_type in resolve(response).get("content", {}).values():
                visit(media_type.get("schema"), f"{method.upper()} {path} {status}")

    assert sorted(strict) == []


def test_documented_response_examples_match_their_schemas() -> None:
    checked = 0
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            for media_type, content in resolve(response).get("content", {}).items():
                for example in content.get("examples", {}).values():
                    validate_response(
                        method,
                        path,
                        int(status),
                        example["value"],
                        content_type=media_type,
                    )
                    checked += 1

    assert checked > 0


def test_contract_parsing_finds_routes_in_tables_only() -> None:
    text = (
        "Retried writes: `POST /not/a/table/row` ...\n"
        "| `GET /events/search?q=&city=` | `200` |\n"
        "| `POST /venues/{venue_id}/subscriptions` | `201`; "
        "`DELETE /venues/{venue_id}/subscriptions` → 204 |\n"
        "| x | 400 `invalid_request`, 409 `email_taken`, "
        "`409 idempotency_key_reused` |\n"
    )

    assert contract_routes(text) == {
        ("get", "/events/search"),
        ("post", "/venues/{venue_id}/subscriptions"),
        ("delete", "/venues/{venue_id}/subscriptions"),
    }
    assert contract_codes(text) == {
        "invalid_request",
        "email_taken",
        "idempotency_key_reused",
    }


# --------------------------------------------------------------- validate_response


def test_a_valid_hold_passes() -> None:
    validate_response("GET", "/holds/{hold_id}", 200, VALID_HOLD)
    validate_response("POST", "/events/{event_id}/holds", 201, VALID_HOLD)


def test_a_hold_with_added_fields_passes() -> None:
    validate_response("GET", "/holds/{hold_id}", 200, {**VALID_HOLD, "section": "Floor"})


def test_a_hold_missing_hold_id_fails() -> None:
    body = {key: value for key, value in VALID_HOLD.items() if key != "hold_id"}

    with pytest.raises(AssertionError, match="'hold_id' is a required property"):
        validate_response("GET", "/holds/{hold_id}", 200, body)


def test_a_problem_passes_for_a_409() -> None:
    validate_response("POST", "/events/{event_id}/holds", 409, SEATS_UNAVAILABLE)
    validate_response(
        "POST",
        "/events/{event_id}/holds",
        409,
        SEATS_UNAVAILABLE,
        content_type="application/problem+json; charset=utf-8",
    )


def test_a_booking_passes_and_a_cancelled_one_is_required_after_cancel() -> None:
    validate_response("GET", "/bookings/{booking_id}", 200, VALID_BOOKING)
    validate_response(
        "POST",
        "/bookings/{booking_id}/cancel",
        200,
        {**VALID_BOOKING, "status": "cancelled"},
    )
    with pytest.raises(AssertionError, match="'cancelled' was expected"):
        validate_response("POST", "/bookings/{booking_id}/cancel", 200, VALID_BOOKING)


def test_a_no_content_response_passes_without_a_body() -> None:
    validate_response("DELETE", "/holds/{hold_id}", 204, None)
    validate_response("DELETE", "/holds/{hold_id}", 204, b"")
    validate_response("DELETE", "/waitlist/{waitlist_id}", 204, "")


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "message"),
    [
        pytest.param(
            "GET",
            "/holds/{hold_id}",
            200,
            {**VALID_HOLD, "expires_at": "2027-04-01 20:05"},
            "is not a 'date-time'",
            id="time-not-rfc3339",
        ),
        pytest.param(
            "GET",
            "/holds/{hold_id}",
            200,
            {**VALID_HOLD, "expires_at": "2027-04-01T22:05:00+02:00"},
            "does not match",
            id="time-not-utc",
        ),
        pytest.param(
            "GET",
            "/holds/{hold_id}",
            200,
            {**VALID_HOLD, "total": {"amount": 250.5, "currency": "usd"}},
            "is not of type 'integer'",
            id="money-not-minor-units",
        ),
        pytest.param(
            "POST",
            "/events/{event_id}/holds",
            409,
            {key: v for key, v in SEATS_UNAVAILABLE.items() if key != "code"},
            "'code' is a required property",
            id="problem-without-code",
        ),
        pytest.param(
            "GET",
            "/events/search",
            200,
            {"events": []},
            "'next_cursor' is a required property",
            id="page-without-next-cursor",
        ),
        pytest.param(
            "DELETE",
            "/holds/{hold_id}",
            204,
            {"ok": True},
            "without a body",
            id="body-on-204",
        ),
        pytest.param(
            "GET",
            "/holds/{hold_id}",
            200,
            None,
            "got none",
            id="no-body-where-one-is-due",
        ),
        pytest.param(
            "GET",
            "/holds/{hold_id}",
            418,
            VALID_HOLD,
            "status 418 not documented",
            id="status",
        ),
        pytest.param(
            "PUT",
            "/holds/{hold_id}",
            200,
            VALID_HOLD,
            "method not documented",
            id="method",
        ),
        pytest.param("GET", "/holds/1", 200, VALID_HOLD, "path not in", id="concrete-path"),
    ],
)
def test_a_response_that_departs_from_the_document_fails(
    method: str, path: str, status: int, body: object, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        validate_response(method, path, status, body)


def test_an_undocumented_media_type_fails() -> None:
    with pytest.raises(AssertionError, match="media type 'text/html' not documented"):
        validate_response(
            "POST",
            "/events/{event_id}/holds",
            409,
            SEATS_UNAVAILABLE,
            content_type="text/html",
        )
