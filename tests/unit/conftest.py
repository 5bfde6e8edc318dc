"""Fixtures of the unit tests: settings from a known environment, an in-memory DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.models import Booking, Payment, SectionAvailability, table_name
from chalicelib.settings import Settings, get_settings
from tests.fakes.dynamodb import FakeDynamoDB

UNIT_ENV = {
    "ONSALE_STAGE": "unit",
    "ONSALE_TABLE_PREFIX": "unit-",
    "AWS_REGION": "eu-west-1",
    "ONSALE_USER_POOL_ID": "eu-west-1_UnitPool",
    "ONSALE_USER_POOL_CLIENT_ID": "unit-client-id",
    "ONSALE_PAYMENT_PROVIDER": "local",
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """`get_settings()` as the code sees it, built from UNIT_ENV (it is cached per process)."""
    for name, value in UNIT_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("ONSALE_AWS_ENDPOINT", "DAX_ENDPOINT", "ONSALE_COUNT_AWS_CALLS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def db(settings: Settings) -> FakeDynamoDB:
    """An in-memory DynamoDB with the tables these unit tests touch, named as the code names them."""
    fake = FakeDynamoDB()
    fake.create_table(table_name(SectionAvailability), "event_id", "section")
    fake.create_table(table_name(Payment), "payment_id")
    fake.create_table(table_name(Booking), "booking_id", indexes={"by_user": ("user_id", "created_at")})
    return fake
