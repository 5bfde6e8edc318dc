"""The WebSocket API in the package: chalice's websocket functions wired to their own roles, the
seat push consumer batched over a second, and pushes allowed on POST @connections only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.support import (
    actions_of,
    properties,
    referenced,
    resources,
    resources_of,
    role_statements,
    sub_text,
)

WEBSOCKET_FUNCTIONS = {
    "WebsocketConnect": ("app.ws_connect", "$connect"),
    "WebsocketMessage": ("app.ws_message", "$default"),
    "WebsocketDisconnect": ("app.ws_disconnect", "$disconnect"),
}


@pytest.mark.parametrize("function", sorted(WEBSOCKET_FUNCTIONS))
def test_websocket_routes_run_the_apps_handlers_with_their_own_roles(
    template: dict[str, Any], function: str
) -> None:
    handler, route = WEBSOCKET_FUNCTIONS[function]
    props = properties(template, function)
    assert props["Handler"] == handler
    assert props["Role"] == {"Fn::GetAtt": [f"{function}Role", "Arn"]}
    routes = [r["Properties"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()]
    assert any(r["RouteKey"] == route for r in routes), route


def test_the_api_hands_out_this_stacks_websocket_url(template: dict[str, Any]) -> None:
    env = properties(template, "APIHandler")["Environment"]["Variables"]
    assert referenced(env["ONSALE_WEBSOCKET_URL"]) >= {"WebsocketAPI"}
    assert (sub_text(env["ONSALE_WEBSOCKET_URL"]) or "").startswith("wss://")


def test_seat_pushes_are_batched_over_a_second(template: dict[str, Any]) -> None:
    (mapping,) = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "SeatPushFunction"}
    ]
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    env = properties(template, "SeatPushFunction")["Environment"]["Variables"]
    assert referenced(env["ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT"]) >= {"WebsocketAPI"}


def test_only_pushers_may_post_to_connections_and_only_on_this_api(template: dict[str, Any]) -> None:
    for role in resources(template, "AWS::IAM::Role"):
        for statement in role_statements(template, role):
            if "execute-api:ManageConnections" not in actions_of(statement):
                continue
            assert actions_of(statement) == ["execute-api:ManageConnections"], role
            for resource in resources_of(statement):
                text = sub_text(resource) or ""
                assert text.endswith(":${WebsocketAPI}/api/POST/@connections/*"), (role, text)
    pushers = {
        role
        for role in resources(template, "AWS::IAM::Role")
        if any("execute-api:ManageConnections" in actions_of(s) for s in role_statements(template, role))
    }
    assert pushers == {"SeatPushRole", "QueueAdmitterRole"}  # the seat stream and the admitter


def test_the_admitter_pushes_through_this_stacks_management_api(template: dict[str, Any]) -> None:
    env = properties(template, "QueueAdmitterFunction")["Environment"]["Variables"]
    assert referenced(env["ONSALE_WEBSOCKET_MANAGEMENT_ENDPOINT"]) >= {"WebsocketAPI"}
