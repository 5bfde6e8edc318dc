"""Requests the HTTP server refuses before the app sees them — unknown methods, a malformed
request line, an HTTP version it does not speak, an over-long URL or header — are answered as
every other refusal is: a 4xx problem+json with a stable code, never an HTML page or a 5xx."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from tests.support import Api

PROBLEM = "application/problem+json"


def exchange(api: Api, raw: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    """Send `raw` bytes as they are; the status, headers (lower-case names) and JSON body."""
    address = urlsplit(api.base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):  # the server closes after a refusal
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    assert status_line.startswith("HTTP/1.1 "), status_line
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "FOO"])
def test_unknown_methods_are_405_with_the_methods_allowed(api: Api, method: str) -> None:
    response = api.call(method, "/health")

    assert response.status_code == 405
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unknown_method_on_an_unknown_path_is_404(api: Api) -> None:
    response = api.call("TRACE", "/no/such/route")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET /health HTTP/2.0\r\n\r\n", 400),
        (b"GET /health HTTP/1.1 extra\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),  # TLS spoken to plain HTTP
        (b"GET /events/search?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    ],
)
def test_what_is_not_http_enough_gets_a_problem(api: Api, raw: bytes, status: int) -> None:
    got, headers, body = exchange(api, raw)

    assert got == status
    assert headers["content-type"] == PROBLEM
    assert body["status"] == status and body["code"] == "invalid_request"
    assert len(str(body["detail"])) < 300  # the garbage is not echoed back whole
    assert headers["connection"] == "close"


def test_the_server_still_answers_after_the_garbage(api: Api) -> None:
    exchange(api, b"garbage\r\n\r\n")

    assert api.call("GET", "/health").json() == {"status": "ok"}


def chunked(body: bytes, size: int) -> bytes:
    """`body` sent as chunks of `size` bytes, then the last (empty) chunk."""
    pieces = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_is_read_whole(api: Api) -> None:
    email = f"chunked-{uuid.uuid4().hex[:12]}@example.com"
    body = json.dumps({"email": email, "password": "long-enough-1", "name": "Chunky"}).encode()
    head = b"POST /auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

    status, _, answer = exchange(
        api, head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(body, 7)
    )

    assert status == 201 and answer["user_id"]
    login = api.call("POST", "/auth/login", json={"email": email, "password": "long-enough-1"})
    assert login.status_code == 200


def test_a_malformed_chunked_body_is_400(api: Api) -> None:
    raw = b"POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"

    status, headers, body = exchange(api, raw)

    assert status == 400 and body["code"] == "invalid_request"
    assert headers["connection"] == "close"


def test_an_answer_to_head_carries_no_body_so_the_next_answer_is_read_right(api: Api) -> None:
    address = urlsplit(api.base)
    pipelined = (
        b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(pipelined)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk

    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405") and b"Allow: GET" in head  # HEAD is not a route here
    assert rest.startswith(b"HTTP/1.1 200")  # not the 405's problem document
    assert rest.endswith(b'{"status":"ok"}')
