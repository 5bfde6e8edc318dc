"""Admission tokens: only the stack's key, only HS256, only before expiry, only for the event and
the customer they name."""

from __future__ import annotations

import time

import jwt
import pytest

from chalicelib.errors import AdmissionRequiredError
from chalicelib.waiting_room import tokens

KEY = b"unit-test-admission-key-" * 3  # 72 bytes, like the stack's 64-character secret
EVENT, USER, QUEUE = "01EVENT", "user-1", "01EVENT-queue"


def token_for(*, user_id: str = USER, event_id: str = EVENT, expires_in: int = 600, key: bytes = KEY) -> str:
    now = int(time.time())
    return tokens.issue(
        user_id=user_id,
        event_id=event_id,
        queue_id=QUEUE,
        admitted_at=now,
        expires_at=now + expires_in,
        key=key,
    )


def refused(token: str | None, *, user_id: str = USER, event_id: str = EVENT) -> str:
    with pytest.raises(AdmissionRequiredError) as caught:
        tokens.verify(token, user_id=user_id, event_id=event_id, key=KEY)
    assert caught.value.status == 403 and caught.value.code == "admission_required"
    return str(caught.value.detail)


def test_a_valid_token_admits_its_user_to_its_event() -> None:
    admission = tokens.verify(token_for(), user_id=USER, event_id=EVENT, key=KEY)
    assert (admission.user_id, admission.event_id, admission.queue_id) == (USER, EVENT, QUEUE)
    assert admission.expires_at > time.time()


def test_the_same_admission_always_yields_the_same_token() -> None:
    def issue() -> str:
        return tokens.issue(
            user_id=USER, event_id=EVENT, queue_id=QUEUE, admitted_at=1000, expires_at=1600, key=KEY
        )

    assert issue() == issue()


def test_missing_or_garbage_tokens_are_refused() -> None:
    refused(None)
    refused("")
    refused("not.a.token")


def test_a_token_signed_with_another_key_is_refused() -> None:
    assert "not valid" in refused(token_for(key=b"someone-elses-key-" * 4))


def test_unsigned_and_other_algorithm_tokens_are_refused() -> None:
    claims = jwt.decode(token_for(), KEY, algorithms=["HS256"])
    refused(jwt.encode(claims, "", algorithm="none"))
    # The right key, but an algorithm the verifier does not accept.
    refused(jwt.encode(claims, KEY, algorithm="HS512"))


def test_an_expired_token_is_refused() -> None:
    assert "expired" in refused(token_for(expires_in=-10))  # past the 5 s leeway


def test_a_token_for_another_event_or_user_is_refused() -> None:
    assert "another event" in refused(token_for(event_id="01OTHER"))
    assert "someone else" in refused(token_for(user_id="user-2"))


def test_a_token_without_an_expiry_is_refused() -> None:
    claims = {"iss": tokens.ISSUER, "sub": USER, "event_id": EVENT, "iat": int(time.time())}
    refused(jwt.encode(claims, KEY, algorithm="HS256"))


def test_the_permutation_key_differs_per_event_and_per_secret() -> None:
    one = tokens.permutation_key("01A", KEY)
    assert one == tokens.permutation_key("01A", KEY)
    assert one != tokens.permutation_key("01B", KEY)
    assert one != tokens.permutation_key("01A", b"another-secret")
