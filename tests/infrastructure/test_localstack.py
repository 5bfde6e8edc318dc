"""The LocalStack setup: the compose file's shape, and the init hook run for real against moto
(LocalStack itself cannot run here: no Docker engine, and it needs an account)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from chalicelib.bootstrap import table_definition
from chalicelib.models import ALL_MODELS
from chalicelib.settings import load_settings
from local.emulator import free_port, start_emulator

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "localstack" / "init" / "ready.d" / "10-bootstrap.sh"


def test_compose_file_mounts_the_hook_and_the_project() -> None:
    compose = yaml.safe_load((ROOT / "localstack" / "docker-compose.yml").read_text())
    service = compose["services"]["localstack"]
    services = set(service["environment"]["SERVICES"].split(","))
    assert {"dynamodb", "dynamodbstreams", "sqs", "ses", "cognito-idp"} <= services
    volumes = service["volumes"]
    assert "./init/ready.d:/etc/localstack/init/ready.d:ro" in volumes
    assert "..:/onsale:ro" in volumes
    assert service["ports"] == ["127.0.0.1:4566:4566"]
    assert "LOCALSTACK_AUTH_TOKEN" in service["environment"]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = start_emulator(port, tmp_path / "emulator.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_hook_provisions_through_the_shared_bootstrap(emulator: str, tmp_path: Path) -> None:
    # The hook's virtualenv, already "installed": this interpreter and the current requirements.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (venv / "requirements.txt").write_bytes((ROOT / "requirements.txt").read_bytes())
    state = tmp_path / "state"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "ONSALE_PROJECT_DIR": str(ROOT),
        "ONSALE_STATE_DIR": str(state),
        "ONSALE_BOOTSTRAP_VENV": str(venv),
        "ONSALE_BOOTSTRAP_PYTHON": sys.executable,
        "ONSALE_AWS_ENDPOINT": emulator,
        "ONSALE_STAGE": "lstest",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    result = subprocess.run(["bash", str(HOOK)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout  # the cached virtualenv was reused
    values = dict(line.split("=", 1) for line in (state / "localstack.env").read_text().splitlines())
    assert values["ONSALE_STAGE"] == "lstest"
    assert values["ONSALE_USER_POOL_ID"] and values["ONSALE_USER_POOL_CLIENT_ID"]
    assert values["ONSALE_INVENTORY_QUEUE_URL"].endswith("onsale-lstest-inventory")

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=emulator,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    settings = load_settings({"ONSALE_STAGE": "lstest"})
    expected = {settings.table_name(model.Meta.table_name) for model in ALL_MODELS}
    assert expected <= set(dynamodb.list_tables()["TableNames"])
    holds = dynamodb.describe_table(TableName=settings.table_name("holds"))["Table"]
    assert {i["IndexName"] for i in holds["GlobalSecondaryIndexes"]} == {
        i["IndexName"]
        for i in table_definition(next(m for m in ALL_MODELS if m.Meta.table_name == "holds"))[
            "GlobalSecondaryIndexes"
        ]
    }
    # Idempotent: a second run (a container restart) changes nothing and succeeds.
    again = subprocess.run(["bash", str(HOOK)], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert (state / "localstack.env").read_text().splitlines() == [f"{k}={v}" for k, v in values.items()]
