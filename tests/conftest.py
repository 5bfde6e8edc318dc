"""Shared fixtures. Integration tests run against the real laptop stack (`python -m local.stack`):
moto in server mode over HTTP, the API served as API Gateway would, and the event-source pollers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.launcher import StackFailedError, launched_stack
from tests.support import Api, Stack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("onsale-state")
    try:
        with launched_stack(state, extra_env={"ONSALE_COUNT_AWS_CALLS": "1"}) as launched:
            yield Stack(
                api_url=launched.url("ONSALE_API_PORT"),
                emulator_url=launched.url("ONSALE_EMULATOR_PORT"),
                web_url=launched.url("ONSALE_WEB_PORT"),
                ws_url=f"ws://127.0.0.1:{launched.env['ONSALE_WS_PORT']}",
                ws_management_url=f"{launched.url('ONSALE_WS_MANAGEMENT_PORT')}/local",
                admin_email=launched.env["ONSALE_ADMIN_EMAIL"],
                admin_password=launched.env["ONSALE_ADMIN_PASSWORD"],
                state_dir=state,
            )
    except StackFailedError as failure:
        pytest.fail(str(failure))


@pytest.fixture(scope="session")
def api(stack: Stack) -> Api:
    return Api(stack)


@pytest.fixture
def services(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point this process's service functions at the stack's emulator (for in-process calls)."""
    from chalicelib import aws, payments
    from chalicelib.settings import get_settings

    monkeypatch.setenv("ONSALE_AWS_ENDPOINT", stack.emulator_url)
    monkeypatch.setenv("ONSALE_STAGE", "local")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "onsale-local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "onsale-local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    caches = [get_settings, aws.session, aws.client, aws.dynamodb_reader, payments.provider]
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()
