"""moto's server, with fixes that make its DynamoDB behave like DynamoDB under concurrency and load.

1. moto serves requests on many threads with no lock, and its `TransactWriteItems` rolls a
   failed transaction back by restoring a deep copy of *every table it touched*, taken before
   it started: a concurrent write that committed meanwhile is silently undone, and each
   transaction costs a copy of the whole table (seconds for a 56,000-seat event). Here each
   DynamoDB request runs under one lock (DynamoDB's transactions are serialisable), and a failed
   transaction restores only the items it wrote.
2. Speed, with the same answers. Under that lock every DynamoDB request waits for the one
   before, so its cost is the laptop stack's floor (a cold event view is two requests). Measured
   in-process per GetItem/Query: ~2.3 ms as moto ships, ~0.85 ms with these:
   - a Query of a table's own key reads that partition's items, where moto sorts *every* item
     of the table first (a query of one section of a 56,000-seat event sorted all 56,000), and
     a Query of an index skips that first sort (moto sorts the matches by the index's key after);
   - a projection (`ProjectionExpression`, an index's keys) reads only the attributes its paths
     start at, where moto converts the whole item to JSON once per path (~80 ms for a
     stadium's event); a table's Scan sizes each item once (moto sizes it twice);
   - a Query or a table's Scan answers from the stored items, where moto deep-copies each one
     first (a quarter of the time of a Query of 3,000 seats): the answer only reads them, and
     is written out under the lock, before any other request can change them;
   - item operations' answers (which hold only strings, numbers, lists and maps) are written
     with `json.dumps`, where moto walks botocore's output shape value by value (a third of a
     request); anything else (binary values, timestamps, errors) takes moto's serializer;
   - DynamoDB requests (and DynamoDB Streams', which the stack's pollers send several times a
     second) go straight to moto's handler, not through its Flask app
     (found by probing every moto module per request, then routing, a request context and a
     response object: ~10% of the emulator's CPU), and a handler's method names are listed once
     per class, not per request;
   - DynamoDB (and Streams) requests keep their connection open, as DynamoDB's endpoint does:
     werkzeug's server closes every connection after one answer, so each request also cost a TCP
     handshake, a new server thread and a log line (two thirds of the emulator's time under
     load), and every API request reconnected. Their answers go out in one write;
   - header blocks are parsed without the e-mail package when they are plain
     (`local/http_headers.py`, decision 34): ~8 % of a Query's CPU here;
   - an update expression is parsed once per distinct text, and a condition expression is
     tokenised once per distinct text (decision 35): a hold of two seats is a transaction of
     three conditions and two updates, all with the same texts every time, and moto parsed
     the update texts twice per request. The parsed update is only read (moto's validator
     works on its own deep copy, as moto already relies on when it validates one tree twice);
     the tokens are immutable tuples.
   `tests/infrastructure/test_emulator.py` checks the answers against moto's own, op by op.
3. Memory that a long `make run` kept: moto keeps every model object it ever makes (each
   item a read copied, each stream iterator, each SQS message) in a list for its dashboard,
   and every stream iterator in a dict; the idle stack's stream polls alone grew the emulator
   by ~160 MB an hour. Here DynamoDB's, its streams' and SQS's objects are not listed (SES's
   sent mail still is: the local outbox reads it there), and a stream iterator carries its
   position in its own name, as DynamoDB's are opaque positions (decision 32).
4. No full garbage collection walks the stored items. The emulator holds every item as Python
   objects (a 56,000-seat event is a few hundred thousand), and each full collection traversed
   them all (and moto's kept copies): 70-75 ms with only small events stored, during which no
   request was served; it made one cold-view burst in twenty twice as slow (decision 32). The
   objects that survive a full collection are moved out of the collector's sight (`gc.freeze`)
   at the next request, so later collections look only at what is new since.
5. Nothing else changes: every other operation is moto's own.

Run as `python -m local.moto_server HOST PORT`.
"""

from __future__ import annotations

import copy
import functools
import gc
import io
import json
import re
import sys
import threading
from collections import deque
from http import HTTPStatus
from typing import Any

from moto.core import responses as moto_responses
from moto.core.common_models import BaseModel
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import method_names_from_class
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import run_simple

from chalicelib.turns import FifoGate
from local import http_headers

# DynamoDB requests take turns in the order they arrive (a plain lock lets a newcomer take it
# ahead of one already waiting).
_request_lock = FifoGate(1)


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


class _Partition:
    """A table as `Table.query` sees it, whose `all_items` are one partition's (unsorted)."""

    def __init__(self, table: Table, items: list[Any]) -> None:
        self._table = table
        self._items = items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Any]:
        return self._items


_moto_query: Any = Table.query
_lending = threading.local()  # `items` is True while a Query's answer is made from stored items
_moto_parse_update: Any = UpdateExpressionParser.make
_moto_lex_condition: Any = ConditionExpressionParser._lex_condition_expression


@functools.lru_cache(maxsize=1024)
def parse_update_expression(cls: type[UpdateExpressionParser], expression_str: str) -> Any:
    """moto's parse of an update expression: the same tree, shared by every request of the
    same text (each reader only reads it; moto's validator deep-copies it before resolving).
    An invalid text raises, as before, and is not cached."""
    return _moto_parse_update(expression_str)


@functools.lru_cache(maxsize=1024)
def _condition_tokens(expression: str) -> tuple[Any, ...]:
    return tuple(_moto_lex_condition(ConditionExpressionParser(expression, {}, {})))


def lex_condition_expression(self: ConditionExpressionParser) -> deque[Any]:
    """moto's tokens of a condition expression (named tuples, which its parser never changes),
    read once per distinct text: they depend on the text alone."""
    return deque(_condition_tokens(self.condition_expression))


_moto_item_deepcopy: Any = Item.__deepcopy__


def item_deepcopy(self: Item, memo: dict[int, Any]) -> Item:
    """moto's copy of an item, except for a Query's answer, which is lent the item itself."""
    if getattr(_lending, "items", False):
        return self
    result: Item = _moto_item_deepcopy(self, memo)
    return result


def query(
    self: Table,
    hash_key: Any,
    range_comparison: Any,
    range_objs: Any,
    limit: Any,
    exclusive_start_key: Any,
    scan_index_forward: Any,
    projection_expressions: Any,
    index_name: str | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """moto's `Table.query`, reading only the items it can return, and not copying them. Same
    answers: a table query keeps its partition and sorts it by the range key; an index query
    filters every item and sorts the matches by the index key, table key last (a total order),
    whatever order they came in. moto deep-copies every item it returns (a quarter of the time
    of a Query of 3,000 seats); the answer only reads them, and is written before the next
    request runs (under the lock), so the stored items themselves are lent to it."""
    if index_name:
        items = [item for partition in self.items.values() for item in _items_of(self, partition)]
    else:
        partition = self.items.get(hash_key) if hash_key is not None else None
        items = _items_of(self, partition) if partition is not None else []
    table = _Partition(self, items)
    _lending.items = True
    try:
        return _moto_query(
            table,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            *args,
            **kwargs,
        )
    finally:
        _lending.items = False


def _items_of(table: Table, partition: Any) -> list[Any]:
    return list(partition.values()) if table.range_key_attr else [partition]


_moto_scan: Any = Table.scan


def scan(
    self: Table,
    filters: dict[str, Any],
    limit: int,
    exclusive_start_key: dict[str, Any],
    filter_expression: Any = None,
    index_name: str | None = None,
    consistent_read: bool = False,
    projection_expression: list[list[str]] | None = None,
    segments: Any = (None, None),
) -> tuple[list[Item], int, dict[str, Any] | None]:
    """moto's `Table.scan` of a table (an index's scan is moto's own), with the same answers for
    less work per item: its size is computed once (moto computes it twice), and the item is not
    deep-copied (the answer only reads it, as a Query's does). The reminders scan the events
    table every few seconds, and a stadium's event is ~100 KB."""
    if index_name:
        return _moto_scan(
            self,
            filters,
            limit,
            exclusive_start_key,
            filter_expression,
            index_name,
            consistent_read,
            projection_expression,
            segments,
        )
    results: list[Item] = []
    result_size = scanned_count = 0
    last_evaluated_key = None
    skipping = exclusive_start_key is not None
    hash_attrs, range_attrs = [self.hash_key_attr], [self.range_key_attr]
    for item in self.all_items():
        if not item.is_within_segment(segments):
            continue
        if skipping:
            if self._item_comes_before_dct(item, exclusive_start_key, hash_attrs, range_attrs, True):
                continue
            skipping = False
        size = item.size()
        if len(results) == limit or result_size + size > RESULT_SIZE_LIMIT:
            last_evaluated_key = self._get_last_evaluated_key(results[-1], index_name)
            break
        if _passes(item, filters):
            results.append(item)  # read, not copied, as a Query's (see `query`)
            result_size += size
        scanned_count += 1
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expression:
        results = [item.project(projection_expression) for item in results]
    return results, scanned_count, last_evaluated_key


def _passes(item: Item, filters: dict[str, Any]) -> bool:
    """moto's test of a scan's legacy `ScanFilter` conditions."""
    for name, (operator, values) in filters.items():
        attribute = item.attrs.get(name)
        if attribute:
            if not attribute.compare(operator, values):
                return False
        elif operator != "NULL":
            return False
    return True


_moto_project: Any = Item.project
_LIST_STEP = re.compile(r"(.+)\[(\d+)\]$")  # how moto reads `name[3]` at the start of a path


def project(self: Item, projection_expressions: list[list[str]]) -> Item:
    """moto's `Item.project`, given only the attributes the paths start at. moto converts the
    whole item to plain JSON once per path: for a stadium's ~100 KB event, a GetItem of its two
    version attributes (the view's revalidation) or the reminders' Scan of the events table took
    ~80 ms, during which no other DynamoDB request ran. Same answers: a path reads nothing
    outside the attribute it starts at."""
    wanted: set[str] = set()
    for path in projection_expressions:
        wanted.add(path[0])
        if step := _LIST_STEP.match(path[0]):
            wanted.add(step.group(1))
    narrowed = copy.copy(self)
    # (A plain dict: moto's size-checking one checks writes, and this item is only read.)
    narrowed.attrs = {name: value for name, value in self.attrs.items() if name in wanted}  # type: ignore[assignment]
    result: Item = _moto_project(narrowed, projection_expressions)
    return result


_moto_new: Any = BaseModel.__new__
# moto's models that are made per request and need not be listed (SES's sent mail must stay
# listed: the local outbox reads it from moto's dashboard).
_UNLISTED = ("moto.dynamodb.", "moto.dynamodbstreams.", "moto.sqs.")


def _unlisted_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    """A DynamoDB, DynamoDB Streams or SQS model object, not appended to
    `cls.instances_tracked`: moto lists every model object it makes there, for its dashboard,
    and never lets go (a Query's copy of each item it returns among them)."""
    if cls.__module__.startswith(_UNLISTED):
        return object.__new__(cls)
    return _moto_new(cls, *args, **kwargs)


def get_shard_iterator(
    self: DynamoDBStreamsBackend,
    arn: str,
    shard_id: str,
    shard_iterator_type: str,
    sequence_number: Any = None,  # an int: moto's handler converts the request's string
) -> ShardIterator:
    """moto's, with the iterator's position as its name, and the iterator not stored: moto
    stored each one (and each `NextShardIterator`) for good."""
    table = self._get_table_from_arn(arn)
    if table.stream_shard is None or table.stream_shard.id != shard_id:
        raise JsonRESTError("ResourceNotFoundException", f"Requested resource not found: Shard: {shard_id}")
    iterator = ShardIterator(self, table.stream_shard, shard_iterator_type, sequence_number)
    iterator.id = str(iterator.sequence_number)
    return iterator


def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    """The records from the iterator's position, as moto's: the next iterator starts after the
    last one returned, or where this one did when there was none."""
    stream_arn, _, position = iterator_arn.rpartition("|1|")
    shard = self._get_table_from_arn(stream_arn).stream_shard if stream_arn else None
    if shard is None or not position.isdigit() or int(position) < shard.starting_sequence_number:
        raise JsonRESTError("ValidationException", "Invalid ShardIterator")
    records = shard.get(int(position), limit)
    after = max((int(r["dynamodb"]["SequenceNumber"]) + 1 for r in records), default=int(position))
    return {"NextShardIterator": f"{stream_arn}|1|{after}", "Records": records}


_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactGetItems",
    }
)
_moto_execute_result = ActionResult.execute_result


def execute_result(self: ActionResult, context: Any) -> Any:
    """An item operation's answer as JSON directly, when it holds only JSON's own types."""
    if (
        type(self) in (ActionResult, DynamoResult)
        and context.service_model.service_name == "dynamodb"
        and context.operation_model.name in _ITEM_OPERATIONS
        and isinstance(self.result, dict)
    ):
        try:
            body = json.dumps(_without_nulls(self.result))
        except TypeError:  # bytes (binary attributes) or datetimes: moto's serializer knows them
            return _moto_execute_result(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
    return _moto_execute_result(self, context)


def _without_nulls(value: Any) -> Any:
    """moto's serializer leaves out members whose value is None; so does this."""
    if isinstance(value, dict):
        return {key: _without_nulls(member) for key, member in value.items() if member is not None}
    if isinstance(value, list):
        return [_without_nulls(member) for member in value]
    return value


# Requests for DynamoDB and for its streams: their targets start with these, and their handlers.
_HANDLERS = {"DynamoDB_": DynamoHandler.dispatch, "DynamoDBStreams_": DynamoDBStreamsHandler.dispatch}


def _handler(target: str) -> Any | None:
    """moto's handler of a DynamoDB or DynamoDB Streams request, by its target; None for others."""
    prefix, _, _ = target.partition("_")
    return _HANDLERS.get(prefix + "_")


# Set when a full collection has finished: its survivors are frozen at the next request.
_collected_in_full = threading.Event()


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        _collected_in_full.set()


def freeze_survivors() -> None:
    """After a full collection, move what survived it to the permanent generation, where no
    collection looks again. Stored items live until deleted, and are freed then by their
    reference counts as before (they hold no reference cycle). What is lost is a cycle that
    becomes garbage after it was frozen: one a request in flight then was building, or a
    deleted table (its stream points back at it)."""
    if _collected_in_full.is_set():
        _collected_in_full.clear()
        gc.freeze()


def _serialised(app: DomainDispatcherApplication) -> Any:
    def handle(environ: dict[str, Any], start_response: Any) -> Any:
        freeze_survivors()
        # Only DynamoDB and its streams need it, and other services must not hold it: SQS long
        # polls sleep inside their request.
        handler = _handler(environ.get("HTTP_X_AMZ_TARGET", ""))
        if handler is None:
            return app(environ, start_response)
        with _request_lock:
            return _dynamodb(handler, environ, start_response)

    return handle


def _dynamodb(handler: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A DynamoDB (or DynamoDB Streams) request, handed straight to moto's `handler`: what moto's
    Flask app does for it (route `/` to the handler's `dispatch`) without Flask's request
    context, routing and response objects around it."""
    request = BackendRequest(environ)
    status, headers, body = handler(request, request.raw_url, dict(request.headers))
    payload = body.encode() if isinstance(body, str) else bytes(body or b"")
    phrase = HTTPStatus(int(status)).phrase
    start_response(f"{int(status)} {phrase}", [(str(name), str(value)) for name, value in headers.items()])
    return [payload]


class RequestHandler(MotoRequestHandler):
    """moto's request handler, keeping DynamoDB's connections open (see the module notes)."""

    # An idle connection ends after this long; a client that comes back opens another.
    timeout = 120

    def run_wsgi(self) -> None:
        headers = self.headers
        length = headers.get("Content-Length")
        if (
            _handler(headers.get("X-Amz-Target", "")) is None
            or length is None
            or not length.isdigit()
            or headers.get("Transfer-Encoding")
            or headers.get("Expect")
        ):
            super().run_wsgi()  # answers, then closes the connection
            return
        body = self.rfile.read(int(length))
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, response_headers]
            return chunks.append

        result = self.server.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        payload = b"".join(chunks)
        status, response_headers = started
        head = [f"HTTP/1.1 {status}"]
        head.extend(f"{name}: {value}" for name, value in response_headers if name.lower() not in _FRAMING)
        head.append(f"Content-Length: {len(payload)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)


_FRAMING = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})


def install() -> None:
    """Apply the fixes above to this process's moto."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Item.__deepcopy__ = item_deepcopy  # type: ignore[method-assign]
    Item.project = project  # type: ignore[method-assign]
    Table.scan = scan  # type: ignore[method-assign]
    ActionResult.execute_result = execute_result  # type: ignore[method-assign]
    moto_responses.method_names_from_class = functools.cache(method_names_from_class)
    BaseModel.__new__ = staticmethod(_unlisted_new)  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]
    UpdateExpressionParser.make = classmethod(parse_update_expression)  # type: ignore[arg-type]
    ConditionExpressionParser._lex_condition_expression = lex_condition_expression  # type: ignore[method-assign]
    http_headers.install()


def main(host: str, port: int) -> None:
    install()
    gc.callbacks.append(_after_collection)
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, _serialised(app), threaded=True, request_handler=RequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
