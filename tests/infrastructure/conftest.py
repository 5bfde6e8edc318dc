"""Fixtures of the infrastructure checks: the stage package built once per test session with
`infrastructure/package.py` (the same build `infrastructure/deploy.sh` deploys), offline."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.settings import get_settings
from infrastructure import package as packaging
from tests.infrastructure.support import TEMPLATE_TABLE_PREFIX


@dataclass(frozen=True)
class Package:
    directory: Path
    template_path: Path
    template: dict[str, Any]
    zip_names: frozenset[str]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """`chalice package --merge-template infrastructure/template.yaml`, about 30 s."""
    out = tmp_path_factory.mktemp("package") / "out"
    region = os.environ.get("AWS_DEFAULT_REGION")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        template_path = packaging.package(out, build_dir=tmp_path_factory.mktemp("build"))
    finally:
        if region is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        names = frozenset(archive.namelist())
    return Package(out, template_path, yaml.safe_load(template_path.read_text()), names)


@pytest.fixture(scope="session")
def template(built: Package) -> dict[str, Any]:
    return built.template


@pytest.fixture
def template_prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings whose table names are the template's `Fn::Sub` strings (`onsale-${Stage}-seats`)."""
    monkeypatch.setenv("ONSALE_TABLE_PREFIX", TEMPLATE_TABLE_PREFIX)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
