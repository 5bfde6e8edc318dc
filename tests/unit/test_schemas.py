"""Request bodies: what is accepted, and how a rejection names the fields at fault."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.errors import InvalidRequestError
from chalicelib.schemas import (
    CheckoutRequest,
    EventCreate,
    EventPatch,
    HoldRequest,
    LoginRequest,
    SignupRequest,
    VenueCreate,
    parse,
    slugify,
)


def invalid(model: type[BaseModel], body: Any) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as caught:
        parse(model, body)
    assert caught.value.status == 400
    assert caught.value.code == "invalid_request"
    return caught.value


def fields(error: InvalidRequestError) -> set[str]:
    return {e["field"] for e in error.extra["errors"]}


# --- holds ----------------------------------------------------------------------------------


def test_a_hold_by_seat_ids() -> None:
    request = parse(HoldRequest, {"seat_ids": ["FLOOR-A-1", "FLOOR-A-2"]})

    assert request.seat_ids == ["FLOOR-A-1", "FLOOR-A-2"]
    assert request.section is None
    assert request.quantity is None


def test_a_hold_by_section_and_quantity() -> None:
    request = parse(HoldRequest, {"section": "Floor", "quantity": 4})

    assert (request.section, request.quantity, request.seat_ids) == ("Floor", 4, None)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"seat_ids": None},
        {"seat_ids": ["FLOOR-A-1"], "section": "Floor", "quantity": 1},
        {"seat_ids": ["FLOOR-A-1"], "quantity": 1},
        {"seat_ids": ["FLOOR-A-1"], "section": "Floor"},
        {"section": "Floor"},
        {"quantity": 2},
    ],
)
def test_a_hold_takes_exactly_one_of_the_two_forms(body: dict[str, Any]) -> None:
    error = invalid(HoldRequest, body)

    assert fields(error) == {"(body)"}
    assert "seat_ids" in error.detail or "section" in error.detail


def test_a_hold_refuses_the_same_seat_twice() -> None:
    error = invalid(HoldRequest, {"seat_ids": ["FLOOR-A-1", "FLOOR-A-2", "FLOOR-A-1"]})

    assert "twice" in error.detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seat_ids": []}, "seat_ids"),
        ({"seat_ids": [""]}, "seat_ids.0"),
        ({"seat_ids": ["FLOOR-A-1", "FLOOR A 2"]}, "seat_ids.1"),
        ({"seat_ids": ["FLOOR-A-1; DROP"]}, "seat_ids.0"),
        ({"seat_ids": [f"FLOOR-A-{n}" for n in range(1, 102)]}, "seat_ids"),
        ({"seat_ids": "FLOOR-A-1"}, "seat_ids"),
        ({"section": "Floor", "quantity": 0}, "quantity"),
        ({"section": "Floor", "quantity": -1}, "quantity"),
        ({"section": "Floor", "quantity": 101}, "quantity"),
        ({"section": "Floor", "quantity": "many"}, "quantity"),
        ({"section": "", "quantity": 1}, "section"),
        ({"seat_ids": ["FLOOR-A-1"], "price": 0}, "price"),
    ],
)
def test_a_hold_names_the_field_it_refuses(body: dict[str, Any], field: str) -> None:
    assert field in fields(invalid(HoldRequest, body))


# --- venues ---------------------------------------------------------------------------------


def venue(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Test Hall",
        "city": "Testville",
        "address": "1 Test Street",
        "sections": [
            {
                "section": "Floor",
                "price": {"amount": 5000, "currency": "USD"},
                "rows": [{"row": "A", "seats": 10}, {"row": "B", "seats": 12}],
            },
            {
                "section": "Balcony 1",
                "price": {"amount": 2500, "currency": "USD"},
                "rows": [{"row": "1", "seats": 8}],
            },
        ],
    }
    body.update(changes)
    return body


def with_section(body: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    body["sections"][index].update(changes)
    return body


def test_a_venue_is_accepted_with_names_trimmed() -> None:
    request = parse(VenueCreate, with_section(venue(name="  Test Hall  "), 0, section="  Floor  "))

    assert request.name == "Test Hall"
    assert [s.section for s in request.sections] == ["Floor", "Balcony 1"]
    assert [slugify(s.section) for s in request.sections] == ["FLOOR", "BALCONY1"]


@pytest.mark.parametrize("twin", ["Floor", "FLOOR", "floor", "F loor", "FLO OR"])
def test_a_venue_refuses_two_sections_with_the_same_key(twin: str) -> None:
    error = invalid(VenueCreate, with_section(venue(), 1, section=twin))

    assert "same name" in error.detail


def test_a_venue_refuses_mixed_currencies() -> None:
    error = invalid(VenueCreate, with_section(venue(), 1, price={"amount": 2500, "currency": "EUR"}))

    assert "currency" in error.detail


@pytest.mark.parametrize(
    "rows",
    [
        [{"row": "A", "seats": 1}, {"row": "a", "seats": 2}],
        [{"row": "A 1", "seats": 1}, {"row": "A1", "seats": 2}],
    ],
)
def test_a_venue_refuses_a_row_named_twice_in_a_section(rows: list[dict[str, Any]]) -> None:
    error = invalid(VenueCreate, with_section(venue(), 0, rows=rows))

    assert "row twice" in error.detail


@pytest.mark.parametrize(
    "name", ["", "   ", "-Floor", "Floor-A", "Floor_A", "Floor/A", "Thirteen char", "Fløor", " ", "."]
)
def test_a_venue_refuses_a_section_name_that_cannot_be_a_key(name: str) -> None:
    assert "sections.0.section" in fields(invalid(VenueCreate, with_section(venue(), 0, section=name)))


@pytest.mark.parametrize("row", ["", "A-1", "#1", "Row_1"])
def test_a_venue_refuses_a_bad_row_name(row: str) -> None:
    body = with_section(venue(), 0, rows=[{"row": row, "seats": 5}])

    assert "sections.0.rows.0.row" in fields(invalid(VenueCreate, body))


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"rows": []}, "sections.0.rows"),
        ({"rows": [{"row": "A", "seats": 0}]}, "sections.0.rows.0.seats"),
        ({"rows": [{"row": "A", "seats": 501}]}, "sections.0.rows.0.seats"),
        ({"price": {"amount": -1, "currency": "USD"}}, "sections.0.price.amount"),
        ({"price": {"amount": 100, "currency": "usd"}}, "sections.0.price.currency"),
        ({"price": {"amount": 100, "currency": "DOLLARS"}}, "sections.0.price.currency"),
    ],
)
def test_a_venue_names_the_bad_section_field(section: dict[str, Any], field: str) -> None:
    assert field in fields(invalid(VenueCreate, with_section(venue(), 0, **section)))


def test_a_venue_refuses_no_sections_and_unknown_fields() -> None:
    assert "sections" in fields(invalid(VenueCreate, venue(sections=[])))
    assert "capacity" in fields(invalid(VenueCreate, venue(capacity=10)))


def test_a_venue_refuses_more_than_the_largest_stadium() -> None:
    big_rows = [{"row": f"R{i}", "seats": 500} for i in range(200)]  # 100,000 seats per section
    body = venue(
        sections=[
            {"section": "North", "price": {"amount": 1, "currency": "USD"}, "rows": big_rows},
            {"section": "South", "price": {"amount": 1, "currency": "USD"}, "rows": big_rows},
        ]
    )

    assert "at most" in invalid(VenueCreate, body).detail


# --- events ---------------------------------------------------------------------------------


def event(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "venue_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1V",
        "name": "Test Concert",
        "category": "Concerts",
        "performers": ["The Testers"],
        "start_at": "2027-04-01T20:00:00Z",
        "end_at": "2027-04-01T23:00:00+00:00",
        "onsale": {"opens_at": "2027-03-01T10:00:00+01:00"},
    }
    body.update(changes)
    return body


def test_an_event_is_accepted_with_defaults_and_zoned_times() -> None:
    request = parse(EventCreate, event())

    assert request.category == "concerts"
    assert request.description == ""
    assert request.onsale.opens_at.utcoffset() is not None
    assert request.onsale.opens_at.isoformat() == "2027-03-01T10:00:00+01:00"
    assert (request.onsale.hold_seconds, request.onsale.max_per_order) == (600, 8)
    assert request.onsale.queue_required is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event(start_at="2027-04-01T20:00:00"), "start_at"),
        (event(end_at="2027-04-01T23:00:00"), "end_at"),
        (event(onsale={"opens_at": "2027-03-01T10:00:00"}), "onsale.opens_at"),
        (event(start_at="next friday"), "start_at"),
    ],
)
def test_an_event_refuses_times_without_a_zone(body: dict[str, Any], field: str) -> None:
    assert field in fields(invalid(EventCreate, body))


@pytest.mark.parametrize(
    "end_at", ["2027-04-01T20:00:00Z", "2027-04-01T19:59:59Z", "2027-04-01T21:00:00+02:00"]
)
def test_an_event_must_end_after_it_starts(end_at: str) -> None:
    error = invalid(EventCreate, event(end_at=end_at))

    assert "end_at must be after start_at" in error.detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event(venue_id="../venues/1"), "venue_id"),
        (event(venue_id=""), "venue_id"),
        (event(name=""), "name"),
        (event(onsale={"opens_at": "2027-03-01T10:00:00Z", "hold_seconds": 0}), "onsale.hold_seconds"),
        (event(onsale={"opens_at": "2027-03-01T10:00:00Z", "max_per_order": 51}), "onsale.max_per_order"),
        (event(onsale={"opens_at": "2027-03-01T10:00:00Z", "surprise": True}), "onsale.surprise"),
        (event(performers=["x"] * 21), "performers"),
        (event(onsale=None), "onsale"),
    ],
)
def test_an_event_names_the_field_it_refuses(body: dict[str, Any], field: str) -> None:
    assert field in fields(invalid(EventCreate, body))


def test_an_event_patch_cannot_move_the_event_to_another_venue() -> None:
    error = invalid(EventPatch, {"venue_id": "01JQ8Z7Y3K2W9V6T5R4P3N2M1W"})

    assert "venue_id cannot change" in error.detail


def test_an_event_patch_may_change_one_field() -> None:
    patch = parse(EventPatch, {"name": "Renamed"})

    assert patch.model_dump(exclude_unset=True) == {"name": "Renamed"}


# --- parse ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [[], ["seat_ids"], "seat_ids", 1, 1.5, True, None])
def test_parse_refuses_a_body_that_is_not_an_object(body: Any) -> None:
    error = invalid(HoldRequest, body)

    assert error.detail == "The body must be a JSON object"


def test_parse_lists_every_field_at_fault_in_the_problem() -> None:
    # GIVEN a sign-up with a bad email, a short password, no name and an extra field
    body = {"email": "not-an-email", "password": "short", "admin": True}

    # WHEN it is parsed
    error = invalid(SignupRequest, body)

    # THEN each fault is listed once with its field, and the problem carries the list
    assert fields(error) == {"email", "password", "name", "admin"}
    problem = error.to_problem()
    assert problem["errors"] == error.extra["errors"]
    assert all(set(e) == {"field", "message"} for e in problem["errors"])
    for field in ("email", "password", "name", "admin"):
        assert field in problem["detail"]


def test_parse_never_echoes_the_submitted_values() -> None:
    error = invalid(LoginRequest, {"email": "a@b.co", "password": ""})

    assert "password" in fields(error)
    assert "a@b.co" not in str(error.to_problem())


def test_parse_normalises_emails() -> None:
    request = parse(LoginRequest, {"email": "  Ann@Example.COM ", "password": "x"})

    assert request.email == "ann@example.com"


def test_parse_returns_the_model() -> None:
    assert parse(CheckoutRequest, {"payment_token": "tok_visa"}) == CheckoutRequest(payment_token="tok_visa")
