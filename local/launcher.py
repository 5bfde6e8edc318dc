"""Start the laptop stack in the background on free ports (tests and benchmarks), and stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from local.emulator import free_port

ROOT = Path(__file__).resolve().parent.parent


class StackFailedError(RuntimeError):
    pass


@dataclass
class LaunchedStack:
    env: dict[str, str]
    process: subprocess.Popen[str]
    state_dir: Path
    output: list[str] = field(default_factory=list)  # what `local.stack` printed so far

    def url(self, port_variable: str) -> str:
        return f"http://127.0.0.1:{self.env[port_variable]}"


@contextmanager
def launched_stack(
    state_dir: Path,
    *,
    args: Sequence[str] = ("--no-seed",),
    extra_env: dict[str, str] | None = None,
    timeout: float = 180.0,
) -> Iterator[LaunchedStack]:
    """`python -m local.stack ARGS` on free ports; yields once it printed `Onsale is ready`."""
    env = dict(os.environ)
    env.update(
        {
            "ONSALE_API_PORT": str(free_port()),
            "ONSALE_EMULATOR_PORT": str(free_port()),
            "ONSALE_WEB_PORT": str(free_port()),
            "ONSALE_WS_PORT": str(free_port()),
            "ONSALE_WS_MANAGEMENT_PORT": str(free_port()),  # the gateway's @connections API
            "ONSALE_STATE_DIR": str(state_dir),
            "ONSALE_ADMIN_EMAIL": "admin@onsale.test",
            "ONSALE_ADMIN_PASSWORD": "admin-password-123",
        }
    )
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    launched = LaunchedStack(env=env, process=process, state_dir=state_dir)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            launched.output.append(line)
            if "Onsale is ready" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True, name="stack-output")
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not ready.is_set():
            if process.poll() is not None or time.monotonic() > deadline:
                reader.join(timeout=2)  # the exit's last words
                log = state_dir / "stack.log"
                tail = log.read_text()[-3000:] if log.exists() else ""
                raise StackFailedError("the local stack did not start:\n" + "".join(launched.output) + tail)
            time.sleep(0.2)
        yield launched
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
