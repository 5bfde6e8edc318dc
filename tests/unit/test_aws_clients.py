"""What every AWS client the factory builds sends."""

from __future__ import annotations

from typing import Any

import boto3
import botocore
from botocore.awsrequest import AWSResponse

from chalicelib import aws


class _Body:
    def stream(self, **_: Any) -> Any:
        yield b"{}"


def test_every_request_carries_the_same_fixed_user_agent() -> None:
    """botocore otherwise rebuilds its default User-Agent, component by component, per request."""
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    client = session.client("dynamodb", **aws._client_kwargs("dynamodb"))
    sent: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:  # instead of the network
        sent.append(
            request.headers["User-Agent"].decode()
            if isinstance(request.headers["User-Agent"], bytes)
            else request.headers["User-Agent"]
        )
        return AWSResponse(request.url, 200, {}, _Body())

    client.meta.events.register("before-send.dynamodb", answer)
    client.list_tables()
    client.describe_limits()
    assert sent == [f"onsale Boto3/{boto3.__version__} Botocore/{botocore.__version__}"] * 2
