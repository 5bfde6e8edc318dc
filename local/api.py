"""Serves the Chalice app on 127.0.0.1 the way API Gateway would, for the laptop stack.

Unknown paths get a problem+json 404 (API Gateway is configured the same way in AWS) rather
than `chalice local`'s bare 403.

With `--workers N` (N > 1) this process is only the front door: it listens on the port and deals
each accepted connection to N worker processes in turn (passing the socket over a Unix socket
pair), as API Gateway spreads requests over concurrent Lambda instances. Each worker has its own
warm caches, as an instance does. The kernel's own spreading (`SO_REUSEPORT`) hashes
connections: 16 keep-alive clients often landed 13 to 3, one worker saturating a core while the
other idled.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from http import HTTPStatus
from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, ThreadedHTTPServer

from chalicelib.errors import PROBLEM_CONTENT_TYPE, InvalidRequestError, NotFoundError, OnsaleError
from chalicelib.turns import FifoGate
from local import http_headers

# Like a Lambda function's reserved concurrency: at most this many requests of a worker run at
# once, the rest wait their turn, so a burst cannot swamp the emulator (which serves ~650
# requests/s).
_running = FifoGate(int(os.environ.get("ONSALE_API_CONCURRENCY", "16")))


# API Gateway's largest request payload, and http.server's longest line.
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_LINE_BYTES = 65_537


class _MalformedBody(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class ProblemRequestHandler(ChaliceRequestHandler):
    # Headers and body go out as two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    request_version: str  # (set by http.server as it reads the request line)

    def _generic_handle(self) -> None:
        with _running:
            try:
                super()._generic_handle()
            except _MalformedBody as error:
                self.send_error(error.status, str(error))

    def _parse_payload(self) -> tuple[dict[str, str], bytes | None]:
        """As chalice's, and a chunked body is read too (chalice reads `Content-Length` only: a
        chunked body went unread, and its bytes were taken for the next request)."""
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            headers, body = super()._parse_payload()
            return dict(headers), body
        body = self._read_chunked()
        headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
        headers["Content-Length"] = str(len(body))  # as API Gateway hands a Lambda the whole body
        return headers, body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        size = total = 0
        while True:
            line = self.rfile.readline(MAX_LINE_BYTES)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _MalformedBody(400, "The chunked request body is malformed") from None
            total += size
            if size < 0 or total > MAX_BODY_BYTES:
                raise _MalformedBody(413, f"The request body is over {MAX_BODY_BYTES:,} bytes")
            if size == 0:
                break
            parts.append(self.rfile.read(size))
            if self.rfile.readline(MAX_LINE_BYTES) not in (b"\r\n", b"\n"):
                raise _MalformedBody(400, "The chunked request body is malformed")
        while self.rfile.readline(MAX_LINE_BYTES) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields: none is used
        return b"".join(parts)

    # chalice binds these to its own `_generic_handle` at class creation: rebind them here.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, PROPFIND, FOO) goes to the app too, which answers 405 with
        # the path's methods in `Allow` (or 404 for an unknown path), as API Gateway refuses
        # methods it has no integration for; http.server's own answer is an HTML 501.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _send_http_response_with_body(self, code: int, headers: Any, body: str | bytes) -> None:
        """As chalice's, in one write: headers and body as two sends cost a second trip through
        the loopback stack and a second wake-up of the client (~10 % of a search's time)."""
        payload = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        for name, value in headers.items():
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, one)
        buffered = self.__dict__.setdefault("_headers_buffer", [])  # (none for HTTP/0.9)
        buffered.append(b"\r\n")  # the blank line `end_headers` adds
        if self.command != "HEAD":  # (an answer to HEAD has the length of a body but none)
            buffered.append(payload)
        self.flush_headers()

    def _send_http_response_no_body(self, code: int, headers: Any) -> None:
        if code != HTTPStatus.NO_CONTENT:
            super()._send_http_response_no_body(code, headers)
            return
        self.send_response(code)  # a 204 carries no Content-Length either (RFC 9110 §8.6)
        self._send_headers(headers)

    def _send_error_response(self, error: Any) -> None:  # chalice's hook for gateway errors
        code = getattr(error, "CODE", 500)
        if code == 403 and b"Missing Authentication Token" in getattr(error, "body", b""):
            self._send_problem(NotFoundError(f"No route for {self.command} {self.path.split('?')[0]}"))
            return
        super()._send_error_response(error)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals of what is not HTTP enough to reach the app (a malformed request
        line, an over-long URL or header, an unknown HTTP version) as problems, never as HTML or
        as a 5xx: each is the client's error."""
        self.log_error("code %d, message %s", code, message)
        status = code if 400 <= code < 500 else HTTPStatus.BAD_REQUEST
        detail = message or HTTPStatus(status).phrase
        problem = InvalidRequestError(detail if len(detail) <= 200 else detail[:200] + "…")
        problem.status = status
        if self.request_version == "HTTP/0.9":  # (no request line was read: answer in 1.1)
            self.request_version = "HTTP/1.1"
        self.close_connection = True  # the stream may be out of step: don't read another request
        self._send_problem(problem, close=True)

    def _send_problem(self, problem: OnsaleError, *, close: bool = False) -> None:
        headers = {"Content-Type": PROBLEM_CONTENT_TYPE, "Access-Control-Allow-Origin": "*"}
        if close:
            headers["Connection"] = "close"
        self._send_http_response_with_body(problem.status, headers, json.dumps(problem.to_problem()))


class ApiServer(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets connections when hundreds of fans arrive at once.
    request_queue_size = 1024


def serve(port: int, channel_fd: int | None) -> None:
    """Serve the app: on the port, or (a worker) on the connections the front door sends over
    the Unix socket `channel_fd`, until it closes."""
    from app import app

    http_headers.install()
    # As `chalice local` does: one current request per thread, never shared between callers.
    app.__class__ = type("ThreadLocalOnsale", (LocalChalice, type(app)), {})
    config = Config(chalice_stage="local", user_provided_params={"app_name": "onsale"})
    handler = functools.partial(ProblemRequestHandler, app_object=app, config=config)
    if channel_fd is None:
        print(f"Serving on http://127.0.0.1:{port}", flush=True)
        ApiServer(("127.0.0.1", port), handler).serve_forever()
        return
    server = ApiServer(("127.0.0.1", port), handler, bind_and_activate=False)
    channel = socket.socket(fileno=channel_fd)
    while True:
        message, fds, _, _ = socket.recv_fds(channel, 1, 1)
        if not message:
            return  # the front door is gone
        connection = socket.socket(fileno=fds[0])
        try:
            peer = connection.getpeername()
        except OSError:  # the client already left
            connection.close()
            continue
        server.process_request(connection, peer)  # a thread per connection


def front_door(port: int, workers: int) -> None:
    """Listen on the port and deal connections to `workers` worker processes in turn."""
    listener = socket.create_server(("127.0.0.1", port), backlog=ApiServer.request_queue_size)
    channels: list[socket.socket] = []
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        for _ in range(workers):
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            command = [sys.executable, "-m", "local.api", "--port", str(port)]
            command += ["--channel-fd", str(theirs.fileno())]
            children.append(subprocess.Popen(command, pass_fds=[theirs.fileno()]))
            theirs.close()
            channels.append(ours)
        print(f"Serving on http://127.0.0.1:{port} ({workers} workers)", flush=True)
        for channel in itertools.cycle(channels):
            connection, _ = listener.accept()
            with connection:
                socket.send_fds(channel, [b"c"], [connection.fileno()])
    finally:
        for channel in channels:
            channel.close()  # each worker exits at the end of its channel
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("ONSALE_API_PORT", "8000")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("ONSALE_API_WORKERS", "1")),
        help="worker processes behind one front door (1: this process serves)",
    )
    parser.add_argument("--channel-fd", type=int, help=argparse.SUPPRESS)  # a worker's connections
    args = parser.parse_args()
    try:
        if args.channel_fd is None and args.workers > 1:
            front_door(args.port, args.workers)
        else:
            serve(args.port, args.channel_fd)
    except KeyboardInterrupt:
        # Ctrl-C on `make run` reaches every process of the terminal's group, the front door
        # and each worker alike: each stops quietly, with status 0, as on SIGTERM.
        sys.exit(0)


if __name__ == "__main__":
    main()
