"""The in-memory DynamoDB refuses what DynamoDB refuses, so tests built on it can be trusted."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fakes.dynamodb import FakeDynamoDB

KEY = {"pk": {"S": "a"}}


@pytest.fixture
def db() -> FakeDynamoDB:
    fake = FakeDynamoDB()
    fake.create_table("t", "pk")
    fake.put_item(TableName="t", Item={**KEY, "status": {"S": "available"}, "n": {"N": "5"}, "m": {"M": {}}})
    return fake


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def item(db: FakeDynamoDB) -> dict[str, Any]:
    found = db.item("t", KEY)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ("attribute_exists(pk)", True),
        ("attribute_not_exists(pk)", False),
        ("#s = :a", True),
        ("#s <> :a", False),
        ("n < :ten AND n > :one", True),
        ("n >= :ten OR #s = :a", True),
        ("NOT (#s = :a)", False),
        ("attribute_not_exists(missing) AND (n <= :one OR n = :five)", True),
        ("missing < :ten", False),
        ("missing <> :ten", True),
    ],
)
def test_conditions(db: FakeDynamoDB, condition: str, holds: bool) -> None:
    names = {"#s": "status"} if "#s" in condition else None
    values = {
        k: v
        for k, v in {
            ":a": {"S": "available"},
            ":ten": {"N": "10"},
            ":one": {"N": "1"},
            ":five": {"N": "5"},
        }.items()
        if k in condition
    }

    def update() -> None:
        kwargs: dict[str, Any] = {"ExpressionAttributeValues": {**values, ":x": {"S": "y"}}}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        db.update_item(
            TableName="t", Key=KEY, UpdateExpression="SET x = :x", ConditionExpression=condition, **kwargs
        )

    if holds:
        update()
        assert item(db)["x"] == {"S": "y"}
    else:
        assert code_of(update) == "ConditionalCheckFailedException"
        assert "x" not in item(db)


def test_a_failed_condition_on_a_missing_item_creates_nothing(db: FakeDynamoDB) -> None:
    def update() -> None:
        db.update_item(
            TableName="t",
            Key={"pk": {"S": "b"}},
            UpdateExpression="SET x = :x",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":x": {"S": "y"}},
        )

    assert code_of(update) == "ConditionalCheckFailedException"
    assert db.item("t", {"pk": {"S": "b"}}) is None


@pytest.mark.parametrize(
    ("expression", "names", "values"),
    [
        ("SET x = :x", {}, {":x": {"S": "1"}, ":unused": {"S": "2"}}),
        ("SET x = :x", {"#unused": "y"}, {":x": {"S": "1"}}),
        ("SET x = :missing", {}, {}),
        ("SET #missing = :x", {}, {":x": {"S": "1"}}),
        ("SET m.#a = :x REMOVE m.#a", {"#a": "k"}, {":x": {"S": "1"}}),
        ("SET m = :x REMOVE m.#a", {"#a": "k"}, {":x": {"M": {}}}),
        ("SET x = :x SET y = :x", {}, {":x": {"S": "1"}}),
        ("SET pk = :x", {}, {":x": {"S": "1"}}),
        ("SET nowhere.#a = :x", {"#a": "k"}, {":x": {"S": "1"}}),
        ("ADD s :x", {}, {":x": {"SS": []}}),
        ("ADD #s :x", {"#s": "status"}, {":x": {"SS": ["a"]}}),
    ],
)
def test_updates_dynamodb_rejects_are_rejected(
    db: FakeDynamoDB, expression: str, names: dict[str, str], values: dict[str, Any]
) -> None:
    before = item(db)
    kwargs: dict[str, Any] = {}
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if values:
        kwargs["ExpressionAttributeValues"] = values

    assert code_of(lambda: db.update_item(TableName="t", Key=KEY, UpdateExpression=expression, **kwargs)) == (
        "ValidationException"
    )
    assert item(db) == before


def test_map_entries_and_sets(db: FakeDynamoDB) -> None:
    db.update_item(
        TableName="t",
        Key=KEY,
        UpdateExpression="SET m.#a = :one, m.#b = :one ADD s :ab, n :one",
        ExpressionAttributeNames={"#a": "A-1", "#b": "A-2"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":ab": {"SS": ["a", "b"]}},
    )
    db.update_item(
        TableName="t",
        Key=KEY,
        UpdateExpression="REMOVE m.#a, m.#gone",
        ExpressionAttributeNames={"#a": "A-1", "#gone": "A-9"},
    )
    db.update_item(
        TableName="t",
        Key=KEY,
        UpdateExpression="DELETE s :a",
        ExpressionAttributeValues={":a": {"SS": ["a"]}},
    )
    assert item(db)["m"] == {"M": {"A-2": {"N": "1"}}}
    assert item(db)["s"] == {"SS": ["b"]}
    assert item(db)["n"] == {"N": "6"}

    db.update_item(
        TableName="t",
        Key=KEY,
        UpdateExpression="DELETE s :b",
        ExpressionAttributeValues={":b": {"SS": ["b"]}},
    )
    assert "s" not in item(db)


def test_query_pages_in_key_order(db: FakeDynamoDB) -> None:
    db.create_table("r", "pk", "sk")
    for sk in ["c", "a", "b"]:
        db.put_item(TableName="r", Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    db.put_item(TableName="r", Item={"pk": {"S": "other"}, "sk": {"S": "a"}})

    seen, start = [], None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = db.query(
            TableName="r",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            Limit=2,
            **kwargs,
        )
        seen.append([i["sk"]["S"] for i in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if not start:
            break

    assert seen == [["a", "b"], ["c"]]


def test_query_compares_the_sort_key(db: FakeDynamoDB) -> None:
    db.create_table("r", "pk", "sk")
    for sk in ["#copy", "A", "B"]:
        db.put_item(TableName="r", Item={"pk": {"S": "p"}, "sk": {"S": sk}})

    def keys(condition: str) -> list[str]:
        values = {":p": {"S": "p"}, ":v": {"S": "#copy"}, ":b": {"S": "A"}}
        expression = f"pk = :p AND {condition}"
        page = db.query(
            TableName="r",
            KeyConditionExpression=expression,
            ExpressionAttributeNames={"#sk": "sk"},
            # only the placeholders the condition uses: DynamoDB refuses unused ones
            ExpressionAttributeValues={k: v for k, v in values.items() if k in expression},
        )
        return [i["sk"]["S"] for i in page["Items"]]

    assert keys("#sk > :v") == ["A", "B"]
    assert keys("#sk >= :v") == ["#copy", "A", "B"]
    assert keys("#sk = :v") == ["#copy"]
    assert keys("#sk < :v") == []
    assert keys("#sk BETWEEN :v AND :b") == ["#copy", "A"]
    assert code_of(lambda: keys("n > :v")) == "ValidationException"  # not the sort key
    assert code_of(lambda: keys("#sk <> :v")) == "ValidationException"  # DynamoDB refuses it too


def test_a_transaction_is_all_or_nothing(db: FakeDynamoDB) -> None:
    other = {"pk": {"S": "b"}}
    write_b = {"Put": {"TableName": "t", "Item": {**other, "status": {"S": "new"}}}}
    failing = {
        "Update": {
            "TableName": "t",
            "Key": KEY,
            "UpdateExpression": "SET #s = :sold",
            "ConditionExpression": "#s = :sold",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":sold": {"S": "sold"}},
        }
    }

    with pytest.raises(ClientError) as caught:
        db.transact_write_items(TransactItems=[write_b, failing])

    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in caught.value.response["CancellationReasons"]] == [
        "None",
        "ConditionalCheckFailed",
    ]
    assert db.item("t", other) is None  # the first write was undone
    assert item(db)["status"] == {"S": "available"}

    failing["Update"]["ConditionExpression"] = "#s = :available"
    failing["Update"]["ExpressionAttributeValues"][":available"] = {"S": "available"}  # type: ignore[index]
    db.transact_write_items(TransactItems=[write_b, failing])

    assert item(db)["status"] == {"S": "sold"}
    assert db.item("t", other) is not None
    # each transaction is recorded once, as itself, not as the writes inside it
    assert [c.operation for c in db.calls] == ["put_item", "transact_write_items", "transact_write_items"]


def test_a_transaction_may_touch_an_item_once(db: FakeDynamoDB) -> None:
    twice = [{"Put": {"TableName": "t", "Item": {**KEY, "n": {"N": str(n)}}}} for n in (1, 2)]

    assert code_of(lambda: db.transact_write_items(TransactItems=twice)) == "ValidationException"
    assert item(db)["n"] == {"N": "5"}


def test_a_transaction_deletes_and_checks_conditions(db: FakeDynamoDB) -> None:
    other = {"pk": {"S": "b"}}
    db.put_item(TableName="t", Item={**other, "status": {"S": "spare"}})
    check = {
        "ConditionCheck": {
            "TableName": "t",
            "Key": KEY,
            "ConditionExpression": "#s = :v",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":v": {"S": "sold"}},
        }
    }
    delete = {"Delete": {"TableName": "t", "Key": other}}

    assert (
        code_of(lambda: db.transact_write_items(TransactItems=[check, delete]))
        == "TransactionCanceledException"
    )
    assert db.item("t", other) is not None  # the check failed: nothing deleted

    check["ConditionCheck"]["ExpressionAttributeValues"] = {":v": {"S": "available"}}
    db.transact_write_items(TransactItems=[check, delete])

    assert db.item("t", other) is None
    assert item(db)["status"] == {"S": "available"}  # a check writes nothing
    unknown = [{"Upsert": {"TableName": "t", "Key": KEY}}]
    assert code_of(lambda: db.transact_write_items(TransactItems=unknown)) == "ValidationException"
