"""`make run` stops cleanly: on SIGTERM (and Ctrl-C) the stack exits by itself, with status 0,
and takes every process it started with it."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from local.launcher import launched_stack
from tests.infrastructure.test_local_api import alive, children_of


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
