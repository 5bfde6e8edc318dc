"""Onsale's API: routes and wiring only. Each route parses, calls one service, and answers."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, CORSConfig, Response

from chalicelib import http, search, warm
from chalicelib.booking import checkout as bookings
from chalicelib.booking import holds
from chalicelib.catalog import events, venues
from chalicelib.idempotency import run_idempotent
from chalicelib.identity import accounts
from chalicelib.notifications import subscriptions as follows
from chalicelib.notifications.unsubscribe import confirmation_page
from chalicelib.realtime import connections as ws_connections
from chalicelib.schemas import (
    CheckoutRequest,
    EventCreate,
    EventPatch,
    HoldRequest,
    LoginRequest,
    PreferencesUpdate,
    SignupRequest,
    VenueCreate,
    parse,
)
from chalicelib.settings import get_settings
from chalicelib.waiting_room import queue as waiting_room
from chalicelib.waiting_room import tokens as admission

app = Chalice(app_name="onsale")
app.api.cors = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Admission-Token"],
    expose_headers=["Location", "Retry-After", "ETag"],
    max_age=600,
)
app.register_middleware(http.handle_errors, "http")
app.register_middleware(warm.freeze_after_cold_paths, "all")

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
        email=body.email,
        password=body.password,
        name=body.name,
        settings=get_settings(),
        marketing_consent=body.marketing_consent,  # notifications: optional consent at sign-up
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
    page = search.search_events(search.engine(), search.SearchQuery.from_params(params))
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
    return http.cacheable_json(request, events.seat_map(event_id, section, cursor), max_age=1, shared=True)


# --- booking --------------------------------------------------------------------------------


@route("/events/{event_id}/holds", methods=["POST"], content_types=BODY_TYPES)
def create_hold(event_id: str) -> Response:
    request = _request()
    principal = http.caller(request)
    raw = http.json_body(request)
    body = parse(HoldRequest, raw)
    event = events.cached_event(event_id)
    if event.onsale.queue_required:
        # 403 admission_required without a valid admission token for this user and this event.
        token = request.headers.get("x-admission-token")
        admission.verify(token, user_id=principal.user_id, event_id=event_id)
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
    return http.NoContent()


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


# --- websockets -----------------------------------------------------------------------------
# API Gateway's WebSocket API: `$connect` (queue watchers and seat-map viewers), `$default`
# (`subscribe_seats`) and `$disconnect`. Locally, local/ws_gateway.py delivers the same events
# to these handlers. Pushes go through chalicelib.realtime.push (the `@connections` API).

app.experimental_feature_flags.update(["WEBSOCKETS"])


@app.on_ws_connect()
def ws_connect(event: Any) -> dict[str, int]:
    return {"statusCode": ws_connections.connect(event.to_dict())}


@app.on_ws_message()
def ws_message(event: Any) -> dict[str, int]:
    return {"statusCode": ws_connections.receive(event.to_dict())}


@app.on_ws_disconnect()
def ws_disconnect(event: Any) -> dict[str, int]:
    return {"statusCode": ws_connections.disconnect(event.to_dict())}


# --- notifications --------------------------------------------------------------------------
# Following venues (consent to their alerts), marketing consent, one-click unsubscribe (RFC 8058).
# E-mails themselves are sent by functions/mailer.py and functions/reminders.py, never here.

# RFC 8058 clients POST `List-Unsubscribe=One-Click` as a form.
UNSUBSCRIBE_BODY_TYPES = [*BODY_TYPES, "multipart/form-data"]


@route("/venues/{venue_id}/subscriptions", methods=["POST"], content_types=BODY_TYPES)
def follow_venue(venue_id: str) -> Response:
    request = _request()
    principal = http.caller(request)
    outcome = run_idempotent(
        caller=principal.user_id,
        route=f"subscriptions:{venue_id}",
        key=request.headers.get("idempotency-key"),
        body=http.json_body(request),
        operation=lambda: {"status": 201, "body": follows.follow_venue(principal.user_id, venue_id)},
    )
    return _created(outcome)


@route("/venues/{venue_id}/subscriptions", methods=["DELETE"])
def unfollow_venue(venue_id: str) -> Response:
    follows.unfollow_venue(http.caller(_request()).user_id, venue_id)
    return http.NoContent()


@route("/me/subscriptions")
def my_subscriptions() -> Response:
    principal = http.caller(_request())
    return http.json_response({"subscriptions": follows.list_subscriptions(principal.user_id)})


@route("/me/preferences")
def my_preferences() -> Response:
    return http.json_response(follows.get_preferences(http.caller(_request()).user_id))


@route("/me/preferences", methods=["PUT"], content_types=BODY_TYPES)
def set_my_preferences() -> Response:
    request = _request()
    principal = http.caller(request)
    body = parse(PreferencesUpdate, http.json_body(request))
    consent = follows.set_marketing_consent(principal.user_id, body.marketing_consent)
    return http.json_response(consent)


@route("/unsubscribe", methods=["POST"], content_types=UNSUBSCRIBE_BODY_TYPES)
def unsubscribe() -> Response:
    return http.json_response(follows.unsubscribe(http.query_param(_request(), "token")))


@route("/unsubscribe")
def unsubscribe_page() -> Response:
    """The footer link: a page with one button (a GET never unsubscribes: link scanners follow them)."""
    return Response(
        body=confirmation_page(http.query_param(_request(), "token")),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


# --- waiting room ---------------------------------------------------------------------------
# Joining goes through SQS (functions/queue_join.py assigns arrival numbers in batches); the
# admitter (functions/queue_admitter.py) advances the serving counters. docs/waiting-room.md.


@route("/events/{event_id}/queue", methods=["POST"], content_types=BODY_TYPES)
def join_queue(event_id: str) -> Response:
    principal = http.caller(_request())
    return http.json_response(waiting_room.join_queue(event_id, principal.user_id), status=201)


@route("/events/{event_id}/queue/{queue_id}")
def queue_status(event_id: str, queue_id: str) -> Response:
    principal = http.caller(_request())
    return http.json_response(waiting_room.queue_status(event_id, queue_id, principal.user_id))


# --- customers' rights ----------------------------------------------------------------------
# Recommendations, the waitlist, and the caller's personal data (export, erasure).


@route("/events/{event_id}/recommendations")
def event_recommendations(event_id: str) -> Response:
    from chalicelib.catalog import recommendations

    limit = http.query_param(_request(), "limit")
    found = recommendations.recommend(event_id, limit=http.page_limit(_request()) if limit else 6)
    max_age = recommendations.max_age(found, ceiling=60)
    return http.json_response({"events": found}, headers={"Cache-Control": f"public, max-age={max_age}"})


@route("/events/{event_id}/waitlist", methods=["POST"], content_types=BODY_TYPES)
def join_waitlist(event_id: str) -> Response:
    from chalicelib.booking import waitlist
    from chalicelib.schemas import WaitlistRequest

    request = _request()
    principal = http.caller(request)
    raw = http.json_body(request)
    body = parse(WaitlistRequest, raw)
    outcome = run_idempotent(
        caller=principal.user_id,
        route=f"waitlist:{event_id}",
        key=request.headers.get("idempotency-key"),
        body=raw,
        operation=lambda: {
            "status": 201,
            "body": waitlist.join_waitlist(
                user_id=principal.user_id, event_id=event_id, quantity=body.quantity
            ),
        },
    )
    return _created(outcome)


@route("/me/waitlist")
def my_waitlist() -> Response:
    from chalicelib.booking import waitlist

    return http.json_response(waitlist.my_waitlist(http.caller(_request()).user_id))


@route("/waitlist/{waitlist_id}", methods=["DELETE"])
def leave_waitlist(waitlist_id: str) -> Response:
    from chalicelib.booking import waitlist

    waitlist.cancel_entry(waitlist_id, http.caller(_request()).user_id)
    return http.NoContent()


@route("/me")
def my_profile() -> Response:
    from chalicelib.notifications.subscriptions import get_preferences

    principal = http.caller(_request())
    return http.json_response(accounts.profile(principal.user_id) | get_preferences(principal.user_id))


@route("/me/export")
def export_my_data() -> Response:
    from chalicelib import privacy

    principal = http.caller(_request())
    return http.json_response(
        privacy.export(principal.user_id, email=principal.email),
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="onsale-my-data.json"',
        },
    )


@route("/me", methods=["DELETE"])
def erase_me() -> Response:
    from chalicelib import privacy

    principal = http.caller(_request())
    erased = privacy.erase(principal.user_id, email=principal.email)
    return http.json_response({"status": "erased", "erased": erased}, status=202)
