"""deploy.sh, destroy.sh, the stage parameter files and the LocalStack hook, without AWS: the
scripts run against a fake `aws` command that records its arguments and answers with made-up
stack outputs (and a fake Python for the two slow steps: packaging and the search setup)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [
    ROOT / "infrastructure" / "deploy.sh",
    ROOT / "infrastructure" / "destroy.sh",
    ROOT / "localstack" / "init" / "ready.d" / "10-bootstrap.sh",
]
STAGES = sorted((ROOT / "infrastructure" / "stages").glob("*.params"))
OUTPUTS = {
    "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/api",
    "WebUrl": "https://d111111abcdef8.cloudfront.net",
    "WebBucketName": "onsale-dev-webbucket-1a2b3c",
    "WebDistributionId": "E2QWRUHAPOMQZL",
    "UserPoolId": "eu-west-1_AbCdEf123",
    "Production": "false",
    "SearchInstanceCount": "1",
    "OpenSearchEndpoint": "https://search-onsale-dev-xyz.eu-west-1.es.amazonaws.com",
    "SearchAdminRoleArn": "arn:aws:iam::123456789012:role/onsale-dev-SearchAdminRole-1",
    "ApiFunctionRoleArn": "arn:aws:iam::123456789012:role/onsale-dev-ApiFunctionRole-1",
    "SearchIndexerRoleArn": "arn:aws:iam::123456789012:role/onsale-dev-SearchIndexerRole-1",
    "SearchIndexName": "onsale-events",
}

FAKE_AWS = """#!{python}
import json, os, re, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["aws", *args]) + "\\n")
outputs = json.loads(os.environ["FAKE_OUTPUTS"])
if args[:2] == ["sts", "get-caller-identity"]:
    print("123456789012")
elif args[:2] == ["cloudformation", "package"]:
    out = args[args.index("--output-template-file") + 1]
    open(out, "w").write("{{}}\\n")
elif args[:2] == ["cloudformation", "describe-stacks"] and "--query" in args:
    query = args[args.index("--query") + 1]
    key = re.search(r"OutputKey=='(\\w+)'", query)
    print(outputs.get(key.group(1), "None") if key else "(outputs table)")
elif args[:2] == ["cloudformation", "describe-stacks"]:
    sys.exit(int(os.environ.get("FAKE_NO_STACK", "0")))
"""

FAKE_PYTHON = """#!/bin/sh
echo "[\\"python\\", \\"$(basename "$1")\\"]" >> "$FAKE_LOG"
case "$1" in
  *infrastructure/package.py) mkdir -p "$2" && echo "{{}}" > "$2/sam.yaml" ;;
  *infrastructure/opensearch_setup.py) shift; echo "$@" > "$FAKE_LOG.search" ;;
  *) exec {python} "$@" ;;
esac
"""


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_parse_and_are_strict(script: Path) -> None:
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert os.access(script, os.X_OK), f"{script} is not executable"


def stage_parameters(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


@pytest.mark.parametrize("stage", STAGES, ids=lambda p: p.stem)
def test_stage_parameters_are_template_parameters(template: dict[str, Any], stage: Path) -> None:
    parameters = template["Parameters"]
    given = stage_parameters(stage)
    assert set(given) <= set(parameters), set(given) - set(parameters)
    required = {name for name, p in parameters.items() if "Default" not in p} - {"Stage"}
    assert required <= set(given), f"{stage.name} lacks {required - set(given)}"
    for name, value in given.items():
        allowed = parameters[name].get("AllowedValues")
        if allowed and "<" not in value:
            assert value in [str(v) for v in allowed], f"{stage.name}: {name}={value}"


@pytest.fixture
def fake_aws(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS.format(python=sys.executable))
    (bin_dir / "python").write_text(FAKE_PYTHON.format(python=shlex.quote(sys.executable)))
    for tool in ("aws", "python"):
        (bin_dir / tool).chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_REGION": "eu-west-1",
        "PYTHON": str(bin_dir / "python"),
        "ONSALE_BUILD_DIR": str(tmp_path / "build"),
        "FAKE_LOG": str(tmp_path / "calls.log"),
        "FAKE_OUTPUTS": json.dumps(OUTPUTS),
    }
    return env


def calls(env: dict[str, str]) -> list[list[str]]:
    log = Path(env["FAKE_LOG"])
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "infrastructure" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_packages_deploys_uploads_the_web_app_and_applies_the_index(fake_aws: dict[str, str]) -> None:
    result = run("deploy.sh", "dev", env=fake_aws)
    assert result.returncode == 0, result.stderr
    made = calls(fake_aws)
    steps = [" ".join(c[1:3]) for c in made]
    order = [
        "package.py",
        "cloudformation package",
        "cloudformation deploy",
        "s3 sync",
        "s3 cp",
        "cloudfront create-invalidation",
        "opensearch_setup.py",
    ]
    positions = [next(i for i, s in enumerate(steps) if s.startswith(step)) for step in order]
    assert positions == sorted(positions), steps

    deploy = next(c for c in made if c[1:3] == ["cloudformation", "deploy"])
    overrides = deploy[deploy.index("--parameter-overrides") + 1 :]
    overrides = overrides[: next((i for i, a in enumerate(overrides) if a.startswith("--")), len(overrides))]
    assert overrides[0] == "Stage=dev"
    assert overrides[1:] == [
        f"{k}={v}" for k, v in stage_parameters(ROOT / "infrastructure/stages/dev.params").items()
    ]
    assert deploy[deploy.index("--stack-name") + 1] == "onsale-dev"
    assert "CAPABILITY_AUTO_EXPAND" in deploy  # the SAM and language-extension transforms

    sync = next(c for c in made if c[1:3] == ["s3", "sync"])
    assert sync[3] == f"{ROOT}/web/" and sync[4] == f"s3://{OUTPUTS['WebBucketName']}/"
    assert "config.js" in sync  # excluded: written from the outputs instead
    config = Path(fake_aws["ONSALE_BUILD_DIR"]) / "config.js"
    assert f'apiUrl: "{OUTPUTS["ApiUrl"]}"' in config.read_text()
    upload = next(c for c in made if c[1:3] == ["s3", "cp"])
    assert upload[3:5] == [str(config), f"s3://{OUTPUTS['WebBucketName']}/config.js"]

    search = Path(fake_aws["FAKE_LOG"] + ".search").read_text().split()
    assert search[search.index("--endpoint") + 1] == OUTPUTS["OpenSearchEndpoint"]
    assert search[search.index("--admin-role-arn") + 1] == OUTPUTS["SearchAdminRoleArn"]
    assert search[search.index("--reader-role-arn") + 1] == OUTPUTS["ApiFunctionRoleArn"]
    assert search[search.index("--replicas") + 1] == "0"  # one node: no replica
    assert OUTPUTS["WebUrl"] in result.stdout
    assert "admin-add-user-to-group" in result.stdout


def test_deploy_refuses_placeholders_before_calling_aws(fake_aws: dict[str, str]) -> None:
    result = run("deploy.sh", "prod", env=fake_aws)
    assert result.returncode == 1
    assert "placeholder" in result.stderr
    assert calls(fake_aws) == []


@pytest.mark.parametrize("stage", ["", "Prod", "a", "stage-name-too-long", "dev;rm"])
def test_deploy_rejects_bad_stage_names(fake_aws: dict[str, str], stage: str) -> None:
    assert run("deploy.sh", stage, env=fake_aws).returncode == 2
    assert calls(fake_aws) == []


def test_deploy_needs_a_parameter_file(fake_aws: dict[str, str]) -> None:
    result = run("deploy.sh", "qa", env=fake_aws)
    assert result.returncode == 1 and "qa.params" in result.stderr


def test_destroy_empties_the_bucket_then_deletes_the_stack(fake_aws: dict[str, str]) -> None:
    result = run("destroy.sh", "dev", env=fake_aws)
    assert result.returncode == 0, result.stderr
    steps = [c[1:3] for c in calls(fake_aws)]
    empty = steps.index(["s3", "rm"])
    assert steps[empty + 1 :] == [["cloudformation", "delete-stack"], ["cloudformation", "wait"]]


def test_destroy_keeps_production_unless_asked(fake_aws: dict[str, str]) -> None:
    env = {**fake_aws, "FAKE_OUTPUTS": json.dumps({**OUTPUTS, "Production": "true"})}
    result = run("destroy.sh", "prod", env=env)
    assert result.returncode == 1 and "--production" in result.stderr
    assert ["cloudformation", "delete-stack"] not in [c[1:3] for c in calls(env)]
    result = run("destroy.sh", "prod", "--production", env=env)
    assert result.returncode == 0, result.stderr
    assert "Retained" in result.stdout


def test_destroy_of_a_missing_stack_does_nothing(fake_aws: dict[str, str]) -> None:
    env = {**fake_aws, "FAKE_NO_STACK": "255"}
    result = run("destroy.sh", "dev", env=env)
    assert result.returncode == 0 and "nothing to delete" in result.stdout
    assert [c[1:3] for c in calls(env)] == [["cloudformation", "describe-stacks"]]
