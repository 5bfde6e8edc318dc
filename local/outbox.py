"""The laptop stack's outbox: every e-mail the emulator's SES accepted, decoded for people.

moto records sent mail in `GET /moto-api/data.json` under `ses`: `Message` (SendEmail: subject
and one body) and `RawMessage` (SendRawEmail: the whole MIME message). This turns both into
`{id, to, from, subject, date, text, html, headers}`, newest first, with inline (CID) images
turned into data URIs so that the HTML shows as it would in a mail client. The web server of
`make run` relays it as `/outbox.json` for the developer outbox page (`web/outbox.html`), and
integration tests read sent mail through it.
"""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import requests

HEADERS_KEPT = ("List-Unsubscribe", "List-Unsubscribe-Post", "Message-ID", "Date")


def fetch_sent_mail(emulator_url: str, timeout: float = 10) -> list[dict[str, Any]]:
    response = requests.get(f"{emulator_url.rstrip('/')}/moto-api/data.json", timeout=timeout)
    response.raise_for_status()
    return sent_mail(response.json())


def sent_mail(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sent e-mail in moto's data dump, newest first."""
    ses = data.get("ses", {})
    found: list[dict[str, Any]] = []
    for record in ses.get("Message", []):
        destinations = record.get("destinations") or {}
        found.append(
            {
                "id": record.get("id", ""),
                "to": sorted(set(destinations.get("ToAddresses", []))),
                "from": record.get("source", ""),
                "subject": record.get("subject", ""),
                "date": None,
                "text": "",
                "html": record.get("body", ""),
                "headers": {},
            }
        )
    for record in ses.get("RawMessage", []):
        found.append(_raw(record))
    found.reverse()  # moto keeps them in sending order
    return found


def _raw(record: dict[str, Any]) -> dict[str, Any]:
    message = email.message_from_string(record.get("raw_data", ""), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content() if html_part is not None else ""
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                uri = f"data:{part.get_content_type()};base64,{base64.b64encode(payload).decode()}"
                html = html.replace(f"cid:{cid.strip('<>')}", uri)
    date = message.get("Date")
    return {
        "id": record.get("id", ""),
        "to": sorted(set(record.get("destinations") or [])) or [str(message.get("To", ""))],
        "from": str(message.get("From", record.get("source", ""))),
        "subject": str(message.get("Subject", "")),
        "date": parsedate_to_datetime(str(date)).isoformat() if date else None,
        "text": text_part.get_content() if text_part is not None else "",
        "html": html,
        "headers": {name: str(message[name]) for name in HEADERS_KEPT if message[name] is not None},
        "images": sum(1 for part in message.walk() if part.get_content_maintype() == "image"),
    }
