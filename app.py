"""Onsale's API: routes and wiring only. Each route parses, calls one service, and answers."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, CORSConfig, Response

from chalicelib import http, search
from chalicelib.booking import checkout as bookings
from chalicelib.booking import holds
from chalicelib.catalog import events, venues
from chalicelib.errors import AdmissionRequiredError
from chalicelib.idempotency import run_idempotent
from chalicelib.identity import accounts
from chalicelib.schemas import (
    CheckoutRequest,
    EventCreate,
    EventPatch,
    HoldRequest,
    LoginRequest,
    SignupRequest,
    VenueCreate,
    parse,
)
from chalicelib.settings import get_settings

app = Chalice(app_name="onsale")
app.api.cors = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Admission-Token"],
    expose_headers=["Location", "Retry-After", "ETag"],
    max_age=600,
)
app.register_middleware(http.handle_errors, "http")

# Bodies are always parsed as JSON; curl's default form content type is accepted so that a
# forgotten header is not an error (docs/decisions.md). Other types get 415.
BODY_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


def route(path: str, **options: Any) -> Any:
    """`app.route`, with every failure answered as problem+json by the one error mapping."""

    def register(view: Any) -> Any:
        return app.route(path, **options)(http.translate_errors(view))

    return register


def _request() -> Any:
    return app.current_request


def _created(outcome: dict[str, Any]) -> Response:
    return http.json_response(outcome["body"], status=outcome["status"])


@route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


# --- identity -------------------------------------------------------------------------------


@route("/auth/signup", methods=["POST"], content_types=BODY_TYPES)
def signup() -> Response:
    body = parse(SignupRequest, http.json_body(_request()))
    user_id = accounts.sign_up(
        email=body.email, password=body.password, name=body.name, settings=get_settings()
    )
    return http.json_response({"user_id": user_id}, status=201)


@route("/auth/login", methods=["POST"], content_types=BODY_TYPES)
def login() -> Response:
    body = parse(LoginRequest, http.json_body(_request()))
    return http.json_response(
        accounts.log_in(email=body.email, password=body.password, settings=get_settings())
    )


# --- discovery ------------------------------------------------------------------------------


@route("/events/search")
def search_events() -> Response:
    params: dict[str, str] = dict(_request().query_params or {})
    page = search.engine().search(search.SearchQuery.from_params(params))
    return http.json_response(
        {"events": page.events, "next_cursor": page.next_cursor},
        headers={"Cache-Control": "public, max-age=5"},
    )


@route("/events/{event_id}")
def get_event(event_id: str) -> Response:
    return http.cacheable_json(_request(), events.event_view(event_id), max_age=2)


@route("/events/{event_id}/seats")
def get_seats(event_id: str) -> Response:
    request = _request()
    section = http.query_param(request, "section")
    cursor = http.query_param(request, "cursor")
    return http.cacheable_json(request, events.seat_map(event_id, section, cursor), max_age=1)


# --- booking --------------------------------------------------------------------------------


@route("/events/{event_id}/holds", methods=["POST"], content_types=BODY_TYPES)
def create_hold(event_id: str) -> Response:
    request = _request()
    principal = http.caller(request)
    raw = http.json_body(request)
    body = parse(HoldRequest, raw)
    event = events.cached_event(event_id)
    if event.onsale.queue_required:
        # Admission tokens come from the waiting room, which is not built yet (issue 4):
        # until then a queued event admits nobody rather than everybody.
        raise AdmissionRequiredError()
    outcome = run_idempotent(
        caller=principal.user_id,
        route=f"holds:{event_id}",
        key=request.headers.get("idempotency-key"),
        body=raw,
        operation=lambda: {
            "status": 201,
            "body": holds.hold_seats(user_id=principal.user_id, event_id=event_id, request=body, event=event),
        },
    )
    return _created(outcome)


@route("/holds/{hold_id}")
def get_hold(hold_id: str) -> Response:
    principal = http.caller(_request())
    return http.json_response(holds.get_hold(hold_id, principal.user_id))


@route("/holds/{hold_id}", methods=["DELETE"])
def delete_hold(hold_id: str) -> Response:
    principal = http.caller(_request())
    holds.release_hold(hold_id, principal.user_id)
    return Response(body="", status_code=204)


@route("/holds/{hold_id}/checkout", methods=["POST"], content_types=BODY_TYPES)
def checkout(hold_id: str) -> Response:
    request = _request()
    principal = http.caller(request)
    raw = http.json_body(request)
    body = parse(CheckoutRequest, raw)
    outcome = run_idempotent(
        caller=principal.user_id,
        route=f"checkout:{hold_id}",
        key=request.headers.get("idempotency-key"),
        body=raw,
        operation=lambda: {
            "status": 201,
            "body": bookings.checkout(
                hold_id=hold_id, user_id=principal.user_id, payment_token=body.payment_token
            ),
        },
    )
    return _created(outcome)


@route("/bookings/{booking_id}")
def get_booking(booking_id: str) -> Response:
    principal = http.caller(_request())
    owner = None if principal.in_group(get_settings().admin_group) else principal.user_id
    return http.json_response(bookings.booking_view(bookings.load_booking(booking_id, owner)))


@route("/bookings/{booking_id}/cancel", methods=["POST"], content_types=BODY_TYPES)
def cancel_booking(booking_id: str) -> Response:
    principal = http.caller(_request())
    return http.json_response(bookings.cancel_booking(booking_id, principal.user_id))


@route("/me/bookings")
def my_bookings() -> Response:
    request = _request()
    principal = http.caller(request)
    return http.json_response(
        bookings.list_bookings(
            principal.user_id,
            limit=http.page_limit(request),
            cursor=http.query_param(request, "cursor"),
        )
    )


# --- administration -------------------------------------------------------------------------


@route("/admin/venues", methods=["POST"], content_types=BODY_TYPES)
def create_venue() -> Response:
    request = _request()
    principal = http.admin(request)
    raw = http.json_body(request)
    body = parse(VenueCreate, raw)

    def create() -> dict[str, Any]:
        venue = venues.create_venue(body)
        return {"status": 201, "body": {"venue_id": venue.venue_id, "capacity": int(venue.capacity)}}

    outcome = run_idempotent(
        caller=principal.user_id,
        route="admin:venues",
        key=request.headers.get("idempotency-key"),
        body=raw,
        operation=create,
    )
    return _created(outcome)


@route("/admin/events", methods=["POST"], content_types=BODY_TYPES)
def create_event() -> Response:
    request = _request()
    principal = http.admin(request)
    raw = http.json_body(request)
    body = parse(EventCreate, raw)

    def create() -> dict[str, Any]:
        event = events.create_event(body)
        return {
            "status": 201,
            "body": {
                "event_id": event.event_id,
                "onsale": events.onsale_view(event, None),
            },
        }

    outcome = run_idempotent(
        caller=principal.user_id,
        route="admin:events",
        key=request.headers.get("idempotency-key"),
        body=raw,
        operation=create,
    )
    return _created(outcome)


@route("/admin/events/{event_id}", methods=["PATCH"], content_types=BODY_TYPES)
def patch_event(event_id: str) -> Response:
    request = _request()
    http.admin(request)
    body = parse(EventPatch, http.json_body(request))
    return http.json_response(events.event_view(event_id, events.patch_event(event_id, body)))
