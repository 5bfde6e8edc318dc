"""A warm instance's cold-path objects go to the collector's permanent generation."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import warm

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()
    sys.modules.pop("onsale_test_cold_path", None)


def test_a_request_that_imported_modules_leaves_its_objects_frozen() -> None:
    def cold(event: Any) -> str:
        sys.modules["onsale_test_cold_path"] = types.ModuleType("onsale_test_cold_path")
        return f"answered {event}"

    assert warm.freeze_after_cold_paths("request", cold) == "answered request"

    assert gc.get_freeze_count() > 0


def test_a_warm_request_freezes_nothing() -> None:
    assert warm.freeze_after_cold_paths("request", lambda event: f"answered {event}") == "answered request"

    assert gc.get_freeze_count() == 0


def test_a_cold_instance_s_first_search_leaves_what_it_loaded_frozen(tmp_path: Path) -> None:
    """The app itself, in a process of its own (as a new Lambda instance): the first search
    loads the search engine and is followed by a freeze; a second one is not."""
    script = """
import gc, json
from chalice.test import Client
from app import app
with Client(app) as client:
    counts = []
    for _ in range(2):
        gc.unfreeze()
        status = client.http.get("/events/search?q=anything").status_code
        counts.append((status, gc.get_freeze_count()))
print(json.dumps(counts))
"""
    env = {**os.environ, "ONSALE_SEARCH_ENGINE": "tantivy", "ONSALE_SEARCH_INDEX_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert run.returncode == 0, run.stderr[-2000:]
    (first_status, first_frozen), (second_status, second_frozen) = json.loads(run.stdout.splitlines()[-1])
    assert (first_status, second_status) == (200, 200)
    assert first_frozen > 10_000  # the modules, the engine
    assert second_frozen == 0
