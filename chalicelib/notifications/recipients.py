"""Who an e-mail goes to, read from the users table at send time (never copied elsewhere).

A customer who no longer exists, or whose data was erased, gets nothing: that is how erasure
stops every future e-mail, including those already waiting in a stream or a retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.models import Erasure, User, table_name


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str
    name: str
    marketing_consent: bool

    def __repr__(self) -> str:  # never let an address reach a log line by accident
        return f"Recipient(user_id={self.user_id!r})"


def is_erased(item: dict[str, Any]) -> bool:
    """An erased or pseudonymised profile (however the erasure marks it) receives nothing."""
    if "erased_at" in item or item.get("erased", {}).get("BOOL") is True:
        return True
    return item.get("status", {}).get("S") == "erased"


def resolve(user_id: str, *, db: Any) -> Recipient | None:
    item = db.get_item(TableName=table_name(User), Key={"user_id": {"S": user_id}}, ConsistentRead=True).get(
        "Item"
    )
    if not item or is_erased(item):
        return None
    tombstone = db.get_item(
        TableName=table_name(Erasure), Key={"user_id": {"S": user_id}}, ConsistentRead=True
    )
    if "Item" in tombstone:
        return None
    email = item.get("email", {}).get("S", "")
    if "@" not in email:
        return None
    return Recipient(
        user_id=user_id,
        email=email,
        name=item.get("name", {}).get("S", ""),
        marketing_consent=item.get("marketing_consent", {}).get("BOOL") is True,
    )
