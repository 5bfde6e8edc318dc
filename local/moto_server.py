"""moto's server, with two fixes that make it behave like DynamoDB under concurrency.

1. moto serves requests on many threads with no lock, and its `TransactWriteItems` rolls a
   failed transaction back by restoring a deep copy of *every table it touched*, taken before
   it started: a concurrent write that committed meanwhile is silently undone, and each
   transaction costs a copy of the whole table (seconds for a 56,000-seat event). Here each
   DynamoDB request runs under one lock (DynamoDB's transactions are serialisable), and a failed
   transaction restores only the items it wrote.
2. Nothing else changes: every other operation is moto's own.

Run as `python -m local.moto_server HOST PORT`.
"""

from __future__ import annotations

import copy
import sys
import threading
from typing import Any

from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple

_request_lock = threading.Lock()


def _key_of(table: Any, operation: dict[str, Any]) -> dict[str, Any]:
    if "Key" in operation:
        return dict(operation["Key"])
    item = operation["Item"]
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


def _locate(table: Any, key: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(key[table.hash_key_attr]), range_value


def _restore(table: Any, key: dict[str, Any], before: Any) -> None:
    hash_value, range_value = _locate(table, key)
    now = table.get_item(hash_value, range_value)
    if range_value is not None:
        if before is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = before
    elif before is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = before
    if table.stream_shard is not None and now is not before:
        # moto already emitted records for the undone writes; say what the item is again.
        table.stream_shard.add(now, before)


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    undo: list[tuple[Any, dict[str, Any], Any]] = []
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    try:
        for entry in transact_items:
            if len(entry) != 1:
                raise TransactWriteSingleOpException
            kind, operation = next(iter(entry.items()))
            if kind not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise MockValidationException("Unsupported transaction operation")
            table = self.get_table(operation["TableName"])
            key = _key_of(table, operation)
            marker = (operation["TableName"], str(sorted(key.items())))
            if marker in seen:
                raise MultipleTransactionsException()
            seen.add(marker)
            current = self.get_item(operation["TableName"], key)
            old_image: dict[str, Any] | None = None
            try:
                condition = operation.get("ConditionExpression")
                if condition is not None:
                    from moto.dynamodb.comparisons import get_filter_expression

                    check = get_filter_expression(
                        condition,
                        operation.get("ExpressionAttributeNames"),
                        operation.get("ExpressionAttributeValues"),
                    )
                    if not check.expr(current):
                        wants_old = operation.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                        if wants_old and current is not None:
                            old_image = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=old_image)
                if kind != "ConditionCheck":
                    undo.append((table, key, copy.deepcopy(current)))
                if kind == "Put":
                    self.put_item(operation["TableName"], operation["Item"])
                elif kind == "Delete":
                    self.delete_item(operation["TableName"], key)
                elif kind == "Update":
                    self.update_item(
                        operation["TableName"],
                        key,
                        update_expression=operation["UpdateExpression"],
                        expression_attribute_names=operation.get("ExpressionAttributeNames"),
                        expression_attribute_values=operation.get("ExpressionAttributeValues"),
                    )
                errors.append((None, None, None))
            except ConditionalCheckFailed as failed:
                errors.append(("ConditionalCheckFailed", str(failed.message), old_image))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except Exception as other:
                errors.append((type(other).__name__, str(other), old_image))
    except Exception:
        _undo(undo)
        raise
    if any(code is not None for code, _, _ in errors):
        _undo(undo)
        raise TransactionCanceledException(errors)


def _undo(undo: list[tuple[Any, dict[str, Any], Any]]) -> None:
    for table, key, before in reversed(undo):
        _restore(table, key, before)


def _serialised(app: DomainDispatcherApplication) -> Any:
    def handle(environ: dict[str, Any], start_response: Any) -> Any:
        # Only DynamoDB needs it, and other services must not hold it: SQS long polls sleep
        # inside their request.
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return app(environ, start_response)
        with _request_lock:
            # Materialise the body inside the lock: the work happens while iterating.
            return list(app(environ, start_response))

    return handle


def main(host: str, port: int) -> None:
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, _serialised(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
