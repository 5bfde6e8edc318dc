"""The laptop stack's emulator (`local.moto_server`, over real HTTP) answers DynamoDB's item
operations exactly as moto as shipped does (in-process `mock_aws`): the same calls go to both
and every answer is compared whole. Its speed-ups (a query reads one partition; answers written
with `json.dumps`) must change nothing a client can see: order, pages, projections, filters,
binary values, missing items, errors."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from local.emulator import free_port, start_emulator

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    process = start_emulator(port, Path(tmp_path_factory.mktemp("emulator")) / "emulator.log")
    try:
        yield boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            config=Config(retries={"max_attempts": 1}),
            **CREDENTIALS,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def stock() -> Iterator[Any]:
    saved = {name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    for name in saved:
        os.environ.pop(name, None)
    with mock_aws():
        yield boto3.client("dynamodb", **CREDENTIALS)
    for name, value in saved.items():
        if value is not None:
            os.environ[name] = value


def _answer(call: Callable[..., dict[str, Any]], **request: Any) -> dict[str, Any]:
    try:
        answer = dict(call(**request))
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"].get("Message")}
    answer.pop("ResponseMetadata", None)
    return answer


def both(emulator: Any, stock: Any, operation: str, **request: Any) -> dict[str, Any]:
    """The emulator's answer, after checking it is stock moto's."""
    ours = _answer(getattr(emulator, operation), **request)
    theirs = _answer(getattr(stock, operation), **request)
    assert ours == theirs, f"{operation} {request}"
    return ours


def _seat(partition: str, seat: str, owner: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": partition}, "sk": {"S": seat}, "owner": {"S": owner}, **extra}


@pytest.fixture(scope="module")
def tables(emulator: Any, stock: Any) -> None:
    for client in (emulator, stock):
        client.create_table(
            TableName="seats",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "owner", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_owner",
                    "KeySchema": [
                        {"AttributeName": "owner", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.create_table(
            TableName="events",
            KeySchema=[{"AttributeName": "event_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "event_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    # Written out of order, across partitions, so that any order in the answers is the tables'.
    for index in (7, 2, 9, 0, 5, 1, 8, 3, 6, 4):
        for partition in ("ev1#floor", "ev1#balcony", "ev2#floor"):
            item = _seat(
                partition,
                f"A-{index:02d}",
                f"user{index % 3}",
                price={"N": str(1000 + index)},
                tags={"SS": ["aisle", f"t{index}"]},
                blob={"B": bytes([index, 0, 255])},
                info={
                    "M": {"row": {"S": "A"}, "accessible": {"BOOL": index % 2 == 0}, "note": {"NULL": True}}
                },
                history={"L": [{"N": "1"}, {"S": "held"}]},
            )
            both(emulator, stock, "put_item", TableName="seats", Item=item)
    both(
        emulator,
        stock,
        "put_item",
        TableName="events",
        Item={"event_id": {"S": "ev1"}, "name": {"S": "Stadium night"}, "capacity": {"N": "56000"}},
    )


@pytest.mark.usefixtures("tables")
def test_table_queries_read_their_partition_in_key_order(emulator: Any, stock: Any) -> None:
    whole = both(
        emulator,
        stock,
        "query",
        TableName="seats",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "ev1#floor"}},
    )
    assert [item["sk"]["S"] for item in whole["Items"]] == [f"A-{i:02d}" for i in range(10)]
    assert {item["pk"]["S"] for item in whole["Items"]} == {"ev1#floor"}
    assert whole["Items"][3]["blob"] == {"B": bytes([3, 0, 255])}

    backwards = both(
        emulator,
        stock,
        "query",
        TableName="seats",
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={":p": {"S": "ev2#floor"}, ":a": {"S": "A-02"}, ":b": {"S": "A-06"}},
        ScanIndexForward=False,
        ProjectionExpression="sk, price, info.accessible",
    )
    assert [item["sk"]["S"] for item in backwards["Items"]] == ["A-06", "A-05", "A-04", "A-03", "A-02"]

    filtered = both(
        emulator,
        stock,
        "query",
        TableName="seats",
        KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
        FilterExpression="price > :n",
        ExpressionAttributeValues={":p": {"S": "ev1#balcony"}, ":a": {"S": "A-0"}, ":n": {"N": "1006"}},
    )
    assert filtered["Count"] == 3 and filtered["ScannedCount"] == 10

    for missing in ("ev3#floor", "ev1"):
        nothing = both(
            emulator,
            stock,
            "query",
            TableName="seats",
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": missing}},
        )
        assert nothing["Items"] == [] and nothing["Count"] == 0

    one = both(
        emulator,
        stock,
        "query",
        TableName="events",
        KeyConditionExpression="event_id = :e",
        ExpressionAttributeValues={":e": {"S": "ev1"}},
    )
    assert [item["name"]["S"] for item in one["Items"]] == ["Stadium night"]


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize(
    "projection",
    [
        "history[1], info.row",
        "history[5], info.missing",
        "info.note, #o, nothing",  # (a projected set comes out in hash order, which differs by process)
        "#b, #p",
        "sk",
        "info.row, info",
        "history, history[0]",
    ],
)
def test_projections_answer_as_moto_does(emulator: Any, stock: Any, projection: str) -> None:
    # The emulator projects from the attributes the paths start at only (a stadium's event is
    # ~100 KB): nested paths, list elements, missing ones and whole attributes must come out
    # as moto's own.
    aliases = {"#p": "price", "#b": "blob", "#o": "owner"}
    used = {alias: name for alias, name in aliases.items() if alias in projection}
    names = {"ExpressionAttributeNames": used} if used else {}
    key = {"pk": {"S": "ev2#floor"}, "sk": {"S": "A-03"}}
    got = both(
        emulator, stock, "get_item", TableName="seats", Key=key, ProjectionExpression=projection, **names
    )
    queried = both(
        emulator,
        stock,
        "query",
        TableName="seats",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "ev1#balcony"}},
        ProjectionExpression=projection,
        **names,
    )
    scanned = both(
        emulator,
        stock,
        "scan",
        TableName="seats",
        FilterExpression="price > :n",
        ExpressionAttributeValues={":n": {"N": "1004"}},
        ProjectionExpression=projection,
        **names,
    )
    by_index = both(
        emulator,
        stock,
        "scan",
        TableName="seats",
        IndexName="by_owner",
        ProjectionExpression=projection,
        **names,
    )

    assert "Item" in got and queried["Count"] == 10
    assert scanned["Count"] == 15 and by_index["Count"] == 30


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"FilterExpression": "price > :n", "ExpressionAttributeValues": {":n": {"N": "1006"}}},
        {"ScanFilter": {"price": {"AttributeValueList": [{"N": "1005"}], "ComparisonOperator": "GT"}}},
        {
            "ScanFilter": {
                "nothing": {"ComparisonOperator": "NULL"},
                "owner": {"ComparisonOperator": "NOT_NULL"},
            }
        },
        {"Segment": 1, "TotalSegments": 3},
        {"ProjectionExpression": "sk, info.row", "Segment": 0, "TotalSegments": 2},
    ],
)
def test_scans_page_by_page_answer_as_moto_does(emulator: Any, stock: Any, request_: dict[str, Any]) -> None:
    request: dict[str, Any] = {"TableName": "seats", "Limit": 4, **request_}
    seen: list[tuple[str, str]] = []
    while True:
        page = both(emulator, stock, "scan", **request)
        seen.extend((item.get("pk", {}).get("S", ""), item["sk"]["S"]) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    assert len(seen) == len(set(seen)) > 0


def test_a_scan_page_stops_at_a_megabyte_as_moto_s_does(emulator: Any, stock: Any) -> None:
    for client in (emulator, stock):
        client.create_table(
            TableName="layouts",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    for n in range(5):
        layout = {"id": {"S": f"L{n}"}, "rows": {"L": [{"S": "x" * 1000}] * 300}, "n": {"N": str(n)}}
        both(emulator, stock, "put_item", TableName="layouts", Item=layout)

    request: dict[str, Any] = {"TableName": "layouts", "ProjectionExpression": "id, n"}
    pages = []
    while True:
        page = both(emulator, stock, "scan", **request)
        pages.append([item["id"]["S"] for item in page["Items"]])
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    assert len(pages) > 1 and sorted(key for page in pages for key in page) == [f"L{n}" for n in range(5)]


@pytest.mark.usefixtures("tables")
def test_pages_of_table_and_index_queries_are_moto_pages(emulator: Any, stock: Any) -> None:
    for index_name, condition, value in (
        (None, "pk = :v", "ev1#floor"),
        ("by_owner", "#o = :v", "user1"),
    ):
        request: dict[str, Any] = {
            "TableName": "seats",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": {":v": {"S": value}},
            "Limit": 3,
        }
        if index_name:
            request.update(IndexName=index_name, ExpressionAttributeNames={"#o": "owner"})
        seen: list[tuple[str, str]] = []
        while True:
            page = both(emulator, stock, "query", **request)
            seen.extend((item["pk"]["S"], item["sk"]["S"]) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        expected = 10 if index_name is None else 9  # user1 owns seats 1, 4, 7 of each partition
        assert len(seen) == len(set(seen)) == expected


@pytest.mark.usefixtures("tables")
def test_item_reads_and_writes_answer_as_moto_does(emulator: Any, stock: Any) -> None:
    key = {"pk": {"S": "ev1#floor"}, "sk": {"S": "A-04"}}
    got = both(emulator, stock, "get_item", TableName="seats", Key=key)
    assert got["Item"]["tags"] == {"SS": ["aisle", "t4"]}
    assert "Item" not in both(
        emulator, stock, "get_item", TableName="seats", Key={"pk": {"S": "ev1#floor"}, "sk": {"S": "Z-99"}}
    )
    projected = both(
        emulator,
        stock,
        "get_item",
        TableName="events",
        Key={"event_id": {"S": "ev1"}},
        ProjectionExpression="#c",
        ExpressionAttributeNames={"#c": "capacity"},
        ReturnConsumedCapacity="TOTAL",
    )
    assert projected["Item"] == {"capacity": {"N": "56000"}}

    batch = both(
        emulator,
        stock,
        "batch_get_item",
        RequestItems={"seats": {"Keys": [key, {"pk": {"S": "ev2#floor"}, "sk": {"S": "A-00"}}]}},
    )
    assert len(batch["Responses"]["seats"]) == 2

    updated = both(
        emulator,
        stock,
        "update_item",
        TableName="seats",
        Key=key,
        UpdateExpression="SET #s = :sold ADD price :one",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":sold": {"S": "sold"}, ":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )
    assert updated["Attributes"]["price"] == {"N": "1005"}

    taken = both(
        emulator,
        stock,
        "put_item",
        TableName="seats",
        Item=_seat("ev1#floor", "A-04", "intruder"),
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    assert taken["error"] == "ConditionalCheckFailedException"
    assert both(emulator, stock, "get_item", TableName="seats", Key=key)["Item"]["owner"] == {"S": "user1"}

    deleted = both(emulator, stock, "delete_item", TableName="seats", Key=key, ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["status"] == {"S": "sold"}
    assert both(emulator, stock, "scan", TableName="events", Limit=5)["Count"] == 1


def test_a_projection_converts_only_the_attributes_its_paths_start_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from local.moto_server import project

    converted: list[list[str]] = []
    to_json = Item.to_regular_json

    def recording(item: Item) -> dict[str, Any]:
        converted.append(sorted(item.attrs))
        return to_json(item)

    monkeypatch.setattr(Item, "to_regular_json", recording)
    layout = {"L": [{"M": {"row": {"S": f"R{n}"}, "seats": {"N": "28"}}} for n in range(2000)]}
    event = Item(
        hash_key=DynamoType({"S": "ev1"}),
        range_key=None,
        attrs={
            "event_id": {"S": "ev1"},
            "layout": layout,
            "updated_at": {"S": "t1"},
            "acts": {"L": [{"S": "a"}]},
        },
    )

    projected = project(event, [["updated_at"], ["acts[0]"]])

    assert converted == [["acts", "updated_at"]] * 2  # once per path, without the layout
    assert {name: value.value for name, value in projected.attrs.items()} == {
        "updated_at": "t1",
        "acts": [DynamoType({"S": "a"})],
    }


def test_stream_reads_go_through_the_dynamodb_path_and_keep_their_connection(emulator: Any) -> None:
    # The stack's pollers read streams several times a second: those requests take the
    # DynamoDB path (no Flask app, the connection kept open). (Stock moto's in-process streams
    # answer 404 to this botocore, so the records are checked against what was written.)
    streams, arn, shard_id = _streamed_table(emulator, "streamed")
    for n in range(3):
        emulator.put_item(TableName="streamed", Item={"id": {"S": f"k{n}"}, "n": {"N": str(n)}})
    emulator.delete_item(TableName="streamed", Key={"id": {"S": "k1"}})

    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")
    answer = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=10)

    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in answer["Records"]] == [
        ("INSERT", "k0"),
        ("INSERT", "k1"),
        ("INSERT", "k2"),
        ("REMOVE", "k1"),
    ]
    assert answer["Records"][2]["dynamodb"]["NewImage"] == {"id": {"S": "k2"}, "n": {"N": "2"}}
    assert answer["Records"][3]["dynamodb"]["OldImage"] == {"id": {"S": "k1"}, "n": {"N": "1"}}
    assert isinstance(answer["Records"][0]["dynamodb"]["ApproximateCreationDateTime"], datetime)
    assert answer["ResponseMetadata"]["HTTPHeaders"].get("connection") != "close"
    again = streams.get_records(ShardIterator=answer["NextShardIterator"])
    assert again["Records"] == []


def _streamed_table(emulator: Any, name: str) -> tuple[Any, str, str]:
    """A new table with a NEW_AND_OLD_IMAGES stream: (streams client, stream ARN, shard id)."""
    emulator.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=emulator.meta.endpoint_url,
        config=Config(retries={"max_attempts": 1}),
        **CREDENTIALS,
    )
    arn = emulator.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    return streams, arn, shard["ShardId"]


def test_stream_iterators_start_where_asked_and_can_be_read_again(emulator: Any) -> None:
    # The emulator's iterators carry their position (it keeps none of them): each kind starts
    # where DynamoDB's does, and reading one twice answers the same records.
    streams, arn, shard_id = _streamed_table(emulator, "positions")
    emulator.put_item(TableName="positions", Item={"id": {"S": "before"}})

    def iterator(kind: str, **position: str) -> str:
        answer = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind, **position
        )
        return str(answer["ShardIterator"])

    latest = iterator("LATEST")
    for name in ("a", "b", "c"):
        emulator.put_item(TableName="positions", Item={"id": {"S": name}})

    def ids(records: list[dict[str, Any]]) -> list[str]:
        return [r["dynamodb"]["Keys"]["id"]["S"] for r in records]

    first = streams.get_records(ShardIterator=latest, Limit=2)
    assert ids(first["Records"]) == ["a", "b"]
    assert ids(streams.get_records(ShardIterator=latest)["Records"]) == ["a", "b", "c"]  # read again
    rest = streams.get_records(ShardIterator=first["NextShardIterator"])
    assert ids(rest["Records"]) == ["c"]
    idle = streams.get_records(ShardIterator=rest["NextShardIterator"])
    assert idle["Records"] == []
    emulator.delete_item(TableName="positions", Key={"id": {"S": "a"}})
    later = streams.get_records(ShardIterator=idle["NextShardIterator"])["Records"]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in later] == [("REMOVE", "a")]

    everything = streams.get_records(ShardIterator=iterator("TRIM_HORIZON"))["Records"]
    assert ids(everything) == ["before", "a", "b", "c", "a"]
    b = everything[2]["dynamodb"]["SequenceNumber"]
    at_b = streams.get_records(ShardIterator=iterator("AT_SEQUENCE_NUMBER", SequenceNumber=b))
    after_b = streams.get_records(ShardIterator=iterator("AFTER_SEQUENCE_NUMBER", SequenceNumber=b))
    assert ids(at_b["Records"]) == ["b", "c", "a"]
    assert ids(after_b["Records"]) == ["c", "a"]


@pytest.mark.parametrize("iterator", ["garbage", "|1|5", "{arn}|1|", "{arn}|1|-3", "{arn}|1|12"])
def test_a_malformed_stream_iterator_is_a_validation_error(emulator: Any, iterator: str) -> None:
    streams, arn, _ = _streamed_table(emulator, f"bad-iterators-{abs(hash(iterator))}")
    with pytest.raises(ClientError) as refused:
        streams.get_records(ShardIterator=iterator.format(arn=arn))
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def _printed_by(script: str) -> list[str]:
    """What `script` prints, run in a fresh interpreter: it installs the emulator's patches into
    in-process moto there, which must not reach this process's stock moto."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


_KEEPS_NOTHING = """
import boto3, gc
from moto import mock_aws
from local import moto_server
moto_server.install()
from moto.core.model_instances import model_data
from moto.dynamodbstreams.models import dynamodbstreams_backends

def tracked(*services):
    return sum(len(model.instances_tracked) for service in services for model in model_data[service].values())

with mock_aws():
    db = boto3.client("dynamodb", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    # (In-process, this botocore's stream requests get a 404: the backend is called directly.)
    streams = dynamodbstreams_backends["123456789012"]["us-east-1"]
    shard = streams.describe_stream(arn)["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(arn, shard, "LATEST").arn
    before = tracked("dynamodb", "dynamodbstreams", "sqs")
    ses = boto3.client("ses", region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="box@example.com")
    mail = tracked("ses")
    for n in range(50):
        db.put_item(TableName="t", Item={"id": {"S": "k"}, "n": {"N": str(n)}})
        key = {":k": {"S": "k"}}
        db.query(TableName="t", KeyConditionExpression="id = :k", ExpressionAttributeValues=key)
        db.scan(TableName="t")
        iterator = streams.get_records(iterator, 10)["NextShardIterator"]
        sqs.send_message(QueueUrl=queue, MessageBody="m")
        for message in sqs.receive_message(QueueUrl=queue).get("Messages", []):
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    body = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}
    ses.send_email(Source="box@example.com", Destination={"ToAddresses": ["x@example.com"]}, Message=body)
    kept = tracked("dynamodb", "dynamodbstreams", "sqs") - before
    print(kept, len(streams.shard_iterators), tracked("ses") - mail)
"""


def test_the_emulator_keeps_no_model_object_it_has_finished_with() -> None:
    # moto as shipped lists every model object it makes (each item a Query copies, each
    # stream iterator, each SQS message) for its dashboard, and every stream iterator in a dict:
    # the idle stack's stream polls grew the emulator by ~160 MB an hour. Sent mail stays
    # listed: the local outbox reads it from the dashboard.
    kept, iterators, mail = map(int, _printed_by(_KEEPS_NOTHING))
    assert (kept, iterators) == (0, 0)
    assert mail == 1


def test_what_survives_a_full_collection_is_frozen_at_the_next_request() -> None:
    from local import moto_server

    frozen = gc.get_freeze_count()
    try:
        moto_server.freeze_survivors()
        assert gc.get_freeze_count() == frozen  # no full collection yet: nothing to freeze
        moto_server._after_collection("stop", {"generation": 1, "collected": 0, "uncollectable": 0})
        moto_server.freeze_survivors()
        assert gc.get_freeze_count() == frozen
        stored = {"item": [{"S": "kept"}]}  # tracked by the collector, as moto's items are
        gc.collect()
        moto_server._after_collection("stop", {"generation": 2, "collected": 0, "uncollectable": 0})
        moto_server.freeze_survivors()
        assert gc.get_freeze_count() > frozen
        assert not any(found is stored for found in gc.get_objects(generation=2))
        fresh = {"item": [{"S": "new"}]}
        moto_server.freeze_survivors()  # once per full collection
        assert any(found is fresh for found in gc.get_objects())
    finally:
        gc.unfreeze()


_LENDS = """
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from local import moto_server
moto_server.install()
copies = []
copying = moto_server._moto_item_deepcopy
moto_server._moto_item_deepcopy = lambda item, memo: copies.append(item) or copying(item, memo)
import boto3
from moto import mock_aws
with mock_aws():
    db = boto3.client("dynamodb", region_name="us-east-1")
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": a, "KeyType": k} for a, k in (("p", "HASH"), ("s", "RANGE"))],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("p", "s")],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(20):
        item = {"p": {"S": "e"}, "s": {"S": f"{n:02d}"}, "m": {"M": {"n": {"N": str(n)}}}}
        db.put_item(TableName="t", Item=item)
    db.query(TableName="t", KeyConditionExpression="p = :p", ExpressionAttributeValues={":p": {"S": "e"}})
    db.scan(TableName="t")
    read = len(copies)
    put = {"TableName": "t", "Item": {"p": {"S": "e"}, "s": {"S": "00"}}}
    db.transact_write_items(TransactItems=[{"Put": put}])
    print(read, len(copies))
"""


def test_reads_answer_from_the_stored_items_and_a_transaction_still_keeps_its_undo_copy() -> None:
    # A Query or a Scan lends the stored items to its answer (moto deep-copied each); a
    # transaction still copies what it may have to restore.
    assert _printed_by(_LENDS) == ["0", "1"]


def test_dynamodb_requests_take_turns_in_arrival_order() -> None:
    # A plain lock lets a request that has just arrived take it ahead of one already waiting;
    # the gate hands it to the longest waiter (its order is tested in tests/unit/test_fifo_gate.py).
    from chalicelib.turns import FifoGate
    from local import moto_server

    assert isinstance(moto_server._request_lock, FifoGate)


@pytest.mark.usefixtures("tables")
def test_repeated_expression_texts_apply_each_requests_own_values(emulator: Any, stock: Any) -> None:
    # The emulator parses an update text and tokenises a condition text once; every request
    # still brings its own names and values, and a bad update text is refused every time. (A bad
    # condition text is a 500 in moto as shipped too: the app's conditions are constants.)
    hold = "SET #h = :hold, hold_until = :until"
    free = "attribute_not_exists(#h) OR hold_until <= :now"
    for seat, holder, now in (("A-05", "h1", "100"), ("A-06", "h2", "100"), ("A-05", "h3", "150")):
        both(
            emulator,
            stock,
            "update_item",
            TableName="seats",
            Key={"pk": {"S": "ev2#floor"}, "sk": {"S": seat}},
            UpdateExpression=hold,
            ConditionExpression=free,
            ExpressionAttributeNames={"#h": "holder"},
            ExpressionAttributeValues={
                ":hold": {"S": holder},
                ":until": {"N": str(int(now) + 60)},
                ":now": {"N": now},
            },
        )
    expired = both(
        emulator,
        stock,
        "update_item",
        TableName="seats",
        Key={"pk": {"S": "ev2#floor"}, "sk": {"S": "A-05"}},
        UpdateExpression=hold,
        ConditionExpression=free,
        ExpressionAttributeNames={"#h": "holder"},
        ExpressionAttributeValues={":hold": {"S": "h4"}, ":until": {"N": "400"}, ":now": {"N": "300"}},
        ReturnValues="ALL_NEW",
    )
    assert expired["Attributes"]["holder"] == {"S": "h4"}
    seats = both(
        emulator,
        stock,
        "batch_get_item",
        RequestItems={
            "seats": {"Keys": [{"pk": {"S": "ev2#floor"}, "sk": {"S": s}} for s in ("A-05", "A-06")]}
        },
    )
    assert sorted(item["holder"]["S"] for item in seats["Responses"]["seats"]) == ["h2", "h4"]
    for _ in range(2):
        refused = both(
            emulator,
            stock,
            "update_item",
            TableName="seats",
            Key={"pk": {"S": "ev2#floor"}, "sk": {"S": "A-07"}},
            UpdateExpression="SET = :x",
            ExpressionAttributeValues={":x": {"S": "x"}},
        )
        assert refused["error"] == "ValidationException"


_PARSES_ONCE = """
from local import moto_server
moto_server.install()
parsed, lexed = [], []
parse, lex = moto_server._moto_parse_update, moto_server._moto_lex_condition
moto_server._moto_parse_update = lambda text: parsed.append(text) or parse(text)
moto_server._moto_lex_condition = lambda parser: lexed.append(parser.condition_expression) or lex(parser)
import boto3
from moto import mock_aws
with mock_aws():
    db = boto3.client("dynamodb", region_name="us-east-1")
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(10):
        update = {
            "TableName": "t",
            "Key": {"p": {"S": f"seat{n}"}},
            "UpdateExpression": "SET holder = :h",
            "ConditionExpression": "attribute_not_exists(holder) OR holder = :h",
            "ExpressionAttributeValues": {":h": {"S": f"user{n}"}},
        }
        db.transact_write_items(TransactItems=[{"Update": update}])
        db.update_item(**update)
    print(len(parsed), len(lexed))
"""


def test_each_expression_text_is_parsed_once() -> None:
    # moto parsed an update text twice per transaction item and once per UpdateItem, and
    # tokenised the condition text each time: 30 parses and 20 tokenisations here.
    assert _printed_by(_PARSES_ONCE) == ["1", "1"]
