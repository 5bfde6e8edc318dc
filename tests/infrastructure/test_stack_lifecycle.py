"""`make run` stops cleanly: on SIGTERM (and Ctrl-C) the stack exits by itself, with status 0,
and takes every process it started with it, leaving no traceback in the API's log."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.emulator import free_port
from local.launcher import launched_stack
from tests.infrastructure.test_local_api import ROOT, alive, children_of


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_stack_exits_on_its_own_and_leaves_no_process(tmp_path: Path, stop_signal: int) -> None:
    with launched_stack(tmp_path / "state") as stack:
        process = stack.process
        children = children_of(process.pid)
        assert len(children) >= 2  # the emulator and the API at least
        process.send_signal(stop_signal)
        try:
            status = process.wait(timeout=60)  # generous: a hang, not slowness, is the failure
        except subprocess.TimeoutExpired:
            pytest.fail("the stack did not exit after the signal; the launcher will kill it")
        assert status == 0, "".join(stack.output[-20:])
    assert [pid for pid in children if alive(pid)] == []
    api_log = (tmp_path / "state" / "api.log").read_text(errors="replace")
    assert "Serving on" in api_log
    assert "Traceback" not in api_log, api_log[-3000:]


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for child in children_of(pid):
        found += [child, *descendants(child)]
    return found


def answer_health(port: int, connections: int) -> None:
    """GET /health on `connections` connections in turn (one per worker), once the port listens."""
    deadline = time.monotonic() + 60
    answered = 0
    while answered < connections:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b'{"status":"ok"}')
            answered += 1
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the API never listened"
            time.sleep(0.1)
        finally:
            connection.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_the_api_quietly(tmp_path: Path, workers: int) -> None:
    # GIVEN the API as `make run` starts it: one process, or a front door and its workers
    port = free_port()
    log = tmp_path / "api.log"
    env = {**os.environ, "ONSALE_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    command = [sys.executable, "-m", "local.api", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        api = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    tree: list[int] = []
    try:
        answer_health(port, connections=workers)
        tree = [api.pid, *descendants(api.pid)]
        assert len(tree) == (1 if workers == 1 else 1 + workers)

        # WHEN Ctrl-C is pressed: the terminal sends SIGINT to every process of its foreground group
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        try:
            status = api.wait(timeout=30)  # generous: a hang, not slowness, is the failure
        except subprocess.TimeoutExpired:
            pytest.fail("the API did not exit on Ctrl-C")
    finally:
        if api.poll() is None:
            api.kill()
            api.wait(timeout=10)

    # THEN every process stops, the API with status 0, and none prints a traceback
    assert status == 0, log.read_text(errors="replace")[-3000:]
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in tree if alive(pid)] == []
    text = log.read_text(errors="replace")
    assert "Serving on" in text
    assert "Traceback" not in text, text[-3000:]
    assert "KeyboardInterrupt" not in text, text[-3000:]
