"""Delivering one fact: claim it, resolve the recipient, compose, send through SES, mark it sent.

Never called from a booking request: the stream consumers and the reminder schedule call it,
so a failing send is retried (and finally dead-lettered) without touching any booking.
Logs carry ids only: never an address, a name or payment data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.models import Event
from chalicelib.notifications import compose, ledger, recipients
from chalicelib.notifications import unsubscribe as tokens
from chalicelib.notifications.facts import Fact
from chalicelib.settings import Settings, get_settings

logger = logging.getLogger("onsale.notifications")

Recommend = Callable[..., list[dict[str, Any]]]
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX"}


class ClaimBusyError(Exception):
    """Another sender holds this fact's claim; try again once its lease has run out."""


def describe(exc: BaseException) -> str:
    """An exception as a log may show it: its type and AWS error code, never its message
    (an SES error message can quote an address)."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    return f"{type(exc).__name__}{f' ({code})' if code else ''}"


def money(total: dict[str, Any]) -> str:
    amount, currency = int(total["amount"]), str(total["currency"])
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{currency} {amount:,}"
    return f"{currency} {amount / 100:,.2f}"


def when(moment: datetime, time_zone: str | None = None) -> str:
    """A time as an e-mail shows it: in the venue's zone, named by its abbreviation ("Sat 12 Dec
    2026, 19:30 CST"), when the venue has one; in UTC otherwise (or if the zone cannot be loaded
    here: a wrong-zone time would be worse than a UTC one)."""
    zone = _zone(time_zone)
    if zone is None:
        return moment.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")
    local = moment.astimezone(zone)
    name = local.tzname() or ""
    # Zones without a letter abbreviation are named by their offset ("+04"): say from what.
    if not name or name[0] in "+-":
        name = f"UTC{name}"
    return f"{local.strftime('%a %d %b %Y, %H:%M')} {name}"


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)  # validated when the venue was created; ZoneInfo caches instances
    except (ZoneInfoNotFoundError, ValueError, OSError):
        logger.warning("time zone %r cannot be loaded; showing UTC", name)
        return None


def _default_recommend() -> Recommend | None:
    try:
        from chalicelib.catalog import recommendations  # built alongside (issue 6 §3)
    except ImportError:
        return None
    recommend: Recommend = recommendations.recommend
    return recommend


@dataclass
class Postman:
    db: Any
    ses: Any
    settings: Settings
    key: Callable[[], bytes]
    clock: Callable[[], float] = time.time
    recommend: Recommend | None = None
    _events: dict[str, Event] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Postman:
        from chalicelib import aws

        settings = get_settings()
        return cls(
            db=aws.dynamodb(),
            ses=aws.client("ses"),
            settings=settings,
            key=lambda: tokens.signing_key(settings),
            recommend=_default_recommend(),
        )

    # --- the one operation ------------------------------------------------------------------

    def deliver(self, fact: Fact) -> str:
        """Send the e-mail for `fact` unless it went already: "sent", "duplicate" or "skipped".

        Raises ClaimBusyError when another sender holds the fact, and the sender's error when
        SES fails (after releasing the claim, so that a retry can send at once).
        """
        now = self.clock()
        outcome, claim_id = ledger.claim(
            self.db,
            fact_key=fact.key,
            user_id=fact.user_id,
            kind=fact.kind,
            now=now,
            lease_seconds=self.settings.notification_lease_seconds,
        )
        if outcome is ledger.ClaimOutcome.DONE:
            logger.info("%s was already handled", fact.key)
            return "duplicate"
        if outcome is ledger.ClaimOutcome.BUSY or claim_id is None:
            raise ClaimBusyError(fact.key)
        recipient = recipients.resolve(fact.user_id, db=self.db)
        reason = self._reason_to_skip(fact, recipient)
        if reason is not None or recipient is None:
            ledger.mark_skipped(
                self.db, fact_key=fact.key, claim_id=claim_id, reason=reason or "no_recipient"
            )
            logger.info("%s skipped: %s", fact.key, reason)
            return "skipped"
        try:
            email, headers = self.render_email(fact, recipient)
            raw = compose.mime_message(
                email, sender=self.settings.email_from, to=recipient.email, headers=headers
            )
            message_id = self._send(raw, recipient.email)
        except Exception as exc:
            ledger.release(self.db, fact_key=fact.key, claim_id=claim_id)
            logger.error("%s not sent: %s", fact.key, describe(exc))
            raise
        ledger.mark_sent(
            self.db,
            fact_key=fact.key,
            claim_id=claim_id,
            message_id=message_id,
            subject=email.subject,
            now=self.clock(),
        )
        logger.info("%s sent to user %s as %s", fact.key, fact.user_id, message_id)
        return "sent"

    def _reason_to_skip(self, fact: Fact, recipient: recipients.Recipient | None) -> str | None:
        if recipient is None:
            return "no_recipient"  # no such customer, or erased
        if fact.kind == "venue_alert":
            from chalicelib.notifications.subscriptions import is_following

            if not is_following(fact.user_id, fact.data["venue_id"], db=self.db):
                return "not_subscribed"
        return None

    def _send(self, raw: bytes, to: str) -> str:
        kwargs: dict[str, Any] = {
            "Source": parseaddr(self.settings.email_from)[1],
            "Destinations": [to],
            "RawMessage": {"Data": raw},
        }
        if self.settings.email_configuration_set:
            kwargs["ConfigurationSetName"] = self.settings.email_configuration_set
        return str(self.ses.send_raw_email(**kwargs)["MessageId"])

    # --- composing ----------------------------------------------------------------------------

    def render_email(
        self, fact: Fact, recipient: recipients.Recipient
    ) -> tuple[compose.RenderedEmail, dict[str, str]]:
        """The rendered e-mail for a fact and the extra headers (List-Unsubscribe) it needs."""
        event = self._event(fact.data["event_id"])
        context: dict[str, Any] = {
            "recipient_name": recipient.name,
            "event": self._event_context(event),
            "unsubscribe_url": None,
            "recommendations": [],
        }
        images: tuple[compose.InlineImage, ...] = ()
        marketing_list = fact.marketing_list
        if fact.kind in {"booking_confirmed", "booking_cancelled", "reminder"}:
            context["booking"], images = self._booking_context(fact, event)
        if fact.kind == "booking_confirmed" and recipient.marketing_consent:
            context["recommendations"] = self._recommendations(event.event_id)
            if context["recommendations"]:
                marketing_list = tokens.MARKETING
        if fact.kind == "waitlist_offer":
            context["offer"] = {
                "quantity": fact.data["quantity"],
                "hold_id": fact.data["hold_id"],
                # In the venue's zone too, so that every time in one e-mail reads the same way.
                "expires": when(datetime.fromtimestamp(fact.data["expires_at"], UTC), event.venue.time_zone),
                "url": f"{self.settings.web_url}/#/holds/{quote(fact.data['hold_id'], safe='')}",
            }
        headers: dict[str, str] = {}
        if marketing_list is not None:
            token = tokens.make_token(recipient.user_id, marketing_list, key=self.key())
            url = f"{self.settings.api_url}/unsubscribe?token={token}"
            mailto = f"mailto:{self.settings.unsubscribe_mailto}?subject=unsubscribe%20{token}"
            headers = {
                "List-Unsubscribe": f"<{url}>, <{mailto}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            context["unsubscribe_url"] = url
        return compose.render(fact.kind, context, images), headers

    def _event(self, event_id: str) -> Event:
        if event_id not in self._events:
            from chalicelib.catalog.events import load_event

            self._events[event_id] = load_event(event_id, db=self.db)
        return self._events[event_id]

    def _event_context(self, event: Event) -> dict[str, Any]:
        return {
            "event_id": event.event_id,
            "name": event.name,
            "description": event.description or "",
            "starts": when(event.start_at, event.venue.time_zone),
            "venue_name": event.venue.name,
            "venue_city": event.venue.city,
            "venue_address": event.venue.address,
            "url": f"{self.settings.web_url}/#/events/{quote(event.event_id, safe='')}",
        }

    def _booking_context(
        self, fact: Fact, event: Event
    ) -> tuple[dict[str, Any], tuple[compose.InlineImage, ...]]:
        sections = {str(s.slug): str(s.section) for s in event.sections}
        seats, images = [], []
        booking_id = fact.data["booking_id"]
        for index, seat_id in enumerate(fact.data["seat_ids"], start=1):
            slug, _, rest = seat_id.partition("-")
            row, _, number = rest.rpartition("-")
            seat = {
                "seat_id": seat_id,
                "section": sections.get(slug, slug),
                "row": row,
                "number": number,
                "qr_cid": f"ticket-{index}@onsale",
                "code": "",
            }
            if fact.kind == "booking_confirmed":
                seat["code"] = tokens.ticket_code(booking_id, seat_id, key=self.key())
                images.append(
                    compose.InlineImage(
                        cid=seat["qr_cid"],
                        data=compose.qr_png(seat["code"]),
                        filename=f"ticket-{seat_id}.png",
                    )
                )
            seats.append(seat)
        booking = {
            "booking_id": booking_id,
            "url": f"{self.settings.web_url}/#/bookings/{quote(booking_id, safe='')}",
            "seats": seats,
            "seat_list": ", ".join(fact.data["seat_ids"]),
            "total": money(fact.data["total"]),
        }
        return booking, tuple(images)

    def _recommendations(self, event_id: str) -> list[dict[str, Any]]:
        """Suggestions for a confirmation: best effort, never a reason not to confirm."""
        if self.recommend is None:
            return []
        try:
            found = self.recommend(event_id, limit=3)
            items = []
            for summary in found[:3]:
                starts = datetime.fromisoformat(str(summary["start_at"]).replace("Z", "+00:00"))
                items.append(
                    {
                        "name": str(summary["name"]),
                        "starts": when(starts, summary["venue"].get("time_zone")),
                        "venue": f"{summary['venue']['name']}, {summary['venue']['city']}",
                        "url": f"{self.settings.web_url}/#/events/{quote(str(summary['event_id']), safe='')}",
                    }
                )
            return items
        except Exception as exc:
            logger.warning("recommendations for %s unavailable: %s", event_id, describe(exc))
            return []
