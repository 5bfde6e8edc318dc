"""cfn-lint on the generated template: no errors, no warnings, not even informational findings.
And a control: the same run does catch an error injected into a copy."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.infrastructure.conftest import Package


def cfn_lint(path: Path) -> tuple[int, list[dict[str, Any]]]:
    executable = Path(sys.executable).with_name("cfn-lint")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "cfnlint"]
    result = subprocess.run(
        [*command, "--format", "json", "--include-checks", "I", "--", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip(), f"cfn-lint printed nothing (exit {result.returncode}): {result.stderr}"
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return result.returncode, findings


def describe(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['Rule']['Id']} {f['Location']['Path']}: {f['Message']}" for f in findings)


def test_generated_template_passes_cfn_lint_without_findings(built: Package) -> None:
    code, findings = cfn_lint(built.template_path)
    assert findings == [], describe(findings)
    assert code == 0


def test_cfn_lint_catches_an_injected_error(built: Package, tmp_path: Path) -> None:
    broken = copy.deepcopy(built.template)
    seats = broken["Resources"]["SeatsTable"]["Properties"]
    seats["KeySchema"][0]["KeyType"] = "PRIMARY"  # not HASH or RANGE
    seats["BillingMode"] = "ON_DEMAND"  # not a billing mode
    path = tmp_path / "sam.yaml"
    path.write_text(yaml.safe_dump(broken))
    code, findings = cfn_lint(path)
    assert code != 0
    errors = [f for f in findings if f["Level"] == "Error"]
    paths = {"/".join(str(p) for p in f["Location"]["Path"]) for f in errors}
    assert any("SeatsTable/Properties/KeySchema" in p for p in paths), describe(findings)
    assert any("SeatsTable/Properties/BillingMode" in p for p in paths), describe(findings)
