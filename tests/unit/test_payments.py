"""Payment providers: money is taken once per idempotency key, declines and outages are told apart."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from chalicelib.errors import InvalidRequestError, PaymentDeclinedError, ServiceUnavailableError
from chalicelib.models import Payment, table_name
from chalicelib.payments import stripe as stripe_module
from chalicelib.payments.base import Charge, PaymentProvider
from chalicelib.payments.local import DECLINED_TOKENS, DECLINES, SUCCEEDING_TOKENS, LocalProvider
from chalicelib.payments.stripe import StripeProvider
from tests.fakes.dynamodb import FakeDynamoDB
from tests.fakes.stripe import FakeStripe, FakeStripeServer

# --- the local provider (Stripe's test tokens, a ledger table) --------------------------------


@pytest.fixture
def local(db: FakeDynamoDB) -> LocalProvider:
    return LocalProvider(db=db)


def ledger(db: FakeDynamoDB) -> dict[str, dict[str, str]]:
    """payment id -> {attribute: value} of every ledger record."""
    return {
        item["payment_id"]["S"]: {k: next(iter(v.values())) for k, v in item.items()}
        for item in db.items(table_name(Payment))
    }


def charge(
    provider: PaymentProvider, token: str = "tok_visa", key: str = "hold-1-abc", amount: int = 12500
) -> Charge:
    return provider.charge(
        amount=amount, currency="USD", token=token, idempotency_key=key, description="Onsale hold 1"
    )


def test_tok_visa_is_charged_and_recorded(local: LocalProvider, db: FakeDynamoDB) -> None:
    result = charge(local)

    assert result.charge_id.startswith("ch_")
    assert (result.amount, result.currency) == (12500, "USD")
    record = ledger(db)[result.charge_id]
    assert record["status"] == "succeeded"
    assert (record["amount"], record["currency"]) == ("12500", "USD")
    assert record["description"] == "Onsale hold 1"
    assert db.calls_of("put_item")[0].kwargs["TableName"] == "unit-payments"


def test_the_same_idempotency_key_charges_once(local: LocalProvider, db: FakeDynamoDB) -> None:
    # GIVEN a charge made once
    first = charge(local, key="hold-1-abc")

    # WHEN the same request is retried (twice)
    again = charge(local, key="hold-1-abc")
    third = charge(local, key="hold-1-abc")

    # THEN the same charge comes back and the ledger holds one record
    assert again == first == third
    assert list(ledger(db)) == [first.charge_id]


def test_different_idempotency_keys_are_different_charges(local: LocalProvider, db: FakeDynamoDB) -> None:
    first = charge(local, key="hold-1-abc")
    second = charge(local, key="hold-2-abc")

    assert first.charge_id != second.charge_id
    assert set(ledger(db)) == {first.charge_id, second.charge_id}


@pytest.mark.parametrize("token", sorted(DECLINED_TOKENS))
def test_declining_tokens_are_declined_and_nothing_is_recorded(
    local: LocalProvider, db: FakeDynamoDB, token: str
) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(local, token=token)

    assert (caught.value.status, caught.value.code) == (402, "payment_declined")
    assert caught.value.to_problem()["decline_code"] == DECLINES[token][0]
    assert ledger(db) == {}


# Stripe's documented test tokens (docs.stripe.com/testing), as a client would send them.
STRIPE_SUCCESS_TOKENS = [
    "tok_visa",
    "tok_visa_debit",
    "tok_mastercard",
    "tok_mastercard_debit",
    "tok_mastercard_prepaid",
    "tok_amex",
    "tok_discover",
    "tok_diners",
    "tok_jcb",
    "tok_unionpay",
    "tok_us",
    "tok_gb",
    "tok_de",
    "tok_fr",
    "tok_br",
    "tok_jp",
]
STRIPE_DECLINES = {
    "tok_chargeDeclined": "generic_decline",
    "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "tok_chargeDeclinedLostCard": "lost_card",
    "tok_chargeDeclinedStolenCard": "stolen_card",
    "tok_chargeDeclinedExpiredCard": "expired_card",
    "tok_chargeDeclinedIncorrectCvc": "incorrect_cvc",
    "tok_chargeDeclinedProcessingError": "processing_error",
    "tok_chargeDeclinedFraudulent": "fraudulent",
}


@pytest.mark.parametrize("token", STRIPE_SUCCESS_TOKENS)
def test_stripes_success_tokens_are_charged(local: LocalProvider, db: FakeDynamoDB, token: str) -> None:
    charged = charge(local, token=token)

    assert ledger(db)[charged.charge_id]["status"] == "succeeded"


@pytest.mark.parametrize(("token", "reason"), sorted(STRIPE_DECLINES.items()))
def test_stripes_decline_tokens_are_declined_with_their_reason(
    local: LocalProvider, db: FakeDynamoDB, token: str, reason: str
) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(local, token=token)

    assert caught.value.extra["decline_code"] == reason
    assert caught.value.detail  # Stripe's message, for the customer
    assert ledger(db) == {}


def test_a_declined_card_is_told_apart_by_its_reason(local: LocalProvider) -> None:
    details = set()
    for token in ("tok_chargeDeclined", "tok_chargeDeclinedExpiredCard", "tok_chargeDeclinedIncorrectCvc"):
        with pytest.raises(PaymentDeclinedError) as caught:
            charge(local, token=token)
        details.add(caught.value.detail)

    assert len(details) == 3
    assert "expired" in "".join(details)


@pytest.mark.parametrize(
    "token",
    ["tok_bogus", "tok_x", "tok_visa_", "tok_Visa", "tok_visa4242", "tok_chargeDeclinedNope", "tok_xx"],
)
def test_an_unknown_token_is_a_declined_payment_and_nothing_is_recorded(
    local: LocalProvider, db: FakeDynamoDB, token: str
) -> None:
    # GIVEN a card token Stripe's test mode would not know
    # WHEN it is charged
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(local, token=token)

    # THEN the payment is declined, saying why, and no money moved
    assert (caught.value.status, caught.value.code) == (402, "payment_declined")
    assert "unknown" in caught.value.detail
    assert token not in caught.value.detail  # (tokens are never echoed)
    assert caught.value.extra["decline_code"] == "unknown_token"
    assert ledger(db) == {}


def test_a_card_that_needs_3d_secure_is_declined_locally_as_by_stripe(
    local: LocalProvider, db: FakeDynamoDB
) -> None:
    with pytest.raises(PaymentDeclinedError):
        charge(local, token="tok_threeDSecure2Required")

    assert ledger(db) == {}


def test_the_tokens_in_use_keep_working() -> None:
    # The web app, README, benchmarks and tests pay with tok_visa; the web app's declined card is
    # tok_chargeDeclined (web/js/pages/hold.js).
    assert "tok_visa" in SUCCEEDING_TOKENS
    assert "tok_chargeDeclined" in DECLINED_TOKENS
    assert not SUCCEEDING_TOKENS & DECLINED_TOKENS


@pytest.mark.parametrize("token", ["4242424242424242", "pm_card_visa", "", "TOK_VISA", " tok_visa"])
def test_a_token_that_is_not_a_card_token_is_a_bad_request(
    local: LocalProvider, db: FakeDynamoDB, token: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        charge(local, token=token)

    assert caught.value.status == 400
    assert ledger(db) == {}


def test_a_refund_marks_the_charge_refunded_and_a_second_refund_is_harmless(
    local: LocalProvider, db: FakeDynamoDB
) -> None:
    # GIVEN a charge
    charged = charge(local)

    # WHEN it is refunded twice
    local.refund(charge_id=charged.charge_id, idempotency_key=f"refund-{charged.charge_id}")
    refunded_at = ledger(db)[charged.charge_id]["refunded_at"]
    local.refund(charge_id=charged.charge_id, idempotency_key=f"refund-{charged.charge_id}")

    # THEN it is refunded, once
    record = ledger(db)[charged.charge_id]
    assert record["status"] == "refunded"
    assert record["refunded_at"] == refunded_at


def test_refunding_an_unknown_charge_creates_nothing(local: LocalProvider, db: FakeDynamoDB) -> None:
    local.refund(charge_id="ch_unknown", idempotency_key="refund-ch_unknown")

    assert ledger(db) == {}


def test_a_refund_after_a_retried_charge_still_refunds(local: LocalProvider, db: FakeDynamoDB) -> None:
    charged = charge(local)
    local.refund(charge_id=charged.charge_id, idempotency_key="r1")

    # A late retry of the original charge must not turn the refunded charge back into a live one.
    assert charge(local) == charged
    assert ledger(db)[charged.charge_id]["status"] == "refunded"


def test_ledger_failures_other_than_a_lost_condition_are_raised(
    local: LocalProvider, db: FakeDynamoDB
) -> None:
    from botocore.exceptions import ClientError

    db.fail_next("put_item", "ProvisionedThroughputExceededException")
    with pytest.raises(ClientError):
        charge(local)

    charged = charge(local)
    db.fail_next("update_item", "InternalServerError")
    with pytest.raises(ClientError):
        local.refund(charge_id=charged.charge_id, idempotency_key="r1")
    assert ledger(db)[charged.charge_id]["status"] == "succeeded"


# --- Stripe -----------------------------------------------------------------------------------


@pytest.fixture
def stripe() -> FakeStripe:
    return FakeStripe(secret_key="sk_test_unit")


@pytest.fixture
def provider(stripe: FakeStripe) -> StripeProvider:
    return StripeProvider(secret_key="sk_test_unit", transport=stripe)


def test_stripe_charge_confirms_a_payment_intent_with_the_card_token(
    provider: StripeProvider, stripe: FakeStripe
) -> None:
    result = charge(provider, token="tok_visa", key="hold-1-abc", amount=12500)

    assert result == Charge(charge_id="pi_000001", amount=12500, currency="USD")
    [request] = stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/payment_intents")
    assert request.form["amount"] == "12500"
    assert request.form["currency"] == "usd"
    assert request.form["confirm"] == "true"
    assert request.form["payment_method_data[card][token]"] == "tok_visa"
    assert request.form["automatic_payment_methods[allow_redirects]"] == "never"
    assert request.headers["Idempotency-Key"] == "hold-1-abc"
    assert request.headers["Authorization"] == "Bearer sk_test_unit"


def test_stripe_charge_retried_with_the_same_key_is_one_payment(
    provider: StripeProvider, stripe: FakeStripe
) -> None:
    first = charge(provider, key="hold-1-abc")
    again = charge(provider, key="hold-1-abc")

    assert again == first
    assert len(stripe.intents) == 1
    assert [r.headers["Idempotency-Key"] for r in stripe.requests] == ["hold-1-abc", "hold-1-abc"]


@pytest.mark.parametrize("token", ["tok_chargeDeclined", "tok_chargeDeclinedInsufficientFunds"])
def test_a_stripe_card_error_is_a_decline_with_stripes_message(provider: StripeProvider, token: str) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(provider, token=token)

    assert (caught.value.status, caught.value.code) == (402, "payment_declined")
    assert caught.value.detail.startswith("Your card")


def test_a_stripe_decline_carries_its_reason(provider: StripeProvider) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(provider, token="tok_chargeDeclinedInsufficientFunds")

    assert caught.value.extra["decline_code"] == "insufficient_funds"


def test_a_token_stripe_does_not_know_is_a_decline_not_an_outage(provider: StripeProvider) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        charge(provider, token="tok_bogus")

    assert (caught.value.status, caught.value.code) == (402, "payment_declined")
    assert "unknown" in caught.value.detail
    assert caught.value.extra["decline_code"] == "unknown_token"


def test_a_payment_needing_3d_secure_is_declined(provider: StripeProvider) -> None:
    with pytest.raises(PaymentDeclinedError):
        charge(provider, token="tok_threeDSecure2Required")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_stripe_outage_is_a_retryable_503(
    provider: StripeProvider, stripe: FakeStripe, status: int
) -> None:
    stripe.outage = status

    with pytest.raises(ServiceUnavailableError) as caught:
        charge(provider)

    assert caught.value.status == 503


def test_a_wrong_secret_key_is_not_reported_as_a_decline(stripe: FakeStripe) -> None:
    misconfigured = StripeProvider(secret_key="sk_test_wrong", transport=stripe)

    with pytest.raises(ServiceUnavailableError):
        charge(misconfigured)


def test_stripe_refund_refunds_the_payment_intent(provider: StripeProvider, stripe: FakeStripe) -> None:
    charged = charge(provider)

    provider.refund(charge_id=charged.charge_id, idempotency_key=f"refund-{charged.charge_id}")

    assert charged.charge_id in stripe.refunds
    request = stripe.requests[-1]
    assert (request.path, request.form) == ("/v1/refunds", {"payment_intent": charged.charge_id})
    assert request.headers["Idempotency-Key"] == f"refund-{charged.charge_id}"


def test_refunding_an_already_refunded_payment_is_fine(provider: StripeProvider, stripe: FakeStripe) -> None:
    # GIVEN a payment refunded once
    charged = charge(provider)
    provider.refund(charge_id=charged.charge_id, idempotency_key="refund-a")

    # WHEN it is refunded again, under another key (so Stripe does not replay) THEN nothing is raised
    provider.refund(charge_id=charged.charge_id, idempotency_key="refund-b")
    # AND under the same key (Stripe replays the first answer)
    provider.refund(charge_id=charged.charge_id, idempotency_key="refund-a")

    assert len(stripe.refunds) == 1
    assert stripe.requests[-2:][0].form == {"payment_intent": charged.charge_id}


def test_a_refund_during_an_outage_raises_so_it_is_retried(
    provider: StripeProvider, stripe: FakeStripe
) -> None:
    charged = charge(provider)
    stripe.outage = 503

    with pytest.raises(ServiceUnavailableError):
        provider.refund(charge_id=charged.charge_id, idempotency_key="refund-a")

    stripe.outage = None
    provider.refund(charge_id=charged.charge_id, idempotency_key="refund-a")
    assert charged.charge_id in stripe.refunds


# --- the real HTTP transport, against the fake served locally --------------------------------


@pytest.fixture
def stripe_server(stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripeServer]:
    with FakeStripeServer(stripe) as server:
        monkeypatch.setattr(stripe_module, "API_BASE", server.url)
        yield server


def test_the_http_transport_sends_a_form_and_reads_json(
    stripe_server: FakeStripeServer, stripe: FakeStripe
) -> None:
    provider = StripeProvider(secret_key="sk_test_unit")

    charged = charge(provider, token="tok_visa", key="hold-9-xyz", amount=777)

    assert charged == Charge(charge_id="pi_000001", amount=777, currency="USD")
    [request] = stripe.requests
    assert request.form["amount"] == "777"
    assert request.form["description"] == "Onsale hold 1"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["idempotency-key"] == "hold-9-xyz"
    assert headers["content-type"] == "application/x-www-form-urlencoded"


def test_the_http_transport_reads_error_bodies(stripe_server: FakeStripeServer) -> None:
    provider = StripeProvider(secret_key="sk_test_unit")

    with pytest.raises(PaymentDeclinedError) as caught:
        charge(provider, token="tok_chargeDeclined")

    assert caught.value.detail == "Your card was declined."


def test_an_unreachable_stripe_is_a_retryable_503(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an address where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(stripe_module, "API_BASE", f"http://127.0.0.1:{closed_port}")

    with pytest.raises(ServiceUnavailableError):
        charge(StripeProvider(secret_key="sk_test_unit"))


def test_a_non_json_error_page_is_a_retryable_503(stripe_server: FakeStripeServer) -> None:
    stripe_server.raw_reply = (502, b"<html><body>Bad gateway</body></html>")

    with pytest.raises(ServiceUnavailableError):
        charge(StripeProvider(secret_key="sk_test_unit"))
