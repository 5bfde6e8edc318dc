"""Verification of the user pool's JWTs against the pool's published keys.

The API verifies every bearer token itself (signature, issuer, audience, expiry, token use), so
no deployable configuration can skip verification; API Gateway's Cognito authorizer may be added
in front as defence in depth, never instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.errors import ServiceUnavailableError, UnauthorizedError
from chalicelib.settings import Settings


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    groups: frozenset[str]

    def in_group(self, group: str) -> bool:
        return group in self.groups


class SigningKeySource(Protocol):
    def get_signing_key_from_jwt(self, token: str) -> Any: ...


@functools.cache
def _jwks_client(url: str) -> SigningKeySource:
    import jwt

    # Keys are cached for the life of a warm Lambda; a new `kid` triggers one refetch.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=3)


def verify_token(token: str, settings: Settings, keys: SigningKeySource | None = None) -> Principal:
    """Return who `token` belongs to, or raise UnauthorizedError. Never trusts unverified claims."""
    import jwt

    source = keys or _jwks_client(settings.jwks_url)
    try:
        signing_key = source.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.user_pool_client_id,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=5,
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise ServiceUnavailableError("Sign-in keys are unavailable; retry shortly") from exc
    except jwt.ExpiredSignatureError as exc:
        raise UnauthorizedError("Your session expired; sign in again") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise UnauthorizedError("The bearer token is not valid") from exc
    if claims.get("token_use") != "id":
        raise UnauthorizedError("Send the ID token returned by /auth/login")
    groups = claims.get("cognito:groups") or []
    return Principal(
        user_id=str(claims["sub"]),
        email=str(claims.get("email", "")),
        groups=frozenset(str(g) for g in groups),
    )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise UnauthorizedError("Send Authorization: Bearer <token>")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("Send Authorization: Bearer <token>")
    return token.strip()
