"""The AWS emulator of the laptop stack: moto in server mode, over real HTTP on 127.0.0.1
(with the concurrency fixes of `local.moto_server`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f}s") from None
            time.sleep(0.1)


def start_emulator(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    if not port_is_free(port):
        raise RuntimeError(f"port {port} is taken: set ONSALE_EMULATOR_PORT to a free port")
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "local.moto_server", "127.0.0.1", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_http(f"http://127.0.0.1:{port}/moto-api/")
    return process
