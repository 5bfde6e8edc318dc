"""A user pool in memory: an RSA signing key, its published JWKS, and ID tokens like Cognito's.

`FakeJwks` plays `jwt.PyJWKClient` (the `SigningKeySource` that `verify_token` uses): it reads
the token's unverified `kid` header and serves the matching public key, failing as the real client
does for garbage and unknown key ids. `FakeUserPool` issues tokens signed with its key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.settings import Settings


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeJwks:
    """Public keys by `kid`, served the way `PyJWKClient.get_signing_key_from_jwt` serves them."""

    def __init__(self, keys: Mapping[str, rsa.RSAPublicKey]) -> None:
        self._jwks = {
            kid: {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}
            for kid, key in keys.items()
        }
        self.lookups: list[str] = []

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        header = jwt.get_unverified_header(token)  # DecodeError for anything that is not a JWT
        kid = str(header.get("kid"))
        self.lookups.append(kid)
        if kid not in self._jwks:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return jwt.PyJWK(self._jwks[kid])


class FakeUserPool:
    """Issues ID tokens the way the Cognito user pool named by `settings` would."""

    def __init__(self, settings: Settings, key: rsa.RSAPrivateKey, kid: str = "pool-key-1") -> None:
        self.settings = settings
        self.key = key
        self.kid = kid
        self.jwks = FakeJwks({kid: key.public_key()})

    def claims(self, overrides: Mapping[str, Any] | None = None, **more: Any) -> dict[str, Any]:
        """An ID token's claims, valid for an hour from now; a claim set to None is left out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "3f1c1c0e-1111-4a4a-9b9b-000000000001",
            "email": "fan@example.com",
            "aud": self.settings.user_pool_client_id,
            "iss": self.settings.token_issuer,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides or {})
        claims.update(more)
        return {k: v for k, v in claims.items() if v is not None}

    def id_token(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        """A token signed with `key` (the pool's by default); claims as in `claims()`."""
        return jwt.encode(
            self.claims(overrides, **claims),
            key or self.key,
            algorithm=algorithm,
            headers={"kid": kid or self.kid},
        )

    def unsigned_token(self, overrides: Mapping[str, Any] | None = None) -> str:
        """`alg: none`: claims anyone could write."""
        return jwt.encode(self.claims(overrides), "", algorithm="none", headers={"kid": self.kid})

    def hmac_token_keyed_with_public_key(self, overrides: Mapping[str, Any] | None = None) -> str:
        """The key-confusion attack: HS256 'signed' with the pool's *public* key as the secret."""
        secret = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        signing_input = (
            _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(self.claims(overrides)).encode())
        )
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
