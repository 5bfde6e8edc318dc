"""E-mails from templates: Jinja2 (autoescaped HTML and plain text), QR codes, the MIME message.

Messages go out through SES's SendRawEmail, because one-click unsubscribe needs its own headers
and tickets carry their QR codes as inline (CID) images. Text parts are 7-bit whenever they can
be (HTML is made ASCII with character references), so that a sent message stays readable as it
is in the emulator's record of sent mail; quoted-printable is the fallback.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
KINDS = ("booking_confirmed", "booking_cancelled", "reminder", "venue_alert", "waitlist_offer")
_MAX_7BIT_LINE = 900  # RFC 5321 allows 998; SES rejects lines over 1,000


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets
    data: bytes
    filename: str
    subtype: str = "png"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # Everything but HTML is plain text: escaping it would show "&amp;" to the reader.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def render(kind: str, context: dict[str, Any], images: tuple[InlineImage, ...] = ()) -> RenderedEmail:
    """Render `kind`'s subject, text and HTML templates with `context`."""
    if kind not in KINDS:
        raise ValueError(f"no templates for {kind!r}")
    env = environment()
    subject = env.get_template(f"{kind}.subject.txt").render(context)
    return RenderedEmail(
        # One line whatever the data says: a header cannot carry line breaks.
        subject=re.sub(r"\s+", " ", subject).strip()[:200],
        text=env.get_template(f"{kind}.txt").render(context),
        html=env.get_template(f"{kind}.html").render(context),
        images=images,
    )


def qr_png(content: str) -> bytes:
    """A QR code as PNG (segno, pure Python)."""
    import segno

    buffer = io.BytesIO()
    segno.make_qr(content, error="m").save(buffer, kind="png", scale=5, border=2)
    return buffer.getvalue()


def _transfer_encoding(text: str) -> str:
    ascii_only = text.isascii()
    short_lines = all(len(line) <= _MAX_7BIT_LINE for line in text.splitlines())
    return "7bit" if ascii_only and short_lines else "quoted-printable"


def mime_message(
    email: RenderedEmail, *, sender: str, to: str, headers: dict[str, str] | None = None
) -> bytes:
    """The raw message: multipart/alternative of text and (multipart/related) HTML + images."""
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formatdate, make_msgid

    message = EmailMessage(policy=SMTP)
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    for name, value in {**email.headers, **(headers or {})}.items():
        message[name] = value
    text = email.text if email.text.endswith("\n") else email.text + "\n"
    message.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    html = email.html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    message.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
    if email.images:
        parts = message.get_payload()
        assert isinstance(parts, list)
        html_part = parts[1]
        assert isinstance(html_part, EmailMessage)
        for image in email.images:
            html_part.add_related(
                image.data,
                maintype="image",
                subtype=image.subtype,
                cid=f"<{image.cid}>",
                filename=image.filename,
                disposition="inline",
            )
    return message.as_bytes()
