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
    PreferencesUpdate,
    SignupRequest,
    VenueCreate,
    WaitlistRequest,
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
        ({"section": "Floor", "quantity": "2"}, "quantity"),
        ({"section": "Floor", "quantity": True}, "quantity"),
        ({"section": "Floor", "quantity": False}, "quantity"),
        ({"section": "Floor", "quantity": 2.0}, "quantity"),
        ({"section": "Floor\u0000", "quantity": 1}, "section"),
        ({"section": 12, "quantity": 1}, "section"),
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


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("America/Chicago", "America/Chicago"),
        ("Europe/London", "Europe/London"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("UTC", "UTC"),
        ("  Asia/Kolkata ", "Asia/Kolkata"),  # trimmed, like every one-line text
        ("america/chicago", "America/Chicago"),  # IANA names are unique whatever the case
    ],
)
def test_a_venue_takes_an_iana_time_zone_in_its_canonical_spelling(given: str, stored: str) -> None:
    assert parse(VenueCreate, venue(time_zone=given)).time_zone == stored


def test_a_venue_without_a_time_zone_or_with_null_has_none() -> None:
    assert parse(VenueCreate, venue()).time_zone is None
    assert parse(VenueCreate, venue(time_zone=None)).time_zone is None


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus_Mons",
        "America/Chicag",
        "CST",  # an abbreviation names no one zone
        "EST",  # listed by the database, but UTC-5 all year: New York is America/New_York
        "est5edt",
        "Japan",  # an old alias: Asia/Tokyo
        "+05:00",
        "",
        "   ",
        "America",  # a directory of the database, not a zone
        "../etc/passwd",
        "../../../../etc/passwd",
        "/etc/localtime",
        "/usr/share/zoneinfo/America/Chicago",
        "America/../Europe/London",
        "America/Chicago/",
        "America/Chicago\x00",
        "x" * 65,
    ],
)
def test_a_venue_refuses_a_time_zone_that_is_not_an_iana_name(zone: str) -> None:
    error = invalid(VenueCreate, venue(time_zone=zone))

    assert fields(error) == {"time_zone"}


@pytest.mark.parametrize("zone", [5, -6.0, True, ["America/Chicago"], {"name": "America/Chicago"}])
def test_a_venue_refuses_a_time_zone_that_is_not_a_string(zone: Any) -> None:
    error = invalid(VenueCreate, venue(time_zone=zone))

    assert fields(error) == {"time_zone"}
    assert "valid string" in error.detail


def test_time_zones_are_listed_on_first_use_not_at_import() -> None:
    import subprocess
    import sys

    probe = (
        "import zoneinfo\n"
        "calls = []\n"
        "real = zoneinfo.available_timezones\n"
        "zoneinfo.available_timezones = lambda: calls.append(1) or real()\n"
        "import app, chalicelib.schemas as s\n"
        "assert not calls, 'listed at import'\n"
        "s._time_zone_names(); s._time_zone_names()\n"
        "assert calls == [1], calls\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


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


# --- JSON types: a boolean or a string is not an integer, anywhere -------------------------


def wrongly_typed(value: int | bool) -> list[Any]:
    """The same value as other JSON types, all of which a lenient parser would take for it."""
    if isinstance(value, bool):
        return [str(value).lower(), int(value)]
    return [str(value), float(value), True]


@pytest.mark.parametrize(
    ("model", "body", "path"),
    [
        (HoldRequest, {"section": "Floor", "quantity": 1}, ("quantity",)),
        (VenueCreate, venue(), ("sections", 0, "rows", 0, "seats")),
        (VenueCreate, venue(), ("sections", 0, "price", "amount")),
        (
            EventCreate,
            event(onsale={"opens_at": "2027-03-01T10:00:00Z", "hold_seconds": 1}),
            ("onsale", "hold_seconds"),
        ),
        (
            EventCreate,
            event(onsale={"opens_at": "2027-03-01T10:00:00Z", "max_per_order": 1}),
            ("onsale", "max_per_order"),
        ),
        (
            EventCreate,
            event(onsale={"opens_at": "2027-03-01T10:00:00Z", "admit_per_minute": 1}),
            ("onsale", "admit_per_minute"),
        ),
        (
            EventCreate,
            event(onsale={"opens_at": "2027-03-01T10:00:00Z", "queue_required": True}),
            ("onsale", "queue_required"),
        ),
        (EventPatch, {"onsale": {"max_per_order": 1}}, ("onsale", "max_per_order")),
        (EventPatch, {"onsale": {"queue_required": False}}, ("onsale", "queue_required")),
        (
            SignupRequest,
            {"email": "a@example.com", "password": "long-enough-1", "name": "Ann", "marketing_consent": True},
            ("marketing_consent",),
        ),
        (PreferencesUpdate, {"marketing_consent": False}, ("marketing_consent",)),
        (WaitlistRequest, {"quantity": 1}, ("quantity",)),
    ],
)
def test_numbers_and_booleans_must_be_sent_as_such(
    model: type[BaseModel], body: dict[str, Any], path: tuple[str | int, ...]
) -> None:
    # GIVEN a body the model accepts
    parse(model, body)
    container: Any = body
    for step in path[:-1]:
        container = container[step]
    good = container[path[-1]]
    for wrong in wrongly_typed(good):
        # WHEN the same value is sent as another JSON type
        bad = copy.deepcopy(body)
        target: Any = bad
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = wrong

        # THEN it is refused, naming the field
        assert ".".join(str(p) for p in path) in fields(invalid(model, bad)), wrong


def test_a_hold_quantity_of_true_or_a_string_is_refused_not_taken_as_a_number() -> None:
    # The acceptance tester's bodies: `true` held one seat and `"2"` held two.
    for quantity in (True, "2"):
        error = invalid(HoldRequest, {"section": "Field 12", "quantity": quantity})
        assert fields(error) == {"quantity"}
        assert "valid integer" in error.detail


def test_timestamps_are_still_read_from_strings() -> None:
    patch = parse(EventPatch, {"start_at": "2027-04-01T20:00:00Z", "end_at": "2027-04-01T21:00:00+01:00"})

    assert patch.start_at is not None and patch.start_at.isoformat() == "2027-04-01T20:00:00+00:00"
    assert patch.end_at is not None and patch.end_at.utcoffset() is not None


# --- sign-up: no control characters --------------------------------------------------------


def signup(**changes: Any) -> dict[str, Any]:
    return {"email": "ann@example.com", "password": "long-enough-1", "name": "Ann Lee", **changes}


@pytest.mark.parametrize(
    "name",
    [
        "Ann\u0000Lee",
        "\u0000",
        "Ann\u0000",
        "Ann\nLee",
        "Ann\tLee",
        "Ann\u001bLee",
        "Ann\u007f",
        "Ann\u0085",
        "Ann\r\n",
    ],
)
def test_a_sign_up_refuses_control_characters_in_the_name(name: str) -> None:
    error = invalid(SignupRequest, signup(name=name))

    assert fields(error) == {"name"}
    assert "control characters" in error.detail


@pytest.mark.parametrize("name", ["Zoë O'Brien-Ñúñez", "李小龍", "Ann 🎟", "  Ann Lee  "])
def test_a_sign_up_takes_any_printable_name(name: str) -> None:
    assert parse(SignupRequest, signup(name=name)).name == name.strip()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (signup(email="ann\u0000@example.com"), "email"),
        (signup(email="ann@example.com\u0000"), "email"),
        (signup(password="long-enough\u0000-1"), "password"),
        (signup(password="\u0000" * 8), "password"),
    ],
)
def test_a_sign_up_refuses_nul_in_the_email_and_the_password(body: dict[str, Any], field: str) -> None:
    assert fields(invalid(SignupRequest, body)) == {field}


def test_a_log_in_refuses_nul_too() -> None:
    assert fields(invalid(LoginRequest, {"email": "ann@example.com", "password": "pass\u0000word"})) == {
        "password"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event(name="Test\u0000Concert"), "name"),
        (event(category="con\ncerts"), "category"),
        (event(performers=["The\u0007Testers"]), "performers.0"),
        (event(description="First line\u0000"), "description"),
    ],
)
def test_event_texts_refuse_control_characters(body: dict[str, Any], field: str) -> None:
    assert field in fields(invalid(EventCreate, body))


def test_an_event_description_may_have_several_lines() -> None:
    assert parse(EventCreate, event(description="Doors at 7.\n\tSupport act at 8.")).description == (
        "Doors at 7.\n\tSupport act at 8."
    )


def test_venue_texts_refuse_control_characters() -> None:
    for field in ("name", "city", "address"):
        assert field in fields(invalid(VenueCreate, venue(**{field: "Test\u0000Hall"})))


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
