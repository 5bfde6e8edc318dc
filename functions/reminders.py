"""Scheduled (EventBridge, every 15 minutes): reminders for events starting within a day."""

from __future__ import annotations

from typing import Any

from chalicelib.notifications.postman import Postman
from chalicelib.notifications.reminders import send_due_reminders


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return send_due_reminders(Postman.from_env())
