"""The PynamoDB models are the one schema: the template's tables must match what
`chalicelib.bootstrap.table_definition` / `ttl_attribute` derive from them, and the local
bootstrap provisions exactly those definitions (and the same user pool and queue layout)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import aws, bootstrap
from chalicelib.bootstrap import table_definition, ttl_attribute
from chalicelib.models import ALL_MODELS, Hold, TTLAttribute
from chalicelib.settings import get_settings
from tests.infrastructure.support import properties, table_mismatches


def model_definitions(
    models: tuple[type[Model], ...] = ALL_MODELS,
) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    definitions = [table_definition(model) for model in models]
    ttls = {d["TableName"]: ttl_attribute(model) for d, model in zip(definitions, models, strict=True)}
    return definitions, ttls


@pytest.mark.usefixtures("template_prefix")
def test_template_tables_match_the_models(template: dict[str, Any]) -> None:
    definitions, ttls = model_definitions()
    assert table_mismatches(template, definitions, ttls) == []


@pytest.mark.usefixtures("template_prefix")
def test_template_key_schemas_list_the_hash_key_first(template: dict[str, Any]) -> None:
    """DynamoDB rejects a KeySchema whose first element is not the HASH key."""
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        schemas = [props["KeySchema"], *(i["KeySchema"] for i in props.get("GlobalSecondaryIndexes", []))]
        for schema in schemas:
            assert schema[0]["KeyType"] == "HASH", name


# --- the comparison fails when a model changes ------------------------------------------------


class HoldKeyedByUser(Model):
    """`holds` with a different hash key."""

    class Meta:
        table_name = "holds"
        stream: str | None = None

    user_id = UnicodeAttribute(hash_key=True)
    ttl = TTLAttribute()


class HoldWithSortKey(Model):
    """`holds` with an added range key (and its index)."""

    class Meta:
        table_name = "holds"
        stream: str | None = None

    hold_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    ttl = TTLAttribute()


class HoldWithOtherTtl(Model):
    class Meta:
        table_name = "holds"
        stream: str | None = None

    hold_id = UnicodeAttribute(hash_key=True)
    expires = TTLAttribute()


class HoldWithStream(Model):
    class Meta:
        table_name = "holds"
        stream: str | None = "NEW_IMAGE"

    hold_id = UnicodeAttribute(hash_key=True)
    ttl = TTLAttribute()


class HoldsByEvent(GlobalSecondaryIndex["HoldWithAnotherIndex"]):
    class Meta:
        index_name = "by_event"
        projection = AllProjection()

    event_id = UnicodeAttribute(hash_key=True)


class HoldWithAnotherIndex(Model):
    class Meta:
        table_name = "holds"
        stream: str | None = None

    hold_id = UnicodeAttribute(hash_key=True)
    ttl = TTLAttribute()
    event_id = UnicodeAttribute()
    by_event = HoldsByEvent()


@pytest.mark.usefixtures("template_prefix")
@pytest.mark.parametrize(
    ("mutant", "expected"),
    [
        (HoldKeyedByUser, "KeySchema"),
        (HoldWithSortKey, "KeySchema"),
        (HoldWithOtherTtl, "TTL attribute"),
        (HoldWithStream, "stream"),
        (HoldWithAnotherIndex, "GlobalSecondaryIndexes"),
    ],
)
def test_a_changed_model_makes_the_comparison_fail(
    template: dict[str, Any], mutant: type[Model], expected: str
) -> None:
    models = tuple(mutant if model is Hold else model for model in ALL_MODELS)
    definitions, ttls = model_definitions(models)
    problems = table_mismatches(template, definitions, ttls)
    assert problems, f"{mutant.__name__} went unnoticed"
    assert all("onsale-${Stage}-holds" in p for p in problems)
    assert any(expected in p for p in problems), problems


@pytest.mark.usefixtures("template_prefix")
def test_a_table_missing_from_the_models_or_the_template_fails(template: dict[str, Any]) -> None:
    definitions, ttls = model_definitions(tuple(m for m in ALL_MODELS if m is not Hold))
    assert any("no model defines it" in p for p in table_mismatches(template, definitions, ttls))
    definitions, ttls = model_definitions()
    renamed = [
        {**d, "TableName": d["TableName"] + "-v2"} if "holds" in d["TableName"] else d for d in definitions
    ]
    assert any("no such table" in p for p in table_mismatches(template, renamed, ttls))


# --- the local bootstrap provisions the same definitions --------------------------------------


class RecordingClient:
    """Answers the listing calls of `chalicelib.bootstrap` as for an empty account; records the rest."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((operation, kwargs))
            return ANSWERS.get(operation, {})

        return call

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == operation]


ANSWERS: dict[str, dict[str, Any]] = {
    "list_tables": {"TableNames": []},
    "describe_time_to_live": {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}},
    "create_queue": {"QueueUrl": "https://sqs.example/000000000000/q"},
    "get_queue_attributes": {"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q-dlq"}},
    "list_user_pools": {"UserPools": []},
    "create_user_pool": {"UserPool": {"Id": "us-east-1_pool"}},
    "list_user_pool_clients": {"UserPoolClients": []},
    "create_user_pool_client": {"UserPoolClient": {"ClientId": "client"}},
    "list_groups": {"Groups": []},
}


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    client = RecordingClient()
    for factory in ("dynamodb", "sqs", "cognito"):
        monkeypatch.setattr(aws, factory, lambda client=client: client)
    return client


@pytest.mark.usefixtures("template_prefix")
def test_bootstrap_creates_exactly_the_model_definitions(recording: RecordingClient) -> None:
    bootstrap.ensure_tables()
    assert recording.of("create_table") == [table_definition(model) for model in ALL_MODELS]
    ttl_updates = {
        c["TableName"]: c["TimeToLiveSpecification"]["AttributeName"]
        for c in recording.of("update_time_to_live")
    }
    assert ttl_updates == {
        table_definition(m)["TableName"]: ttl_attribute(m) for m in ALL_MODELS if ttl_attribute(m)
    }


def test_bootstrap_key_schemas_list_the_hash_key_first() -> None:
    for model in ALL_MODELS:
        definition = table_definition(model)
        schemas = [
            definition["KeySchema"],
            *(i["KeySchema"] for i in definition.get("GlobalSecondaryIndexes", [])),
        ]
        for schema in schemas:
            assert schema[0]["KeyType"] == "HASH", definition["TableName"]


def test_bootstrap_user_pool_matches_the_template(
    template: dict[str, Any], recording: RecordingClient
) -> None:
    bootstrap.ensure_user_pool(get_settings())
    (pool,) = recording.of("create_user_pool")
    template_pool = properties(template, "UserPool")
    assert pool["UsernameAttributes"] == template_pool["UsernameAttributes"]
    assert pool["AutoVerifiedAttributes"] == template_pool["AutoVerifiedAttributes"]
    assert pool["Policies"] == template_pool["Policies"]
    assert pool["Schema"] == template_pool["Schema"]
    assert pool["PoolName"].removeprefix(f"onsale-{get_settings().stage}-") == "users"
    assert template_pool["UserPoolName"] == {"Fn::Sub": "onsale-${Stage}-users"}
    (client,) = recording.of("create_user_pool_client")
    template_client = properties(template, "UserPoolClient")
    assert client["ExplicitAuthFlows"] == template_client["ExplicitAuthFlows"]
    assert client["GenerateSecret"] == template_client["GenerateSecret"]
    (group,) = recording.of("create_group")
    assert group["GroupName"] == properties(template, "AdminGroup")["GroupName"]


def test_bootstrap_queue_redrives_like_the_template(
    template: dict[str, Any], recording: RecordingClient
) -> None:
    bootstrap.ensure_queue("onsale-test-inventory")
    queue = recording.of("create_queue")[-1]
    redrive = json.loads(queue["Attributes"]["RedrivePolicy"])
    template_redrive = properties(template, "InventoryQueue")["RedrivePolicy"]
    assert int(redrive["maxReceiveCount"]) == int(template_redrive["maxReceiveCount"])
    assert recording.of("create_queue")[0]["QueueName"] == "onsale-test-inventory-dlq"
    assert properties(template, "InventoryDeadLetterQueue")["QueueName"] == {
        "Fn::Sub": "onsale-${Stage}-inventory-dlq"
    }
    assert properties(template, "InventoryQueue")["QueueName"] == {"Fn::Sub": "onsale-${Stage}-inventory"}
