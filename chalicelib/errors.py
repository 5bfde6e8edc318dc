"""Domain errors with stable codes, and their one mapping to RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from chalice.app import ChaliceUnhandledError

PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_DETAIL_CHARS = 500


class OnsaleError(ChaliceUnhandledError):
    """Base of every error a client may see. `code` is the stable machine-readable value.

    Chalice lets `ChaliceUnhandledError`s through to middleware, where `http.handle_errors`
    turns them into problem details.
    """

    status = 500
    code = "internal_error"
    title = "Something went wrong on our side"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        detail = detail or self.title
        if len(detail) > MAX_DETAIL_CHARS:  # a detail that quotes a hostile 60 KB id stays short
            detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": f"https://onsale.dev/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        # `allow` travels as a header (405), not in the body.
        problem.update({k: v for k, v in self.extra.items() if k != "allow"})
        return problem


class InvalidRequestError(OnsaleError):
    status, code, title = 400, "invalid_request", "The request is not valid"


class UnsupportedMediaTypeError(OnsaleError):
    status, code, title = 415, "unsupported_media_type", "Send JSON with Content-Type: application/json"


class UnauthorizedError(OnsaleError):
    status, code, title = 401, "unauthorized", "Sign in to do this"


class InvalidCredentialsError(OnsaleError):
    status, code, title = 401, "invalid_credentials", "Email or password is wrong"


class ForbiddenError(OnsaleError):
    status, code, title = 403, "forbidden", "You are not allowed to do this"


class EmailTakenError(OnsaleError):
    status, code, title = 409, "email_taken", "An account with this email already exists"


class NotFoundError(OnsaleError):
    status, code, title = 404, "not_found", "Nothing lives at this address"


class MethodNotAllowedError(OnsaleError):
    status, code, title = 405, "method_not_allowed", "This method is not allowed here"


class EventNotFoundError(OnsaleError):
    status, code, title = 404, "event_not_found", "No such event"


class VenueNotFoundError(OnsaleError):
    status, code, title = 404, "venue_not_found", "No such venue"


class HoldNotFoundError(OnsaleError):
    status, code, title = 404, "hold_not_found", "No such hold"


class BookingNotFoundError(OnsaleError):
    status, code, title = 404, "booking_not_found", "No such booking"


class SeatsUnavailableError(OnsaleError):
    status, code, title = 409, "seats_unavailable", "Some of these seats were just taken"

    def __init__(self, seat_ids: list[str], detail: str | None = None) -> None:
        super().__init__(detail, seat_ids=seat_ids)
        self.seat_ids = seat_ids


class OrderLimitExceededError(OnsaleError):
    status, code, title = 409, "order_limit_exceeded", "Too many seats in one order"


class EventNotOnSaleError(OnsaleError):
    status, code, title = 409, "event_not_on_sale", "This event is not on sale right now"


class NotCancellableError(OnsaleError):
    status, code, title = 409, "not_cancellable", "This booking can no longer be cancelled"


class IdempotencyKeyReusedError(OnsaleError):
    status, code, title = (
        409,
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request",
    )


class IdempotencyInProgressError(OnsaleError):
    status, code, title = (
        409,
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still being processed; retry shortly",
    )


class HoldExpiredError(OnsaleError):
    status, code, title = 410, "hold_expired", "Your hold expired and the seats were released"


class PaymentDeclinedError(OnsaleError):
    status, code, title = 402, "payment_declined", "The card was declined"


class AdmissionRequiredError(OnsaleError):
    status, code, title = 403, "admission_required", "Wait for your turn in the queue first"


class ServiceUnavailableError(OnsaleError):
    status, code, title = 503, "service_unavailable", "We are busy; retry in a moment"


# --- notifications --------------------------------------------------------------------------


class InvalidUnsubscribeTokenError(OnsaleError):
    status, code, title = 400, "invalid_unsubscribe_token", "This unsubscribe link is not valid"


# --- customers' rights ----------------------------------------------------------------------


class SeatsAvailableError(OnsaleError):
    status, code, title = 409, "seats_available", "Seats are still on sale: book them instead of waiting"


class WaitlistEntryNotFoundError(OnsaleError):
    status, code, title = 404, "waitlist_entry_not_found", "No such waitlist entry"


# --- waiting room ---------------------------------------------------------------------------


class QueueNotRequiredError(OnsaleError):
    status, code, title = 409, "queue_not_required", "This event has no waiting room: book directly"


class QueueEntryNotFoundError(OnsaleError):
    # `not_found`, as docs/openapi.yaml states: an unknown entry and another customer's look alike.
    status, code, title = 404, "not_found", "No such queue entry"
