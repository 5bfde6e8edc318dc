"""Reading the generated CloudFormation template: resources, intrinsic functions, IAM statements,
and the comparison of the PynamoDB models' table definitions with the template's tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Template = dict[str, Any]

# The table prefix the template uses, as a `Fn::Sub` string. Table definitions computed with this
# prefix (ONSALE_TABLE_PREFIX) carry exactly the template's `TableName` strings.
TEMPLATE_TABLE_PREFIX = "onsale-${Stage}-"


def resources(template: Template, kind: str | None = None) -> dict[str, dict[str, Any]]:
    found = template.get("Resources", {})
    return {name: r for name, r in found.items() if kind is None or r.get("Type") == kind}


def properties(template: Template, name: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][name].get("Properties", {})
    return props


def branches(value: Any) -> Iterator[Any]:
    """Every value `value` can take: both sides of each `Fn::If`, without `AWS::NoValue`."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        _, when_true, when_false = value["Fn::If"]
        yield from branches(when_true)
        yield from branches(when_false)
    elif value == {"Ref": "AWS::NoValue"}:
        return
    else:
        yield value


def as_list(value: Any) -> list[Any]:
    items: list[Any] = []
    for option in branches(value):
        for item in option if isinstance(option, list) else [option]:
            items.extend(branches(item))
    return items


def sub_text(value: Any) -> str | None:
    """The string of a `Fn::Sub` (either form), or a plain string; None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def referenced(value: Any) -> set[str]:
    """Logical ids (with their attribute) a value refers to: `Ref X`, `GetAtt X.A`, `${X.A}`."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return {".".join(target) if isinstance(target, list) else target}
        found: set[str] = set()
        text = sub_text(value)
        if text is not None:
            found |= set(re.findall(r"\$\{([A-Za-z0-9:.]+)\}", text))
        for inner in value.values():
            found |= referenced(inner)
        return found
    if isinstance(value, list):
        return set().union(*(referenced(v) for v in value)) if value else set()
    return set()


# --- IAM --------------------------------------------------------------------------------------


def role_statements(template: Template, role: str) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies (both sides of conditional ones)."""
    statements: list[dict[str, Any]] = []
    for policy in as_list(properties(template, role).get("Policies", [])):
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            statements.append(statement)
    return statements


def actions_of(statement: dict[str, Any]) -> list[str]:
    return [str(a) for a in as_list(statement.get("Action", []))]


def resources_of(statement: dict[str, Any]) -> list[Any]:
    return as_list(statement.get("Resource", []))


POLICY_DOCUMENT_TYPES = {
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
}


def all_allow_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, statement) for every Allow statement: roles, policies and resource policies."""
    for name, resource in resources(template).items():
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        documents: list[Any] = []
        if kind == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in as_list(props.get("Policies", []))]
        elif kind in POLICY_DOCUMENT_TYPES:
            documents = [props["PolicyDocument"]]
        elif kind == "AWS::OpenSearchService::Domain" and "AccessPolicies" in props:
            documents = [props["AccessPolicies"]]
        for document in documents:
            for statement in as_list(document["Statement"]):
                if statement.get("Effect") == "Allow":
                    yield name, statement


# --- tables -----------------------------------------------------------------------------------


def template_tables(template: Template) -> dict[str, tuple[str, dict[str, Any]]]:
    """TableName (the Sub string) -> (logical id, properties) of every DynamoDB table."""
    tables: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, resource in resources(template, "AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        table_name = sub_text(props["TableName"])
        assert table_name is not None, f"{name}: TableName is not a string or Fn::Sub"
        tables[table_name] = (name, props)
    return tables


def short_table_names(template: Template) -> dict[str, str]:
    """Logical id -> the model's short name ("seats") of every DynamoDB table."""
    return {
        logical: table_name.removeprefix(TEMPLATE_TABLE_PREFIX)
        for table_name, (logical, _) in template_tables(template).items()
    }


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in key_schema}


def _indexes(indexes: list[dict[str, Any]]) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    return {i["IndexName"]: (_keys(i["KeySchema"]), dict(i["Projection"])) for i in indexes}


def table_mismatches(
    template: Template, definitions: list[dict[str, Any]], ttls: dict[str, str | None]
) -> list[str]:
    """How the template's tables differ from CreateTable definitions (and TTL attributes by
    table name): keys, attribute types, indexes, streams, TTL, billing, recovery, protection.
    Tables in the template that no definition describes are differences too."""
    problems: list[str] = []
    tables = template_tables(template)
    for definition in definitions:
        name = definition["TableName"]
        if name not in tables:
            problems.append(f"{name}: no such table in the template")
            continue
        logical, props = tables[name]
        where = f"{name} ({logical})"
        if props.get("BillingMode") != definition.get("BillingMode"):
            problems.append(
                f"{where}: BillingMode {props.get('BillingMode')} != {definition.get('BillingMode')}"
            )
        if _keys(props["KeySchema"]) != _keys(definition["KeySchema"]):
            problems.append(f"{where}: KeySchema {props['KeySchema']} != {definition['KeySchema']}")
        ours = {(d["AttributeName"], d["AttributeType"]) for d in props["AttributeDefinitions"]}
        theirs = {(d["AttributeName"], d["AttributeType"]) for d in definition["AttributeDefinitions"]}
        if ours != theirs:
            problems.append(f"{where}: AttributeDefinitions {sorted(ours)} != {sorted(theirs)}")
        template_indexes = _indexes(props.get("GlobalSecondaryIndexes", []))
        model_indexes = _indexes(definition.get("GlobalSecondaryIndexes", []))
        if template_indexes != model_indexes:
            problems.append(f"{where}: GlobalSecondaryIndexes {template_indexes} != {model_indexes}")
        if props.get("LocalSecondaryIndexes") or definition.get("LocalSecondaryIndexes"):
            problems.append(f"{where}: local secondary indexes are not compared: add them here")
        stream = (props.get("StreamSpecification") or {}).get("StreamViewType")
        wanted_stream = (definition.get("StreamSpecification") or {}).get("StreamViewType")
        if stream != wanted_stream:
            problems.append(f"{where}: stream {stream} != {wanted_stream}")
        ttl_spec = props.get("TimeToLiveSpecification") or {}
        ttl = ttl_spec.get("AttributeName") if ttl_spec.get("Enabled") else None
        if ttl != ttls.get(name):
            problems.append(f"{where}: TTL attribute {ttl} != {ttls.get(name)}")
        if props.get("PointInTimeRecoverySpecification") != {"PointInTimeRecoveryEnabled": True}:
            problems.append(f"{where}: point-in-time recovery is not enabled")
        if props.get("DeletionProtectionEnabled") != {"Fn::If": ["IsProduction", True, False]}:
            problems.append(f"{where}: deletion protection is not conditional on IsProduction")
    described = {d["TableName"] for d in definitions}
    for name, (logical, _) in tables.items():
        if name not in described:
            problems.append(f"{name} ({logical}): in the template but no model defines it")
    return problems
