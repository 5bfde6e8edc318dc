"""Admission tokens: short-lived HS256 JWTs naming the user, the event and the queue entry.

The signing key lives in the stack's secrets (AWS Secrets Manager; locally the emulator's, which
the bootstrap fills with a random value). It is read once per process and cached, and it is never
logged. The same key, through a derivation, keys the pre-open permutation of each event.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import AdmissionRequiredError
from chalicelib.settings import get_settings

ALGORITHM = "HS256"
ISSUER = "onsale-waiting-room"


@dataclass(frozen=True)
class Admission:
    user_id: str
    event_id: str
    queue_id: str
    expires_at: int


@functools.cache
def _secret(secret_id: str) -> bytes:
    from chalicelib import aws

    value = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return str(value).encode()


def signing_key() -> bytes:
    """The stack's admission-token key (one Secrets Manager read per process)."""
    return _secret(get_settings().admission_secret_id)


def permutation_key(event_id: str, key: bytes | None = None) -> bytes:
    """The per-event key of the pre-open permutation, derived from the signing key."""
    secret = key if key is not None else signing_key()
    return hmac.new(secret, b"queue-permutation\x00" + event_id.encode(), hashlib.sha256).digest()


def issue(
    *, user_id: str, event_id: str, queue_id: str, admitted_at: int, expires_at: int, key: bytes | None = None
) -> str:
    """A token for one user and one event, valid until `expires_at` (epoch seconds).

    `iat` is the admission time, so the same admission always yields the same token."""
    import jwt

    claims = {
        "iss": ISSUER,
        "sub": user_id,
        "event_id": event_id,
        "queue_id": queue_id,
        "iat": admitted_at,
        "exp": expires_at,
    }
    return jwt.encode(claims, key if key is not None else signing_key(), algorithm=ALGORITHM)


def verify(token: str | None, *, user_id: str, event_id: str, key: bytes | None = None) -> Admission:
    """The admission `token` grants, or `403 admission_required`: checks the signature with HS256
    only (no `none`, no other algorithm), the expiry, the issuer, the event and the user."""
    import jwt

    if not token:
        raise AdmissionRequiredError("Send the admission_token from the waiting room as X-Admission-Token")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key if key is not None else signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
            leeway=5,  # clocks of the admitter and the API may differ a little (`iat` checks)
        )
    except jwt.ExpiredSignatureError:
        raise AdmissionRequiredError("Your admission expired") from None
    except jwt.PyJWTError:
        raise AdmissionRequiredError("The admission token is not valid") from None
    if claims.get("event_id") != event_id:
        raise AdmissionRequiredError("The admission token is for another event")
    if claims.get("sub") != user_id:
        raise AdmissionRequiredError("The admission token belongs to someone else")
    return Admission(
        user_id=user_id,
        event_id=event_id,
        queue_id=str(claims.get("queue_id", "")),
        expires_at=int(claims["exp"]),
    )
