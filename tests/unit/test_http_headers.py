"""The local servers' header parser gives what the standard library's gives, byte for byte."""

from __future__ import annotations

import http.client
import io
import random

import pytest

from local import http_headers

ODD_BLOCKS = [
    b"Host: a\r\n\r\n",
    b"\r\n",
    b"",  # the peer closed before the blank line
    b"Host: a\r\n",  # no blank line either
    b"Host: a\n\n",  # bare newlines
    b"A:  spaced  \r\nB:\r\nC:\t tab\r\n\r\n",  # leading space dropped, trailing kept, empty value
    b"A: 1\r\nA: 2\r\nContent-Length: 3\r\n\r\n",  # a repeated name
    b"A: folded\r\n  continued\r\n\r\n",  # an obsolete folded line
    b"Bad Header: x\r\n\r\n",  # a space in the name
    b"A : b\r\n\r\n",  # a space before the colon
    b"NoColon\r\nA: b\r\n\r\n",
    b": empty name\r\n\r\n",
    b"A: caf\xc3\xa9\r\n\r\n",  # UTF-8 bytes in a value
    b"A: \xff\xfe\r\n\r\n",  # bytes that are not UTF-8
    b"A: x\rY: z\r\n\r\n",  # a bare carriage return inside a line
    b"A: nul\x00here\r\n\r\n",
    b"From someone\r\nA: b\r\n\r\n",  # an mbox "From " line
    b"From: me\r\n\r\n",
    b"A: b\r\nbody-ish\r\n\r\n",
    b"X-Amz-Target: DynamoDB_20120810.Query\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"Authorization: AWS4-HMAC-SHA256 Credential=x/20261205/us-east-1/dynamodb/aws4_request, "
    b"SignedHeaders=content-type;host, Signature=ab\r\nContent-Length: 120\r\n\r\n",
]


def parsed(parse: object, raw: bytes) -> tuple[object, ...]:
    message = parse(io.BytesIO(raw))  # type: ignore[operator]
    return (
        message.items(),
        message.get_payload(),
        [type(defect) for defect in message.defects],
        message.get_unixfrom(),
        message.as_string(),
        message.get_all("A"),
    )


@pytest.mark.parametrize("raw", ODD_BLOCKS)
def test_every_block_parses_as_the_standard_library_parses_it(raw: bytes) -> None:
    assert parsed(http_headers.parse_headers, raw) == parsed(http.client.parse_headers, raw)


def test_random_blocks_parse_as_the_standard_library_parses_them() -> None:
    pieces = [b"A", b"x-y", b":", b": ", b" ", b"\t", b"v", b"\r", b"\n", b"\r\n", b"\xe9", b"From ", b"_"]
    rng = random.Random(20261205)
    for _ in range(2000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14))) + b"\r\n\r\n"
        assert parsed(http_headers.parse_headers, raw) == parsed(http.client.parse_headers, raw), raw


def test_a_plain_block_never_reaches_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the e-mail parser was used")

    monkeypatch.setattr(http_headers, "_parse_with_email", refuse)
    message = http_headers.parse_headers(io.BytesIO(ODD_BLOCKS[-1]))
    assert message["x-amz-target"] == "DynamoDB_20120810.Query"
    assert message["Content-Length"] == "120"


def test_the_rest_of_the_stream_is_left_unread() -> None:
    stream = io.BytesIO(b"Content-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\n")
    http_headers.parse_headers(stream)
    assert stream.read() == b"hiGET / HTTP/1.1\r\n"


def test_the_standard_librarys_limits_still_hold() -> None:
    with pytest.raises(http.client.LineTooLong):
        http_headers.parse_headers(io.BytesIO(b"A: " + b"x" * 70_000 + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
        http_headers.parse_headers(io.BytesIO(b"A: b\r\n" * 101 + b"\r\n"))


def test_install_puts_it_under_http_server_and_http_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http.client, "parse_headers", http.client.parse_headers)  # (restored after)
    http_headers.install()
    assert http.client.parse_headers is http_headers.parse_headers
