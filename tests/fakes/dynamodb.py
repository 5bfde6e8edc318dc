"""An in-memory stand-in for the low-level boto3 DynamoDB client, for unit tests.

It implements the calls and the expression language the service code emits, with DynamoDB's
semantics where they matter to correctness:

- `put_item`, `get_item`, `update_item`, `query` (hash-key equality and a sort-key comparison,
  `Limit`/`ExclusiveStartKey` pagination, `ScanIndexForward`, `FilterExpression`, top-level
  `ProjectionExpression`, global secondary indexes), `transact_write_items` (all or nothing,
  with `CancellationReasons`);
- condition expressions: `attribute_exists`, `attribute_not_exists`, `=`, `<>`, `<`, `<=`, `>`,
  `>=`, `AND`, `OR`, `NOT` and parentheses; a failed condition writes nothing and raises
  `ConditionalCheckFailedException`;
- update expressions: `SET path = operand` (including map entries such as `held.#s0 = :x0`),
  `REMOVE path`, `ADD path :v` (number or set), `DELETE path :set` (an emptied set disappears).

Like DynamoDB it raises `ValidationException` for requests it would reject: undefined or unused
`#names`/`:values`, overlapping document paths in one update, a clause used twice, SET/REMOVE of
a map entry whose map does not exist, ADD/DELETE on mismatched types, updates of key attributes,
empty sets. What it does not implement raises NotImplementedError rather than guessing.
Every call is recorded in `calls` (operation name and a copy of its arguments).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

Item = dict[str, Any]  # DynamoDB JSON: {"name": {"S": "..."}, ...}
Path = tuple[str, ...]  # a document path: attribute name, then map keys
Action = Callable[[Item], None]

SET_TYPES = {"SS", "NS", "BS"}
KEYWORDS = {"SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT"}
COMPARATORS = {"=", "<>", "<", "<=", ">", ">="}
TOKEN = re.compile(r"\s*(<>|<=|>=|[=<>(),.\[\]]|[#:]?[A-Za-z_][A-Za-z0-9_]*)")


def client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _invalid(message: str, operation: str) -> ClientError:
    return client_error("ValidationException", message, operation)


@dataclass
class Table:
    name: str
    hash_key: str
    range_key: str | None = None
    # index name -> (hash attribute, range attribute or None)
    indexes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    items: dict[tuple[str, ...], Item] = field(default_factory=dict)

    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    def key_of(self, item: Item, operation: str) -> tuple[str, ...]:
        parts = []
        for name in self.key_names():
            if name not in item:
                raise _invalid(f"One of the required keys was not given a value: {name}", operation)
            parts.append(_scalar_text(item[name]))
        return tuple(parts)


@dataclass
class Call:
    operation: str
    kwargs: dict[str, Any]


def _tokenize(text: str, operation: str) -> list[str]:
    tokens: list[str] = []
    pos, text = 0, text.rstrip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match:
            raise _invalid(f"Invalid expression near {text[pos:]!r}", operation)
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _check_placeholders(
    expressions: Iterable[str | None], names: dict[str, str], values: dict[str, Any], operation: str
) -> None:
    """DynamoDB's static checks: every placeholder defined, every definition used."""
    used = {t for text in expressions if text for t in _tokenize(text, operation) if t[0] in "#:"}
    for token in sorted(used):
        if token not in (names if token[0] == "#" else values):
            raise _invalid(f"An expression attribute name or value is not defined: {token}", operation)
    unused = sorted((set(names) | set(values)) - used)
    if unused:
        raise _invalid(
            f"Value provided in expressions unused in expressions: keys: {{{', '.join(unused)}}}", operation
        )


class _Expression:
    """One expression being parsed (and, for conditions, evaluated against an item)."""

    def __init__(self, text: str, names: dict[str, str], values: dict[str, Any], operation: str) -> None:
        self.tokens = _tokenize(text, operation)
        self.pos = 0
        self.names = names
        self.values = values
        self.operation = operation

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise _invalid(
                f"Invalid expression: expected {expected or 'more'}, got {token!r}", self.operation
            )
        self.pos += 1
        return token

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.upper() == word

    def done(self) -> None:
        if self.peek() is not None:
            raise _invalid(f"Invalid expression: unexpected {self.peek()!r}", self.operation)

    def name(self) -> str:
        token = self.take()
        if token.startswith("#"):
            return self.names[token]
        if token.startswith(":") or token.upper() in KEYWORDS or not token[0].isalpha():
            raise _invalid(f"Invalid expression: {token!r} is not an attribute name", self.operation)
        return token

    def path(self) -> Path:
        parts = [self.name()]
        while self.peek() in {".", "["}:
            if self.peek() == "[":
                raise NotImplementedError("list indexes in document paths")
            self.take(".")
            parts.append(self.name())
        return tuple(parts)

    def placeholder_value(self) -> Any:
        token = self.take()
        if not token.startswith(":"):
            raise _invalid(f"Invalid expression: expected a :value, got {token!r}", self.operation)
        return self.values[token]

    def operand(self, item: Item) -> Any:
        token = self.peek()
        if token is not None and token.startswith(":"):
            return self.placeholder_value()
        if token is not None and token.lower() in {"if_not_exists", "list_append", "size"}:
            raise NotImplementedError(token)
        return _get(item, self.path())

    # condition := and (OR and)* ; and := not (AND not)* ; not := NOT not | primary
    def condition(self, item: Item) -> bool:
        result = self._and(item)
        while self.at_keyword("OR"):
            self.take("OR")
            result = self._and(item) or result
        return result

    def _and(self, item: Item) -> bool:
        result = self._not(item)
        while self.at_keyword("AND"):
            self.take("AND")
            result = self._not(item) and result
        return result

    def _not(self, item: Item) -> bool:
        if self.at_keyword("NOT"):
            self.take("NOT")
            return not self._not(item)
        return self._primary(item)

    def _primary(self, item: Item) -> bool:
        token = self.peek()
        if token == "(":
            self.take("(")
            result = self.condition(item)
            self.take(")")
            return result
        if token in {"attribute_exists", "attribute_not_exists"}:
            self.take()
            self.take("(")
            present = _get(item, self.path()) is not None
            self.take(")")
            return present if token == "attribute_exists" else not present
        if token is not None and token.lower() in {"begins_with", "contains", "attribute_type"}:
            raise NotImplementedError(token)
        left = self.operand(item)
        comparator = self.take()
        if comparator not in COMPARATORS:
            raise _invalid(f"Invalid expression: unknown comparator {comparator!r}", self.operation)
        return _compare(left, comparator, self.operand(item))


def _scalar_text(value: Any) -> str:
    for kind in ("S", "N", "B"):
        if kind in value:
            return str(value[kind])
    raise ValueError(f"not a key value: {value!r}")


def _get(item: Item, path: Path) -> Any:
    current: Any = item.get(path[0])
    for key in path[1:]:
        if current is None or "M" not in current:
            return None
        current = current["M"].get(key)
    return current


def _compare(left: Any, comparator: str, right: Any) -> bool:
    if left is None or right is None:
        # A missing attribute is unequal to any value and neither less nor greater (as moto does).
        return comparator == "<>" and not (left is None and right is None)
    (left_type, left_value), (right_type, right_value) = next(iter(left.items())), next(iter(right.items()))
    if left_type != right_type:
        return comparator == "<>"
    if left_type == "N":
        left_value, right_value = Decimal(left_value), Decimal(right_value)
    elif left_type not in {"S", "B"} and comparator not in {"=", "<>"}:
        raise NotImplementedError(f"ordering {left_type} values")
    return bool(
        {
            "=": lambda: left_value == right_value,
            "<>": lambda: left_value != right_value,
            "<": lambda: left_value < right_value,
            "<=": lambda: left_value <= right_value,
            ">": lambda: left_value > right_value,
            ">=": lambda: left_value >= right_value,
        }[comparator]()
    )


def _overlap(a: Path, b: Path) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def _container(item: Item, path: Path, operation: str) -> dict[str, Any]:
    """The map holding the last element of `path`; DynamoDB refuses paths through nothing."""
    if len(path) == 1:
        return item
    parent = _get(item, path[:-1])
    if parent is None or "M" not in parent:
        raise _invalid("The document path provided in the update expression is invalid for update", operation)
    entries: dict[str, Any] = parent["M"]
    return entries


def _set_action(path: Path, value: Any, operation: str) -> Action:
    def apply(item: Item) -> None:
        _container(item, path, operation)[path[-1]] = copy.deepcopy(value)

    return apply


def _remove_action(path: Path, operation: str) -> Action:
    def apply(item: Item) -> None:
        _container(item, path, operation).pop(path[-1], None)

    return apply


def _add_action(path: Path, value: Any, operation: str) -> Action:
    if len(path) != 1:
        raise NotImplementedError("ADD on a nested path")
    kind = next(iter(value))
    if kind not in SET_TYPES | {"N"}:
        raise _invalid("Incorrect operand type for operator or function; operator: ADD", operation)

    def apply(item: Item) -> None:
        current = item.get(path[0])
        if current is None:
            item[path[0]] = copy.deepcopy(value)
        elif next(iter(current)) != kind:
            raise _invalid("An operand in the update expression has an incorrect data type", operation)
        elif kind == "N":
            item[path[0]] = {"N": str(Decimal(current["N"]) + Decimal(value["N"]))}
        else:
            item[path[0]] = {kind: sorted(set(current[kind]) | set(value[kind]))}

    return apply


def _delete_action(path: Path, value: Any, operation: str) -> Action:
    if len(path) != 1:
        raise NotImplementedError("DELETE on a nested path")
    kind = next(iter(value))
    if kind not in SET_TYPES:
        raise _invalid("Incorrect operand type for operator or function; operator: DELETE", operation)

    def apply(item: Item) -> None:
        current = item.get(path[0])
        if current is None:
            return
        if next(iter(current)) != kind:
            raise _invalid("An operand in the update expression has an incorrect data type", operation)
        remaining = sorted(set(current[kind]) - set(value[kind]))
        if remaining:
            item[path[0]] = {kind: remaining}
        else:
            del item[path[0]]  # DynamoDB has no empty sets: the attribute goes away

    return apply


def _check_no_empty_sets(values: Iterable[Any], operation: str) -> None:
    for value in values:
        kind = next(iter(value))
        if kind in SET_TYPES and not value[kind]:
            raise _invalid(
                "One or more parameter values were invalid: An string set may not be empty", operation
            )
        if kind == "M":
            _check_no_empty_sets(value["M"].values(), operation)


def _project(item: Item, expression: str, names: dict[str, str], operation: str) -> Item:
    parsed = _Expression(expression, names, {}, operation)
    wanted: set[str] = set()
    while True:
        path = parsed.path()
        if len(path) != 1:
            raise NotImplementedError("nested projections")
        wanted.add(path[0])
        if parsed.peek() != ",":
            break
        parsed.take(",")
    parsed.done()
    return {k: v for k, v in item.items() if k in wanted}


class FakeDynamoDB:
    """The subset of the boto3 DynamoDB client the service code uses, in memory."""

    def __init__(self, *, page_size: int | None = None) -> None:
        # page_size: the most items one query page returns, to exercise pagination.
        self.tables: dict[str, Table] = {}
        self.calls: list[Call] = []
        self.page_size = page_size
        self._failures: list[tuple[str, str]] = []

    # --- test helpers ---------------------------------------------------------------------

    def create_table(
        self,
        name: str,
        hash_key: str,
        range_key: str | None = None,
        indexes: dict[str, tuple[str, str | None]] | None = None,
    ) -> Table:
        table = Table(name=name, hash_key=hash_key, range_key=range_key, indexes=dict(indexes or {}))
        self.tables[name] = table
        return table

    def items(self, table_name: str) -> list[Item]:
        return [copy.deepcopy(item) for item in self.tables[table_name].items.values()]

    def item(self, table_name: str, key: Item) -> Item | None:
        table = self.tables[table_name]
        found = table.items.get(table.key_of(key, "test"))
        return copy.deepcopy(found) if found is not None else None

    def fail_next(self, operation: str, code: str) -> None:
        """Make the next call of `operation` (e.g. "update_item") raise a ClientError `code`."""
        self._failures.append((operation, code))

    def calls_of(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    # --- the client API -------------------------------------------------------------------

    def put_item(
        self,
        *,
        TableName: str,
        Item: Item,
        ConditionExpression: str | None = None,
        ExpressionAttributeNames: dict[str, str] | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        operation = "PutItem"
        self._record("put_item", locals())
        table = self._table(TableName, operation)
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues or {}
        _check_placeholders([ConditionExpression], names, values, operation)
        _check_no_empty_sets(Item.values(), operation)
        key = table.key_of(Item, operation)
        if not self._holds(ConditionExpression, table.items.get(key, {}), names, values, operation):
            raise client_error("ConditionalCheckFailedException", "The conditional request failed", operation)
        table.items[key] = copy.deepcopy(Item)
        return {}

    def get_item(
        self,
        *,
        TableName: str,
        Key: Item,
        ConsistentRead: bool = False,
        ProjectionExpression: str | None = None,
        ExpressionAttributeNames: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        operation = "GetItem"
        self._record("get_item", locals())
        table = self._table(TableName, operation)
        names = ExpressionAttributeNames or {}
        _check_placeholders([ProjectionExpression], names, {}, operation)
        found = table.items.get(table.key_of(Key, operation))
        if found is None:
            return {}
        if ProjectionExpression:
            found = _project(found, ProjectionExpression, names, operation)
        return {"Item": copy.deepcopy(found)}

    def update_item(
        self,
        *,
        TableName: str,
        Key: Item,
        UpdateExpression: str,
        ConditionExpression: str | None = None,
        ExpressionAttributeNames: dict[str, str] | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
        ReturnValues: str = "NONE",
    ) -> dict[str, Any]:
        operation = "UpdateItem"
        self._record("update_item", locals())
        if ReturnValues != "NONE":
            raise NotImplementedError("ReturnValues")
        table = self._table(TableName, operation)
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues or {}
        _check_placeholders([UpdateExpression, ConditionExpression], names, values, operation)
        _check_no_empty_sets(values.values(), operation)
        key = table.key_of(Key, operation)
        existing = table.items.get(key)
        # An update of a missing item creates it from its key.
        updated = copy.deepcopy(existing if existing is not None else Key)
        actions = _update_actions(UpdateExpression, updated, names, values, operation, table)
        if not self._holds(ConditionExpression, existing or {}, names, values, operation):
            raise client_error("ConditionalCheckFailedException", "The conditional request failed", operation)
        for action in actions:
            action(updated)  # on a copy: a failing action leaves the stored item untouched
        table.items[key] = updated
        return {}

    def query(
        self,
        *,
        TableName: str,
        KeyConditionExpression: str,
        ExpressionAttributeValues: dict[str, Any],
        ExpressionAttributeNames: dict[str, str] | None = None,
        IndexName: str | None = None,
        FilterExpression: str | None = None,
        ProjectionExpression: str | None = None,
        ExclusiveStartKey: Item | None = None,
        Limit: int | None = None,
        ScanIndexForward: bool = True,
        ConsistentRead: bool = False,
    ) -> dict[str, Any]:
        operation = "Query"
        self._record("query", locals())
        table = self._table(TableName, operation)
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues
        _check_placeholders(
            [KeyConditionExpression, FilterExpression, ProjectionExpression], names, values, operation
        )
        if IndexName is None:
            hash_key, range_key = table.hash_key, table.range_key
        elif IndexName in table.indexes:
            hash_key, range_key = table.indexes[IndexName]
        else:
            raise _invalid(f"The table does not have the specified index: {IndexName}", operation)
        key_condition = _Expression(KeyConditionExpression, names, values, operation)
        attribute = key_condition.path()
        key_condition.take("=")
        wanted = key_condition.placeholder_value()
        if attribute != (hash_key,):
            raise _invalid("Query condition missed key schema element", operation)
        # The sort key's condition, `AND sk <op> :v` or `AND sk BETWEEN :a AND :b`: (low, high)
        # bounds as (comparator, value) pairs, None when the partition is read whole.
        bounds: list[tuple[str, Any]] | None = None
        if key_condition.peek() is not None:
            if not key_condition.at_keyword("AND"):
                raise _invalid("Invalid KeyConditionExpression", operation)
            key_condition.take()
            if range_key is None or key_condition.path() != (range_key,):
                raise _invalid("Query key condition not supported", operation)
            comparator = key_condition.take()
            if comparator.upper() == "BETWEEN":
                low = key_condition.placeholder_value()
                if not key_condition.at_keyword("AND"):
                    raise _invalid("Invalid KeyConditionExpression: BETWEEN needs AND", operation)
                key_condition.take()
                bounds = [(">=", low), ("<=", key_condition.placeholder_value())]
            elif comparator in COMPARATORS - {"<>"}:
                bounds = [(comparator, key_condition.placeholder_value())]
            else:
                raise _invalid(f"Unsupported operator on KeyConditionExpression: {comparator}", operation)
            key_condition.done()

        def position(item: Item) -> tuple[Any, ...]:
            # Items of one partition are ordered by sort key; ties (indexes) by the table key.
            parts: list[Any] = []
            if range_key is not None:
                value = item[range_key]
                parts.append(Decimal(value["N"]) if "N" in value else _scalar_text(value))
            parts.extend(_scalar_text(item[k]) for k in table.key_names())
            return tuple(parts)

        matching = sorted(
            (
                item
                for item in table.items.values()
                if item.get(hash_key) == wanted
                and (range_key or hash_key) in item
                and all(_compare(item[range_key or hash_key], op, value) for op, value in bounds or [])
            ),
            key=position,
            reverse=not ScanIndexForward,
        )
        if ExclusiveStartKey is not None:
            start = position(ExclusiveStartKey)
            matching = [
                i for i in matching if (position(i) > start) == ScanIndexForward and position(i) != start
            ]
        limit = min(x for x in (Limit, self.page_size, len(matching)) if x is not None)
        page, rest = matching[:limit], matching[limit:]
        result: dict[str, Any] = {}
        if rest:
            last = page[-1]
            key_attributes = {*table.key_names(), hash_key, *([range_key] if range_key else [])}
            result["LastEvaluatedKey"] = {k: copy.deepcopy(last[k]) for k in key_attributes}
        if FilterExpression:  # applied after Limit, as DynamoDB does
            page = [i for i in page if self._holds(FilterExpression, i, names, values, operation)]
        if ProjectionExpression:
            page = [_project(i, ProjectionExpression, names, operation) for i in page]
        result["Items"] = [copy.deepcopy(i) for i in page]
        result["Count"] = len(page)
        return result

    def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        """All or nothing: Put, Update, Delete and ConditionCheck entries. A failed condition
        cancels the whole transaction with `TransactionCanceledException`, whose
        `CancellationReasons` hold one entry per item, as DynamoDB's do."""
        operation = "TransactWriteItems"
        self._record("transact_write_items", locals())
        if not 1 <= len(TransactItems) <= 100:
            raise _invalid("Member must have length between 1 and 100", operation)
        targets = []
        for entry in TransactItems:
            ((kind, request),) = entry.items()
            table = self._table(request["TableName"], operation)
            targets.append((table.name, table.key_of(request.get("Item") or request["Key"], operation)))
        if len(set(targets)) != len(targets):
            raise _invalid("Transaction request cannot include multiple operations on one item", operation)
        before = {name: dict(table.items) for name, table in self.tables.items()}
        reasons: list[dict[str, str]] = []
        for entry in TransactItems:
            ((kind, request),) = entry.items()
            try:
                self._transact_one(kind, request)
                reasons.append({"Code": "None"})
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    self._restore(before)
                    raise
                reasons.append({"Code": "ConditionalCheckFailed", "Message": "The condition failed"})
        if any(reason["Code"] != "None" for reason in reasons):
            self._restore(before)
            codes = ", ".join(reason["Code"] for reason in reasons)
            raise ClientError(
                {
                    "Error": {
                        "Code": "TransactionCanceledException",
                        "Message": f"Transaction cancelled, see the cancellation reasons [{codes}]",
                    },
                    "CancellationReasons": reasons,
                },
                operation,
            )
        return {}

    # --- internals ------------------------------------------------------------------------

    def _transact_one(self, kind: str, request: dict[str, Any]) -> None:
        calls = len(self.calls)
        try:
            if kind == "Put":
                self.put_item(**request)
            elif kind == "Update":
                self.update_item(**request)
            elif kind in {"Delete", "ConditionCheck"}:
                table = self._table(request["TableName"], "TransactWriteItems")
                names = request.get("ExpressionAttributeNames") or {}
                values = request.get("ExpressionAttributeValues") or {}
                _check_placeholders([request.get("ConditionExpression")], names, values, kind)
                key = table.key_of(request["Key"], "TransactWriteItems")
                if not self._holds(
                    request.get("ConditionExpression"), table.items.get(key, {}), names, values, kind
                ):
                    raise client_error("ConditionalCheckFailedException", "The condition failed", kind)
                if kind == "Delete":
                    table.items.pop(key, None)
            else:
                raise _invalid(f"Unknown transaction item: {kind}", "TransactWriteItems")
        finally:
            del self.calls[calls:]  # the transaction is recorded once, as itself

    def _restore(self, before: dict[str, dict[tuple[str, ...], Item]]) -> None:
        for name, items in before.items():
            self.tables[name].items = items

    def _record(self, operation: str, arguments: dict[str, Any]) -> None:
        kwargs = {k: copy.deepcopy(v) for k, v in arguments.items() if k not in {"self", "operation"}}
        self.calls.append(Call(operation, {k: v for k, v in kwargs.items() if v is not None}))
        for i, (failing, code) in enumerate(self._failures):
            if failing == operation:
                del self._failures[i]
                raise client_error(code, "injected by the test", operation)

    def _table(self, name: str, operation: str) -> Table:
        if name not in self.tables:
            raise client_error(
                "ResourceNotFoundException", f"Requested resource not found: {name}", operation
            )
        return self.tables[name]

    @staticmethod
    def _holds(
        expression: str | None, item: Item, names: dict[str, str], values: dict[str, Any], operation: str
    ) -> bool:
        if not expression:
            return True
        condition = _Expression(expression, names, values, operation)
        result = condition.condition(item)
        condition.done()
        return result


def _update_actions(
    text: str, item: Item, names: dict[str, str], values: dict[str, Any], operation: str, table: Table
) -> list[Action]:
    """Parse an update expression against the item as it was; return the actions to apply."""
    expression = _Expression(text, names, values, operation)
    actions: list[Action] = []
    paths: list[Path] = []
    seen: set[str] = set()
    while expression.peek() is not None:
        clause = expression.take().upper()
        if clause not in {"SET", "REMOVE", "ADD", "DELETE"}:
            raise _invalid(f"Invalid UpdateExpression: unknown clause {clause}", operation)
        if clause in seen:
            raise _invalid(f'The "{clause}" section can only be used once in an update expression', operation)
        seen.add(clause)
        while True:
            path = expression.path()
            if clause == "SET":
                expression.take("=")
                value = expression.operand(item)
                if value is None:
                    raise _invalid(
                        "The provided expression refers to an attribute that does not exist", operation
                    )
                actions.append(_set_action(path, value, operation))
            elif clause == "REMOVE":
                actions.append(_remove_action(path, operation))
            elif clause == "ADD":
                actions.append(_add_action(path, expression.placeholder_value(), operation))
            else:
                actions.append(_delete_action(path, expression.placeholder_value(), operation))
            paths.append(path)
            if expression.peek() != ",":
                break
            expression.take(",")
    for i, a in enumerate(paths):
        if a[0] in table.key_names():
            raise _invalid(f"Cannot update attribute {a[0]}. This attribute is part of the key", operation)
        if any(_overlap(a, b) for b in paths[i + 1 :]):
            raise _invalid("Invalid UpdateExpression: Two document paths overlap with each other", operation)
    return actions
