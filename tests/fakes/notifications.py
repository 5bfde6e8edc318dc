"""In-memory stand-ins for the notifications' unit tests: an SES that records what it sends
(and can be told to fail), and the DynamoDB fake with the two calls the notifications add
(`scan` for the reminder schedule, `delete_item` for unsubscribing)."""

from __future__ import annotations

import copy
import email
import email.policy
import itertools
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from botocore.exceptions import ClientError

from tests.fakes.dynamodb import FakeDynamoDB, client_error


@dataclass
class SentMessage:
    source: str
    destinations: list[str]
    raw: bytes
    configuration_set: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())

    def images(self) -> list[bytes]:
        found = []
        for part in self.message.walk():
            if part.get_content_maintype() == "image":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                found.append(payload)
        return found


class FakeSes:
    """Records `send_raw_email` calls; `fail_next(code)` makes the next send raise."""

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []
        self._failures: list[str] = []
        self._ids = itertools.count(1)

    def fail_next(self, code: str = "Throttling") -> None:
        self._failures.append(code)

    def send_raw_email(
        self,
        *,
        Source: str,
        Destinations: list[str],
        RawMessage: dict[str, bytes],
        ConfigurationSetName: str | None = None,
    ) -> dict[str, Any]:
        if self._failures:
            code = self._failures.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "injected by the test"}}, "SendRawEmail")
        self.sent.append(SentMessage(Source, list(Destinations), RawMessage["Data"], ConfigurationSetName))
        return {"MessageId": f"ses-{next(self._ids)}"}

    def to(self, address: str) -> list[SentMessage]:
        return [m for m in self.sent if address in m.destinations]


class MailDynamoDB(FakeDynamoDB):
    """FakeDynamoDB plus `scan` (filter and projection, one page) and `delete_item`."""

    def scan(
        self,
        *,
        TableName: str,
        FilterExpression: str | None = None,
        ProjectionExpression: str | None = None,
        ExpressionAttributeNames: dict[str, str] | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
        ExclusiveStartKey: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from tests.fakes.dynamodb import _project

        self._record("scan", locals())
        table = self._table(TableName, "Scan")
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues or {}
        items = [
            copy.deepcopy(i)
            for i in table.items.values()
            if self._holds(FilterExpression, i, names, values, "Scan")
        ]
        if ProjectionExpression:
            items = [_project(i, ProjectionExpression, names, "Scan") for i in items]
        return {"Items": items, "Count": len(items)}

    def delete_item(self, *, TableName: str, Key: dict[str, Any]) -> dict[str, Any]:
        self._record("delete_item", locals())
        table = self._table(TableName, "DeleteItem")
        table.items.pop(table.key_of(Key, "DeleteItem"), None)
        return {}


def conditional_failure(operation: str) -> ClientError:
    return client_error("ConditionalCheckFailedException", "The conditional request failed", operation)
