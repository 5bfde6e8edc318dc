"""Shared fixtures. Integration tests run against the real laptop stack (`python -m local.stack`):
moto in server mode over HTTP, the API served as API Gateway would, and the event-source pollers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.emulator import free_port
from tests.support import Api, Stack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("onsale-state")
    env = dict(os.environ)
    env.update(
        {
            "ONSALE_API_PORT": str(free_port()),
            "ONSALE_EMULATOR_PORT": str(free_port()),
            "ONSALE_WEB_PORT": str(free_port()),
            "ONSALE_STATE_DIR": str(state),
            "ONSALE_ADMIN_EMAIL": "admin@onsale.test",
            "ONSALE_ADMIN_PASSWORD": "admin-password-123",
            "ONSALE_COUNT_AWS_CALLS": "1",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--no-seed"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Onsale is ready" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 180
    while not ready.is_set():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (state / "stack.log").read_text() if (state / "stack.log").exists() else ""
            pytest.fail("the local stack did not start:\n" + "".join(lines) + log[-3000:])
        time.sleep(0.2)
    try:
        yield Stack(
            api_url=f"http://127.0.0.1:{env['ONSALE_API_PORT']}",
            emulator_url=f"http://127.0.0.1:{env['ONSALE_EMULATOR_PORT']}",
            web_url=f"http://127.0.0.1:{env['ONSALE_WEB_PORT']}",
            admin_email=env["ONSALE_ADMIN_EMAIL"],
            admin_password=env["ONSALE_ADMIN_PASSWORD"],
            state_dir=state,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
