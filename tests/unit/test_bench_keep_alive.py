"""The search benchmark's lean HTTP client, against a real HTTP/1.1 server on a socket: it reuses
its connection, reads bodies that arrive in pieces, and opens a new connection when the server
closes one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.search import KeepAlive

BIG = b"x" * 1_000_000  # several reads' worth


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()

    def do_GET(self) -> None:
        Handler.connections.add(self.client_address[1])
        if self.path.startswith("/big"):
            self.answer(200, BIG, {"X-Onsale-Aws-Calls": "dynamodb.GetItem=1"})
        elif self.path.startswith("/close"):
            self.answer(400, b'{"code":"invalid_request"}', {"Connection": "close"})
            self.close_connection = True
        elif self.path.startswith("/quietly-closed"):  # as an idle connection's timeout does
            self.answer(200, b"bye", {})
            self.close_connection = True
        elif self.path.startswith("/empty"):
            self.send_response(204)
            self.end_headers()
        else:
            self.answer(200, self.path.encode(), {})

    def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        time.sleep(0.01)  # the body arrives after the headers, in another read
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.connections = set()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_answers_come_whole_over_one_kept_connection(base: str) -> None:
    client = KeepAlive(base)

    first = client.get(client.target("/search", {"q": "café ümlaut", "city": "São Paulo"}))
    big = client.get("/big")
    empty = client.get("/empty")

    assert first[0] == 200 and first[2] == b"/search?q=caf%C3%A9+%C3%BCmlaut&city=S%C3%A3o+Paulo"
    assert big[0] == 200 and big[2] == BIG and big[1]["x-onsale-aws-calls"] == "dynamodb.GetItem=1"
    assert empty[0] == 204 and empty[2] == b""
    assert len(Handler.connections) == 1


def test_a_connection_the_server_closes_is_replaced(base: str) -> None:
    client = KeepAlive(base)

    refused = client.get("/close")
    after = client.get("/quietly-closed")
    again = client.get("/next")  # sent on the closed connection first, then on a new one

    assert refused[0] == 400 and refused[2] == b'{"code":"invalid_request"}'
    assert after[0] == 200 and after[2] == b"bye"
    assert again[0] == 200 and again[2] == b"/next"
    assert len(Handler.connections) == 3
