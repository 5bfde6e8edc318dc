"""Bearer tokens: only the user pool's own, unexpired ID tokens for this app are accepted."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.errors import UnauthorizedError
from chalicelib.identity.tokens import Principal, bearer_token, verify_token
from chalicelib.settings import Settings, load_settings
from tests.fakes.jwks import FakeJwks, FakeUserPool, new_rsa_key

SETTINGS = load_settings(
    {
        "AWS_REGION": "eu-west-1",
        "ONSALE_USER_POOL_ID": "eu-west-1_UnitPool",
        "ONSALE_USER_POOL_CLIENT_ID": "unit-client-id",
    }
)


@pytest.fixture(scope="module")
def pool_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def pool(pool_key: rsa.RSAPrivateKey) -> FakeUserPool:
    return FakeUserPool(SETTINGS, pool_key)


def rejected(token: str, pool: FakeUserPool, settings: Settings = SETTINGS) -> UnauthorizedError:
    with pytest.raises(UnauthorizedError) as caught:
        verify_token(token, settings, keys=pool.jwks)
    assert caught.value.status == 401
    assert caught.value.code == "unauthorized"
    return caught.value


def test_a_valid_id_token_names_the_user_and_their_groups(pool: FakeUserPool) -> None:
    # GIVEN an ID token the pool issued to a member of two groups
    token = pool.id_token({"cognito:groups": ["admins", "staff"]}, sub="user-123", email="ann@example.com")

    # WHEN it is verified
    principal = verify_token(token, SETTINGS, keys=pool.jwks)

    # THEN the caller is that user, in those groups
    assert principal == Principal(
        user_id="user-123", email="ann@example.com", groups=frozenset({"admins", "staff"})
    )
    assert principal.in_group("admins")
    assert not principal.in_group("owners")
    assert pool.jwks.lookups == [pool.kid]


def test_a_token_without_groups_belongs_to_no_group(pool: FakeUserPool) -> None:
    principal = verify_token(pool.id_token(), SETTINGS, keys=pool.jwks)

    assert principal.groups == frozenset()
    assert not principal.in_group(SETTINGS.admin_group)


def test_an_expired_token_is_refused_with_a_sign_in_again_message(pool: FakeUserPool) -> None:
    an_hour_ago = int(time.time()) - 3600
    token = pool.id_token(iat=an_hour_ago - 3600, auth_time=an_hour_ago - 3600, exp=an_hour_ago)

    error = rejected(token, pool)

    assert "expired" in error.detail


def test_a_token_for_another_app_client_is_refused(pool: FakeUserPool) -> None:
    rejected(pool.id_token(aud="some-other-client"), pool)


def test_a_token_from_another_user_pool_is_refused(pool: FakeUserPool) -> None:
    other_pool = load_settings({"AWS_REGION": "eu-west-1", "ONSALE_USER_POOL_ID": "eu-west-1_Elsewhere"})

    rejected(pool.id_token(iss=other_pool.token_issuer), pool)


def test_a_token_signed_by_another_key_under_the_pools_key_id_is_refused(
    pool: FakeUserPool, other_key: rsa.RSAPrivateKey
) -> None:
    # GIVEN a forger who knows the pool's key id but not its private key
    forged = pool.id_token({"cognito:groups": ["admins"]}, key=other_key)

    rejected(forged, pool)


def test_a_token_naming_an_unknown_key_is_refused(pool: FakeUserPool, other_key: rsa.RSAPrivateKey) -> None:
    rejected(pool.id_token(key=other_key, kid="not-a-pool-key"), pool)


def test_an_access_token_is_refused_because_it_carries_no_identity(pool: FakeUserPool) -> None:
    error = rejected(pool.id_token(token_use="access"), pool)

    assert "ID token" in error.detail


def test_a_token_without_token_use_is_refused(pool: FakeUserPool) -> None:
    rejected(pool.id_token(token_use=None), pool)


@pytest.mark.parametrize("claim", ["sub", "iat", "exp", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(pool: FakeUserPool, claim: str) -> None:
    rejected(pool.id_token({claim: None}), pool)


def test_a_token_not_valid_yet_is_refused(pool: FakeUserPool) -> None:
    rejected(pool.id_token(nbf=int(time.time()) + 3600), pool)


def test_an_unsigned_alg_none_token_is_refused(pool: FakeUserPool) -> None:
    rejected(pool.unsigned_token({"cognito:groups": ["admins"]}), pool)


def test_an_hs256_token_keyed_with_the_public_key_is_refused(pool: FakeUserPool) -> None:
    rejected(pool.hmac_token_keyed_with_public_key({"cognito:groups": ["admins"]}), pool)


def test_only_rs256_is_accepted_even_from_the_pools_own_key(pool: FakeUserPool) -> None:
    rejected(pool.id_token(algorithm="RS512"), pool)


@pytest.mark.parametrize(
    "garbage",
    ["", "garbage", "a.b.c", "Bearer abc", "eyJhbGciOiJSUzI1NiJ9.e30", "ey.ey.ey.ey", "\x00\xff"],
)
def test_garbage_is_refused(pool: FakeUserPool, garbage: str) -> None:
    rejected(garbage, pool)


def test_the_key_source_is_asked_only_for_the_tokens_key(pool_key: rsa.RSAPrivateKey) -> None:
    # GIVEN a JWKS publishing two keys (as during a key rotation)
    rotated = new_rsa_key()
    pool = FakeUserPool(SETTINGS, rotated, kid="pool-key-2")
    pool.jwks = FakeJwks({"pool-key-1": pool_key.public_key(), "pool-key-2": rotated.public_key()})

    # WHEN a token signed with the new key arrives THEN it verifies
    assert verify_token(pool.id_token(sub="u-2"), SETTINGS, keys=pool.jwks).user_id == "u-2"
    # AND a token signed with the old key still verifies under its own key id
    old = FakeUserPool(SETTINGS, pool_key, kid="pool-key-1")
    assert verify_token(old.id_token(sub="u-1"), SETTINGS, keys=pool.jwks).user_id == "u-1"


# --- the Authorization header ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("BEARER abc.def.ghi", "abc.def.ghi"),
        ("  Bearer   abc.def.ghi  ", "abc.def.ghi"),
    ],
)
def test_bearer_token_reads_the_token(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    "header",
    [None, "", "   ", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "abc.def.ghi"],
)
def test_bearer_token_refuses_a_missing_or_malformed_header(header: str | None) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        bearer_token(header)

    assert caught.value.status == 401
    assert "Bearer" in caught.value.detail
