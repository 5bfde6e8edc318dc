"""The local API writes each answer in one send: status line, headers and body together."""

from __future__ import annotations

import http.client
import io

from local.api import ProblemRequestHandler


class RecordingWriter:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.writes.append(bytes(data))
        return len(data)


def handler() -> tuple[ProblemRequestHandler, RecordingWriter]:
    one = object.__new__(ProblemRequestHandler)  # no socket: only the writing half is used
    writer = RecordingWriter()
    one.wfile = writer
    one.request_version = "HTTP/1.1"
    one.command = "GET"
    one.requestline = "GET /events/search?q=x HTTP/1.1"
    one.client_address = ("127.0.0.1", 40000)
    one.close_connection = False
    one.log_message = lambda *args: None
    return one, writer


def parsed(raw: bytes) -> http.client.HTTPResponse:
    class Sock:
        def makefile(self, *_: object) -> io.BytesIO:
            return io.BytesIO(raw)

    response = http.client.HTTPResponse(Sock())  # type: ignore[arg-type]
    response.begin()
    return response


def test_an_answer_goes_out_in_one_write_with_its_headers() -> None:
    one, writer = handler()
    body = '{"events":[],"next_cursor":null,"note":"caf\u00e9"}'

    headers = {"Content-Type": "application/json", "Cache-Control": "public, max-age=5"}
    one._send_http_response_with_body(200, {**headers, "Vary": ["Origin", "Accept"]}, body)

    assert len(writer.writes) == 1
    response = parsed(writer.writes[0])
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("Cache-Control") == "public, max-age=5"
    assert response.msg.get_all("Vary") == ["Origin", "Accept"]
    assert response.read() == body.encode()  # Content-Length counts bytes, not characters
    assert not one.close_connection


def test_a_connection_close_header_still_closes_the_connection() -> None:
    one, writer = handler()

    headers = {"Content-Type": "application/problem+json", "Connection": "close"}
    one._send_http_response_with_body(400, headers, b"{}")

    assert len(writer.writes) == 1
    assert parsed(writer.writes[0]).getheader("Content-Type") == "application/problem+json"
    assert one.close_connection


def test_an_answer_to_head_has_the_length_of_its_body_but_none() -> None:
    one, writer = handler()
    one.command = "HEAD"

    one._send_http_response_with_body(405, {"Content-Type": "application/problem+json"}, b'{"code":"x"}')

    (sent,) = writer.writes
    head, _, rest = sent.partition(b"\r\n\r\n")
    assert rest == b""  # a body would be read as the start of the next answer on this connection
    assert b"Content-Length: 12" in head
