"""`chalice package` with the merge template: what gets deployed, and how it is wired."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.models import ALL_MODELS
from chalicelib.settings import load_settings
from infrastructure import package as packaging
from tests.infrastructure.conftest import Package
from tests.infrastructure.support import (
    TEMPLATE_TABLE_PREFIX,
    branches,
    properties,
    referenced,
    resources,
    sub_text,
    template_tables,
)

ROOT = Path(__file__).resolve().parents[2]
PLAIN_FUNCTIONS = {
    # logical id -> (handler, the event source local/stack.py feeds it from)
    "ProvisionInventoryFunction": ("functions.provision_inventory.handler", "InventoryQueue.Arn"),
    "SeatStreamFunction": ("functions.seat_stream.handler", "SeatsTable.StreamArn"),
    "SearchIndexerFunction": ("functions.search_indexer.handler", "EventsTable.StreamArn"),
}
API_SETTINGS = {
    "ONSALE_STAGE",
    "ONSALE_TABLE_PREFIX",
    "ONSALE_USER_POOL_ID",
    "ONSALE_USER_POOL_CLIENT_ID",
    "ONSALE_INVENTORY_QUEUE_URL",
    "ONSALE_PAYMENT_PROVIDER",
    "STRIPE_SECRET_KEY",
    "DAX_ENDPOINT",
    "ONSALE_SEARCH_ENGINE",
    "OPENSEARCH_URL",
}


def environment(template: dict[str, Any], function: str) -> dict[str, Any]:
    variables: dict[str, Any] = properties(template, function)["Environment"]["Variables"]
    return variables


def test_package_holds_the_api_the_functions_and_the_index_definition(built: Package) -> None:
    assert built.template_path.name == "sam.yaml"
    assert (built.directory / "deployment.zip").stat().st_size > 0
    for name in packaging.EXPECTED_IN_ZIP:
        assert name in built.zip_names
    for source in (ROOT / "functions").glob("*.py"):
        assert f"functions/{source.name}" in built.zip_names
    assert not any(name.startswith(("tests/", "local/", "bench/", "web/")) for name in built.zip_names)


def test_every_function_runs_python_3_11_from_the_same_package(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    assert set(functions) == {"APIHandler", *PLAIN_FUNCTIONS}
    for name in functions:
        props = properties(template, name)
        assert props["Runtime"] == "python3.11", name
        assert props["CodeUri"] == "./deployment.zip", name
        assert props["Tracing"] == "Active", name


@pytest.mark.parametrize("function", sorted(PLAIN_FUNCTIONS))
def test_plain_function_handlers_exist_and_are_fed_as_locally(
    template: dict[str, Any], function: str
) -> None:
    handler, source = PLAIN_FUNCTIONS[function]
    props = properties(template, function)
    assert props["Handler"] == handler
    module, attribute = handler.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), attribute))
    mappings = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function}
    ]
    assert len(mappings) == 1, f"{function} has {len(mappings)} event source mappings"
    mapping = mappings[0]
    assert referenced(mapping["EventSourceArn"]) == {source}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] >= 1
    if source.endswith("StreamArn"):  # stream consumers: bounded retries, failures kept and alarmed
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert 0 < mapping["MaximumRetryAttempts"] <= 100
        (queue,) = referenced(mapping["DestinationConfig"]["OnFailure"]["Destination"])
        assert_alarmed_queue(template, queue.split(".")[0])


def assert_alarmed_queue(template: dict[str, Any], queue: str) -> None:
    alarms = [
        a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if any(
            d["Value"] == {"Fn::GetAtt": [queue, "QueueName"]} for d in a["Properties"].get("Dimensions", [])
        )
    ]
    assert alarms and alarms[0]["MetricName"] == "ApproximateNumberOfMessagesVisible", queue
    assert alarms[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_queues_have_dead_letter_queues_with_alarms(template: dict[str, Any]) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    consumed = {"InventoryQueue"}
    for name in consumed:
        redrive = queues[name]["Properties"]["RedrivePolicy"]
        (dlq,) = referenced(redrive["deadLetterTargetArn"])
        assert_alarmed_queue(template, dlq.split(".")[0])
    # Lambda's advice: the visibility timeout is at least six times the consumer's timeout.
    assert queues["InventoryQueue"]["Properties"]["VisibilityTimeout"] >= 6 * int(
        properties(template, "ProvisionInventoryFunction")["Timeout"]
    )
    for props in (q["Properties"] for q in queues.values()):
        assert props["SqsManagedSseEnabled"] is True


def test_reserved_concurrency_protects_the_write_heavy_and_search_dependencies(
    template: dict[str, Any],
) -> None:
    inventory = properties(template, "ProvisionInventoryFunction")
    assert inventory["ReservedConcurrentExecutions"] == {"Ref": "InventoryConcurrency"}
    mapping = next(
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "ProvisionInventoryFunction"}
    )
    # SQS: maximum concurrency no higher than the reservation, so the poller is never throttled.
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "InventoryConcurrency"}
    indexer = properties(template, "SearchIndexerFunction")
    assert indexer["ReservedConcurrentExecutions"] == {"Ref": "SearchIndexerConcurrency"}


def test_api_function_uses_its_own_role_and_chalice_makes_none(template: dict[str, Any]) -> None:
    roles = resources(template, "AWS::IAM::Role")
    assert "DefaultRole" not in roles  # chalice's generated (broad) role
    assert properties(template, "APIHandler")["Role"] == {"Fn::GetAtt": ["ApiFunctionRole", "Arn"]}
    function_roles = [
        properties(template, name)["Role"] for name in resources(template, "AWS::Serverless::Function")
    ]
    assert len({json.dumps(r, sort_keys=True) for r in function_roles}) == len(function_roles)


def test_api_environment_names_the_settings_chalicelib_reads(template: dict[str, Any]) -> None:
    env = environment(template, "APIHandler")
    assert set(env) >= API_SETTINGS
    assert env["ONSALE_SEARCH_ENGINE"] == "opensearch"
    assert env["OPENSEARCH_AUTH"] == "sigv4"
    assert env["ONSALE_TABLE_PREFIX"] == {"Fn::Sub": TEMPLATE_TABLE_PREFIX}
    assert env["ONSALE_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert env["ONSALE_USER_POOL_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert env["ONSALE_INVENTORY_QUEUE_URL"] == {"Ref": "InventoryQueue"}
    assert env["DAX_ENDPOINT"] == {
        "Fn::If": [
            "UseDax",
            {"Fn::GetAtt": ["DaxCluster", "ClusterDiscoveryEndpointURL"]},
            {"Ref": "AWS::NoValue"},
        ]
    }
    stripe = [sub_text(v) for v in branches(env["STRIPE_SECRET_KEY"])]
    assert stripe == ["{{resolve:secretsmanager:${StripeSecretId}:SecretString:secret_key}}"]


@pytest.mark.parametrize("function", ["APIHandler", *sorted(PLAIN_FUNCTIONS)])
def test_environment_variables_are_read_by_the_code(template: dict[str, Any], function: str) -> None:
    read = names_read_by_the_code()
    for name in environment(template, function):
        assert name in read, f"{function} sets {name}, which nothing in chalicelib/ or functions/ reads"


def names_read_by_the_code() -> set[str]:
    names = {"POWERTOOLS_SERVICE_NAME"}  # read by aws-lambda-powertools
    for path in [*(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "functions").glob("*.py")]:
        names |= set(re.findall(r"""(?:get|environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    return names


def test_the_api_environment_gives_the_template_table_names(template: dict[str, Any]) -> None:
    env = environment(template, "APIHandler")
    settings = load_settings({"ONSALE_TABLE_PREFIX": sub_text(env["ONSALE_TABLE_PREFIX"]) or ""})
    names = {settings.table_name(model.Meta.table_name) for model in ALL_MODELS}
    assert names == set(template_tables(template))


def test_functions_read_their_tables_from_the_same_prefix(template: dict[str, Any]) -> None:
    for function in ("ProvisionInventoryFunction", "SeatStreamFunction"):
        assert environment(template, function)["ONSALE_TABLE_PREFIX"] == {"Fn::Sub": TEMPLATE_TABLE_PREFIX}


GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
    "RESOURCE_NOT_FOUND": ("404", "not_found"),
    "THROTTLED": ("429", "rate_limited"),
    "REQUEST_TOO_LARGE": ("413", "payload_too_large"),
    "INTEGRATION_TIMEOUT": ("504", "service_unavailable"),
    "DEFAULT_4XX": (None, "invalid_request"),
    "DEFAULT_5XX": (None, "service_unavailable"),
}


@pytest.mark.parametrize("kind", sorted(GATEWAY_RESPONSES))
def test_api_gateway_errors_are_problem_json(template: dict[str, Any], kind: str) -> None:
    body = properties(template, "RestAPI")["DefinitionBody"]
    response = body["x-amazon-apigateway-gateway-responses"][kind]
    status, code = GATEWAY_RESPONSES[kind]
    assert response.get("statusCode") == status
    headers = response["responseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
    assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
    # What API Gateway substitutes: messageString is a JSON string literal, requestId plain text.
    rendered = (
        response["responseTemplates"]["application/json"]
        .replace("$context.error.messageString", json.dumps('Missing "Authentication" Token'))
        .replace("$context.requestId", "c0ffee-1")
    )
    assert "$context" not in rendered
    problem = json.loads(rendered)
    assert problem["code"] == code
    assert problem["title"] and problem["type"]
    if status is not None:
        assert problem["status"] == int(status)


def test_api_is_named_per_stage_and_throttled(template: dict[str, Any]) -> None:
    api = properties(template, "RestAPI")
    assert api["Name"] == {"Fn::Sub": "onsale-${Stage}"}
    assert api["StageName"] == "api"
    (setting,) = api["MethodSettings"]
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}


def test_dax_is_optional_and_in_private_subnets(template: dict[str, Any]) -> None:
    dax = [
        name
        for name, r in resources(template).items()
        if r["Type"].startswith("AWS::DAX::")
        or name in {"DaxRole", "LambdaSecurityGroup", "DaxSecurityGroup"}
    ]
    assert {"DaxCluster", "DaxSubnetGroup", "DaxParameterGroup", "DaxSecurityGroup"} <= set(dax)
    for name in dax:
        assert template["Resources"][name].get("Condition") == "UseDax", name
    assert properties(template, "DaxSubnetGroup")["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
    ttls = properties(template, "DaxParameterGroup")["ParameterNameValues"]
    assert ttls == {
        "record-ttl-millis": {"Ref": "DaxRecordTtlMillis"},
        "query-ttl-millis": {"Ref": "DaxQueryTtlMillis"},
    }
    cluster = properties(template, "DaxCluster")
    assert cluster["SSESpecification"] == {"SSEEnabled": True}
    assert cluster["ClusterEndpointEncryptionType"] == "TLS"
    vpc = properties(template, "APIHandler")["VpcConfig"]
    assert vpc["Fn::If"][0] == "UseDax" and vpc["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_search_domain_encrypts_and_checks_every_caller(template: dict[str, Any]) -> None:
    domain = properties(template, "SearchDomain")
    assert domain["EncryptionAtRestOptions"] == {"Enabled": True}
    assert domain["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
    security = domain["AdvancedSecurityOptions"]
    assert security["Enabled"] is True and security["InternalUserDatabaseEnabled"] is False
    assert security["MasterUserOptions"] == {"MasterUserARN": {"Fn::GetAtt": ["SearchAdminRole", "Arn"]}}
    principals = [s["Principal"]["AWS"] for s in domain["AccessPolicies"]["Statement"]]
    assert {p["Fn::GetAtt"][0] for p in principals} == {
        "ApiFunctionRole",
        "SearchIndexerRole",
        "SearchAdminRole",
    }


def test_user_pool_signs_in_by_email_with_the_api_client_and_admins_group(template: dict[str, Any]) -> None:
    pool = properties(template, "UserPool")
    assert pool["UsernameAttributes"] == ["email"]
    client = properties(template, "UserPoolClient")
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["GenerateSecret"] is False
    assert properties(template, "AdminGroup")["GroupName"] == load_settings({}).admin_group


def test_web_bucket_is_private_behind_cloudfront_origin_access_control(template: dict[str, Any]) -> None:
    bucket = properties(template, "WebBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    distribution = properties(template, "WebDistribution")["DistributionConfig"]
    (origin,) = distribution["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    policy = properties(template, "WebBucketPolicy")["PolicyDocument"]["Statement"]
    reads = [s for s in policy if s["Effect"] == "Allow"]
    assert reads == [s for s in reads if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert all("AWS:SourceArn" in s["Condition"]["StringEquals"] for s in reads)
    config_js = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/config.js"]
    assert config_js, "config.js (written at deploy) must not be cached"


def test_alarms_cover_5xx_latency_throttles_and_every_table(template: dict[str, Any]) -> None:
    alarms = {n: r["Properties"] for n, r in resources(template, "AWS::CloudWatch::Alarm").items()}
    metrics = {a.get("MetricName") for a in alarms.values()}
    assert {"5XXError", "Latency", "ApproximateNumberOfMessagesVisible", "IteratorAge"} <= metrics
    assert alarms["ApiLatencyAlarm"]["ExtendedStatistic"] == "p99"
    throttled: set[str] = set()
    for alarm in alarms.values():
        for query in alarm.get("Metrics", []):
            metric = query.get("MetricStat", {}).get("Metric", {})
            if metric.get("MetricName") in {"ReadThrottleEvents", "WriteThrottleEvents"}:
                throttled |= {d["Value"]["Ref"] for d in metric["Dimensions"]}
    assert throttled == {logical for logical, _ in template_tables(template).values()}
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    assert resources(template, "AWS::CloudWatch::Dashboard")


def test_outputs_name_every_endpoint(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in (
        "ApiUrl",
        "WebUrl",
        "WebBucketName",
        "UserPoolId",
        "UserPoolClientId",
        "OpenSearchEndpoint",
        "DaxEndpoint",
        "InventoryQueueUrl",
        "EmailConfigurationSetName",
        "DashboardUrl",
    ):
        assert name in outputs, name
    assert outputs["DaxEndpoint"]["Condition"] == "UseDax"
    assert "EndpointURL" in outputs  # chalice's own, kept


def test_every_parameter_is_used(template: dict[str, Any]) -> None:
    used = referenced(template["Resources"]) | referenced(template["Outputs"])
    used |= referenced(template.get("Conditions", {})) | referenced(template.get("Rules", {}))
    for name in template["Parameters"]:
        assert name in used, f"parameter {name} is never used"


def test_conditions_used_by_resources_exist(template: dict[str, Any]) -> None:
    conditions = set(template["Conditions"])
    for name, resource in resources(template).items():
        if "Condition" in resource:
            assert resource["Condition"] in conditions, name


def test_dashboard_body_is_json_once_substituted(template: dict[str, Any]) -> None:
    body, variables = properties(template, "Dashboard")["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([A-Za-z0-9:.]+)\}", body))
    known = set(template["Resources"]) | set(template["Parameters"]) | set(variables)
    assert {n for n in names if not n.startswith("AWS::")} <= known
    rendered = re.sub(r"\$\{[A-Za-z0-9:.]+\}", "1", body)
    widgets = json.loads(rendered)["widgets"]
    titles = " ".join(w["properties"]["title"] for w in widgets).lower()
    for subject in ("api", "latency", "throttles", "lag", "dlq", "search"):
        assert subject in titles, subject
