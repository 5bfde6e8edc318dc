"""Idempotent provisioning of every table, queue and user pool, derived from the models.

The same code provisions the moto emulator (`make run`, tests), LocalStack, or an AWS account
for development. Table definitions come from the PynamoDB models, so the two cannot drift.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib import aws
from chalicelib.models import ALL_MODELS, table_name
from chalicelib.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    user_pool_id: str
    user_pool_client_id: str
    inventory_queue_url: str
    notifications_secret_id: str = ""  # notifications: the unsubscribe/ticket signing key
    # --- waiting room ---
    join_queue_url: str = ""
    pre_open_join_queue_url: str = ""
    admission_secret_id: str = ""

    def as_env(self) -> dict[str, str]:
        return {
            "ONSALE_USER_POOL_ID": self.user_pool_id,
            "ONSALE_USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "ONSALE_INVENTORY_QUEUE_URL": self.inventory_queue_url,
            "ONSALE_NOTIFICATIONS_SECRET_ID": self.notifications_secret_id,
            # --- waiting room ---
            "ONSALE_JOIN_QUEUE_URL": self.join_queue_url,
            "ONSALE_PRE_OPEN_JOIN_QUEUE_URL": self.pre_open_join_queue_url,
            "ONSALE_ADMISSION_SECRET_ID": self.admission_secret_id,
        }


def _hash_first(key_schema: list[Any]) -> list[Any]:
    """DynamoDB wants the HASH element first; PynamoDB lists key attributes in name order."""
    return sorted(key_schema, key=lambda element: element["KeyType"] != "HASH")


def table_definition(model: type[Model]) -> dict[str, Any]:
    """CreateTable parameters for a model (on-demand, streams as the model declares)."""
    schema = model._get_schema()
    definitions = {d["AttributeName"]: d for d in schema["attribute_definitions"]}
    params: dict[str, Any] = {
        "TableName": table_name(model),
        "KeySchema": _hash_first(schema["key_schema"]),
        "BillingMode": "PAY_PER_REQUEST",
    }
    indexes = []
    for index in schema["global_secondary_indexes"]:
        indexes.append(
            {
                "IndexName": index["index_name"],
                "KeySchema": _hash_first(index["key_schema"]),
                "Projection": index["projection"],
            }
        )
    if indexes:
        params["GlobalSecondaryIndexes"] = indexes
    params["AttributeDefinitions"] = list(definitions.values())
    stream_view = model.Meta.stream  # type: ignore[attr-defined]
    if stream_view:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream_view}
    return params


def ttl_attribute(model: type[Model]) -> str | None:
    for attr in model.get_attributes().values():
        if isinstance(attr, TTLAttribute):
            return attr.attr_name
    return None


def ensure_tables() -> None:
    client = aws.dynamodb()
    existing = set(client.list_tables()["TableNames"])
    for model in ALL_MODELS:
        params = table_definition(model)
        if params["TableName"] not in existing:
            client.create_table(**params)
            logger.info("created table %s", params["TableName"])
        elif "StreamSpecification" in params:
            _ensure_stream(client, params["TableName"], params["StreamSpecification"])
        ttl = ttl_attribute(model)
        if ttl:
            status = client.describe_time_to_live(TableName=params["TableName"])
            if status["TimeToLiveDescription"].get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}:
                client.update_time_to_live(
                    TableName=params["TableName"],
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
                )


def _ensure_stream(client: Any, table: str, spec: dict[str, Any]) -> None:
    """Turn on a stream a model gained since its table was created (a kept emulator state)."""
    current = client.describe_table(TableName=table)["Table"].get("StreamSpecification") or {}
    if current.get("StreamEnabled") and current.get("StreamViewType") == spec["StreamViewType"]:
        return
    if current.get("StreamEnabled"):  # another view type: a stream is replaced, not edited
        client.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    client.update_table(TableName=table, StreamSpecification=spec)
    logger.info("enabled the %s stream of table %s", spec["StreamViewType"], table)


def ensure_queue(name: str) -> str:
    """A queue with a dead-letter queue that catches messages failing five times."""
    sqs = aws.sqs()
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}'
    url: str = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "120", "RedrivePolicy": redrive},
    )["QueueUrl"]
    return url


def ensure_user_pool(settings: Settings) -> tuple[str, str]:
    cognito = aws.cognito()
    pool_name = f"onsale-{settings.stage}-users"
    pool_id = None
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == pool_name:
            pool_id = pool["Id"]
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=pool_name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 8,
                    "RequireUppercase": False,
                    "RequireLowercase": False,
                    "RequireNumbers": False,
                    "RequireSymbols": False,
                }
            },
            Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]["Id"]
    client_name = f"onsale-{settings.stage}-api"
    client_id = None
    for app_client in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]:
        if app_client["ClientName"] == client_name:
            client_id = app_client["ClientId"]
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=client_name,
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    if settings.admin_group not in groups:
        cognito.create_group(UserPoolId=pool_id, GroupName=settings.admin_group)
    return pool_id, client_id


def provision(settings: Settings) -> Resources:
    """Create whatever is missing; safe to run any number of times."""
    ensure_tables()
    queue_url = ensure_queue(f"onsale-{settings.stage}-inventory")
    pool_id, client_id = ensure_user_pool(settings)
    return Resources(
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        inventory_queue_url=queue_url,
        notifications_secret_id=ensure_email(settings),
        # --- waiting room ---
        join_queue_url=ensure_queue(f"onsale-{settings.stage}-queue-joins"),
        pre_open_join_queue_url=ensure_queue(f"onsale-{settings.stage}-queue-joins-pre-open"),
        admission_secret_id=ensure_admission_secret(settings.admission_secret_id),
    )


# --- notifications: the sender identity and the link-signing secret ------------------------


def ensure_email(settings: Settings) -> str:
    """Verify the sender in SES and create the signing secret if missing; returns the secret's id.

    The emulator marks an address verified at once; in an AWS account SES mails a link.
    """
    import secrets
    from email.utils import parseaddr

    aws.client("ses").verify_email_identity(EmailAddress=parseaddr(settings.email_from)[1])
    manager = aws.client("secretsmanager")
    name = f"onsale/{settings.stage}/notifications"
    try:
        return str(manager.describe_secret(SecretId=name)["ARN"])
    except manager.exceptions.ResourceNotFoundException:
        created = manager.create_secret(
            Name=name,
            Description="Onsale: key signing unsubscribe links and ticket codes",
            SecretString=json.dumps({"signing_key": secrets.token_urlsafe(48)}),
        )
        logger.info("created secret %s", name)
        return str(created["ARN"])


# --- waiting room ---------------------------------------------------------------------------


def ensure_admission_secret(name: str) -> str:
    """The secret holding the admission-token key (a random value), created once; returns its
    name. In AWS the stack's `AWS::SecretsManager::Secret` generates it instead."""
    import secrets

    manager = aws.client("secretsmanager")
    try:
        manager.describe_secret(SecretId=name)
    except manager.exceptions.ResourceNotFoundException:
        manager.create_secret(
            Name=name,
            Description="Onsale: key signing waiting-room admission tokens",
            SecretString=secrets.token_urlsafe(48),
        )
        logger.info("created secret %s", name)
    return name
