"""HTTP header blocks parsed without the e-mail package, for the laptop stack's servers.

`http.server` (under the local API and the emulator alike) and `http.client` (under botocore's
requests to the emulator) parse every header block with `email.parser`, a general MIME parser,
three times per cold event view; parsing them here took ~8 % off the emulator's CPU per Query
and ~7 % off a cold view's across the stack (decision 34). A plain block (each line
`Name: value`, printable ASCII, no folded lines) is parsed here into the same `HTTPMessage`,
through its public interface. Anything else takes the standard library's own parser, so what a
hostile or odd request gets is unchanged.
"""

from __future__ import annotations

import http.client
import re
from typing import Any

# A header line as RFC 9110 writes it: a token, a colon, a value of visible ASCII, spaces and
# tabs. (The e-mail parser accepts more as a name; those blocks go to it.)
_PLAIN_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e]*\r?\n")
_END = (b"\r\n", b"\n")


def parse_headers(fp: Any, _class: type[http.client.HTTPMessage] = http.client.HTTPMessage) -> Any:
    """`http.client.parse_headers`: the same message for the same bytes, read the same way
    (with its limits on line length and header count)."""
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]  # (raises on the limits)
    if lines[-1] not in _END or not all(_PLAIN_LINE.fullmatch(line) for line in lines[:-1]):
        return _parse_with_email(lines, _class)
    message = _class()
    for line in lines[:-1]:
        name, _, value = line.decode("ascii").partition(":")
        message[name] = value.lstrip(" \t").rstrip("\r\n")  # as the e-mail parser keeps a value
    message.set_payload("")  # (what the e-mail parser leaves after the blank line)
    return message


def _parse_with_email(lines: list[bytes], _class: type[http.client.HTTPMessage]) -> Any:
    import email.parser

    return email.parser.Parser(_class=_class).parsestr(b"".join(lines).decode("iso-8859-1"))


def install() -> None:
    """Parse this process's HTTP header blocks here (servers' requests, clients' responses)."""
    http.client.parse_headers = parse_headers  # type: ignore[assignment]
