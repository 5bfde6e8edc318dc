"""Build the deployable package of one Onsale stage: `python infrastructure/package.py OUT_DIR`.

Runs `chalice package --merge-template infrastructure/template.yaml` on a staged copy of the
project, so that nothing in the working tree changes and what gets packaged is explicit:

- `app.py`, `chalicelib/` and `requirements.txt` (chalice vendors the requirements for Lambda);
- `functions/*.py` and the OpenSearch index definition, through chalice's `vendor/` folder,
  which lands at the root of `deployment.zip` (chalice itself only packages `app.py` and
  `chalicelib/`): the plain Lambda handlers `functions.<name>.handler` and
  `infrastructure/opensearch/events-index.json` (where `chalicelib.search.opensearch_engine`
  looks for it) then exist in the same zip as the API;
- `.chalice/config.json` with a deployment stage (`aws`) that does not manage IAM: the merge
  template gives the API function its own least-privilege role, so chalice must not generate
  its broad default one.

OUT_DIR receives `sam.yaml` (the merged CloudFormation/SAM template) and `deployment.zip`.
It works offline (pip resolves the pinned requirements from its configured indexes) but
chalice needs a region: AWS_DEFAULT_REGION defaults to us-east-1 here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = ROOT / "infrastructure" / "template.yaml"
INDEX_DEFINITION = ROOT / "infrastructure" / "opensearch" / "events-index.json"
CHALICE_STAGE = "aws"
# Never used: the merge template replaces the API function's role with its own.
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/onsale-replaced-by-merge-template"
# The settings that make the merge template's role the only one; the rest may come from the
# project's config (an `aws` stage there, if it has one) or these defaults.
REQUIRED_STAGE = {"manage_iam_role": False, "iam_role_arn": PLACEHOLDER_ROLE, "autogen_policy": False}
DEFAULT_STAGE: dict[str, Any] = {
    "api_gateway_stage": "api",
    "lambda_memory_size": 1024,
    "lambda_timeout": 10,
    "environment_variables": {},  # set by the merge template from the stack's resources
}
EXPECTED_IN_ZIP = (
    "app.py",
    "chalicelib/settings.py",
    "functions/provision_inventory.py",
    "functions/seat_stream.py",
    "functions/search_indexer.py",
    "functions/seat_push.py",  # realtime
    "functions/mailer.py",  # notifications
    "functions/reminders.py",
    "functions/queue_join.py",  # waiting room
    "functions/queue_admitter.py",
    "functions/waitlist_offers.py",  # customers' rights
    "chalicelib/notifications/templates/booking_confirmed.html",
    "infrastructure/opensearch/events-index.json",
)


def chalice_config(project_config: dict[str, Any]) -> dict[str, Any]:
    """The project's chalice config plus the deployment stage."""
    config = json.loads(json.dumps(project_config))
    stages = config.setdefault("stages", {})
    stage = {**DEFAULT_STAGE, **stages.get(CHALICE_STAGE, {}), **REQUIRED_STAGE}
    stages[CHALICE_STAGE] = stage
    return config


def stage_project(build_dir: Path) -> Path:
    """Copy what the Lambda package needs into `build_dir/project` and return that folder."""
    project = build_dir / "project"
    if project.exists():
        shutil.rmtree(project)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    project.mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", project / "app.py")
    shutil.copy2(ROOT / "requirements.txt", project / "requirements.txt")
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=ignore)
    vendor = project / "vendor"
    (vendor / "functions").mkdir(parents=True)
    for source in sorted((ROOT / "functions").glob("*.py")):
        shutil.copy2(source, vendor / "functions" / source.name)
    (vendor / "infrastructure" / "opensearch").mkdir(parents=True)
    shutil.copy2(INDEX_DEFINITION, vendor / "infrastructure" / "opensearch" / INDEX_DEFINITION.name)
    (project / ".chalice").mkdir()
    project_config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    (project / ".chalice" / "config.json").write_text(json.dumps(chalice_config(project_config), indent=2))
    return project


def chalice_command() -> list[str]:
    script = Path(sys.executable).with_name("chalice")
    return [str(script)] if script.exists() else ["chalice"]


def package(out_dir: Path, *, build_dir: Path | None = None, merge_template: Path = MERGE_TEMPLATE) -> Path:
    """Run `chalice package` into `out_dir`; return the path of the merged template."""
    out_dir = out_dir.resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    with tempfile.TemporaryDirectory(prefix="onsale-package-") as scratch:
        project = stage_project((build_dir or Path(scratch)).resolve())
        env = dict(os.environ)
        env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION") or "us-east-1")
        subprocess.run(
            [
                *chalice_command(),
                "package",
                "--pkg-format",
                "cloudformation",
                "--template-format",
                "yaml",
                "--stage",
                CHALICE_STAGE,
                "--merge-template",
                str(merge_template.resolve()),
                str(out_dir),
            ],
            cwd=project,
            env=env,
            check=True,
        )
    template = out_dir / "sam.yaml"
    check_package(out_dir / "deployment.zip")
    return template


def check_package(zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
    missing = [name for name in EXPECTED_IN_ZIP if name not in names]
    if missing:
        raise SystemExit(f"{zip_path} lacks {', '.join(missing)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path, help="where sam.yaml and deployment.zip go (replaced)")
    parser.add_argument("--build-dir", type=Path, help="keep the staged project here (default: a temp dir)")
    args = parser.parse_args(argv)
    template = package(args.out_dir, build_dir=args.build_dir)
    print(template)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
