"""Signed one-click unsubscribe tokens (RFC 8058) and the signing key.

A token names a customer and a list (`marketing`, or `venue:<venue_id>`) and carries an
HMAC-SHA256 over both, keyed by a secret from Secrets Manager (created by the bootstrap
locally and by the stack's template in AWS; never in the code). Tokens do not expire: a
List-Unsubscribe link must keep working for as long as the e-mail sits in an inbox.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.errors import InvalidUnsubscribeTokenError
from chalicelib.settings import Settings, get_settings

MARKETING = "marketing"
VENUE_PREFIX = "venue:"
_LIST = re.compile(r"^(marketing|venue:[A-Za-z0-9_-]{1,64})$")
_USER = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_SIGNATURE_BYTES = 20


@dataclass(frozen=True)
class UnsubscribeRequest:
    user_id: str
    list_name: str

    @property
    def venue_id(self) -> str | None:
        return self.list_name.removeprefix(VENUE_PREFIX) if self.list_name.startswith(VENUE_PREFIX) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str, purpose: str) -> bytes:
    return hmac.new(key, f"{purpose}\0{payload}".encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def make_token(user_id: str, list_name: str, *, key: bytes) -> str:
    if not _USER.match(user_id) or not _LIST.match(list_name):
        raise ValueError("not a user id and list a token can name")
    payload = _b64(f"{user_id}|{list_name}".encode())
    return f"{payload}.{_b64(_signature(key, payload, 'unsubscribe'))}"


def read_token(token: str | None, *, key: bytes) -> UnsubscribeRequest:
    """The customer and list a token names; 400 `invalid_unsubscribe_token` for anything else."""
    if not token or len(token) > 400 or token.count(".") != 1:
        raise InvalidUnsubscribeTokenError()
    payload, signature = token.split(".")
    try:
        given = _unb64(signature)
        user_id, _, list_name = _unb64(payload).decode().partition("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidUnsubscribeTokenError() from None
    if not hmac.compare_digest(given, _signature(key, payload, "unsubscribe")):
        raise InvalidUnsubscribeTokenError()
    if not _USER.match(user_id) or not _LIST.match(list_name):
        raise InvalidUnsubscribeTokenError()
    return UnsubscribeRequest(user_id=user_id, list_name=list_name)


def ticket_code(booking_id: str, seat_id: str, *, key: bytes) -> str:
    """What a ticket's QR code encodes: booking, seat and a signature the door can check."""
    payload = f"{booking_id}:{seat_id}"
    return f"ONSALE1:{payload}:{_b64(_signature(key, payload, 'ticket'))}"


def signing_key(settings: Settings | None = None) -> bytes:
    settings = settings or get_settings()
    return _signing_key(settings.notifications_secret_id)


@functools.cache
def _signing_key(secret_id: str) -> bytes:
    if not secret_id:
        raise RuntimeError("ONSALE_NOTIFICATIONS_SECRET_ID names no secret: cannot sign links")
    secret = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        value = json.loads(secret)
    except ValueError:
        value = secret
    if isinstance(value, dict):
        value = value.get("signing_key", "")
    if not isinstance(value, str) or len(value) < 32:
        raise RuntimeError("the notifications secret holds no signing key of 32+ characters")
    return value.encode()


def confirmation_page(token: str | None) -> str:
    """The page an e-mail's footer link opens: one button that POSTs the token (RFC 8058 keeps
    GET harmless, since mail scanners follow links)."""
    from html import escape
    from urllib.parse import quote

    action = f"unsubscribe?token={quote(token or '', safe='')}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="font-family:Helvetica,Arial,sans-serif;max-width:480px;margin:40px auto;">'
        "<h1>Unsubscribe</h1><p>Stop receiving these e-mails from Onsale?</p>"
        f'<form method="post" action="{escape(action)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form></body></html>'
    )
