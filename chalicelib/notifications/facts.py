"""Facts worth an e-mail, each named by a key that identifies it once and for all.

The key is what makes sending exactly-once: `booking_confirmed#<booking_id>`,
`booking_cancelled#<booking_id>`, `reminder#<booking_id>`, `venue_alert#<event_id>#<user_id>`,
`waitlist_offer#<waitlist_id>#<offer_count>`. Facts carry ids and what the stream image says
(seats, totals), never an address or a name: recipients are resolved at send time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    kind: str
    key: str
    user_id: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def marketing_list(self) -> str | None:
        """The list a marketing e-mail belongs to (unsubscribe target), None for transactional."""
        if self.kind == "venue_alert":
            return f"venue:{self.data['venue_id']}"
        return None


def _booking_data(booking: dict[str, Any]) -> dict[str, Any]:
    return {
        "booking_id": booking["booking_id"],
        "event_id": booking["event_id"],
        "seat_ids": [str(s) for s in booking["seat_ids"]],
        "total": {"amount": int(booking["total"]["amount"]), "currency": str(booking["total"]["currency"])},
    }


def booking_confirmed(booking: dict[str, Any]) -> Fact:
    return Fact(
        "booking_confirmed",
        f"booking_confirmed#{booking['booking_id']}",
        booking["user_id"],
        _booking_data(booking),
    )


def booking_cancelled(booking: dict[str, Any]) -> Fact:
    return Fact(
        "booking_cancelled",
        f"booking_cancelled#{booking['booking_id']}",
        booking["user_id"],
        _booking_data(booking),
    )


def reminder(booking: dict[str, Any]) -> Fact:
    return Fact("reminder", f"reminder#{booking['booking_id']}", booking["user_id"], _booking_data(booking))


def venue_alert(*, event_id: str, venue_id: str, user_id: str) -> Fact:
    return Fact(
        "venue_alert",
        f"venue_alert#{event_id}#{user_id}",
        user_id,
        {"event_id": event_id, "venue_id": venue_id},
    )


def waitlist_offer(entry: dict[str, Any]) -> Fact:
    return Fact(
        "waitlist_offer",
        f"waitlist_offer#{entry['waitlist_id']}#{int(entry['offer_count'])}",
        entry["user_id"],
        {
            "waitlist_id": entry["waitlist_id"],
            "event_id": entry["event_id"],
            "quantity": int(entry.get("quantity") or 0),
            "hold_id": entry.get("offer_hold_id") or "",
            "expires_at": int(entry.get("offer_expires_at") or 0),
        },
    )
