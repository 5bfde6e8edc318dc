"""The laptop's API server with several workers: one front door deals connections to them in turn."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from local.emulator import free_port

ROOT = Path(__file__).resolve().parents[2]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def sockets_of(pid: int) -> int:
    fds = (Path("/proc") / str(pid) / "fd").iterdir()
    return sum(1 for fd in fds if os.readlink(fd).startswith("socket:"))


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_connections_are_dealt_to_the_workers_in_turn_and_the_workers_stop_with_it(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ONSALE_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    command = [sys.executable, "-m", "local.api", "--port", str(port), "--workers", "2"]
    front = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = children_of(front.pid)
        assert len(workers) == 2
        warm = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(2)]
        for connection in warm:  # one to each worker: waits for both to load the app
            connection.request("GET", "/health")
            assert connection.getresponse().read() == b'{"status":"ok"}'
        before = {pid: sockets_of(pid) for pid in workers}

        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(4)]
        for connection in connections:  # kept open (keep-alive) after their answer
            connection.request("GET", "/health")
            response = connection.getresponse()
            assert response.status == 200
            response.read()
        connections[0].request("GET", "/no/such/route")
        missing = connections[0].getresponse()

        assert missing.status == 404
        assert json.loads(missing.read())["code"] == "not_found"
        assert [sockets_of(pid) - before[pid] for pid in workers] == [2, 2]
        for connection in [*warm, *connections]:
            connection.close()
    finally:
        front.terminate()
        front.wait(timeout=15)
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
