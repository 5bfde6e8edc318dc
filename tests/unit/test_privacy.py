"""Every table is accounted for by the privacy registry, and an erased account's tokens stop."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import privacy
from chalicelib.errors import UnauthorizedError
from chalicelib.identity import erasures
from chalicelib.models import ALL_MODELS


def test_every_table_says_what_it_holds_about_a_person_and_what_erasure_does() -> None:
    tables = {model.Meta.table_name for model in ALL_MODELS}
    assert set(privacy.STORES) == tables


def test_docs_privacy_lists_every_table() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    missing = [name for name in privacy.STORES if f"`{name}`" not in text]
    assert missing == []


class Tombstones:
    """An in-memory erasures table that counts its reads."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.reads = 0

    def get_item(self, *, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.reads += 1
        item = self.items.get(Key["user_id"]["S"])
        return {"Item": item} if item else {}


@pytest.fixture(autouse=True)
def fresh_memory() -> Any:
    erasures.forget()
    yield
    erasures.forget()


def test_a_live_account_passes_and_is_not_reread_within_the_cache_window() -> None:
    db = Tombstones()
    erasures.ensure_not_erased("u1", db=db, now=100.0)
    erasures.ensure_not_erased("u1", db=db, now=101.0)
    assert db.reads == 1
    erasures.ensure_not_erased("u1", db=db, now=100.0 + erasures.CHECK_CACHE_SECONDS + 0.1)
    assert db.reads == 2


def test_an_erased_account_is_refused_and_stays_refused_without_rereading() -> None:
    db = Tombstones()
    erasures.ensure_not_erased("u1", db=db, now=100.0)
    db.items["u1"] = {"user_id": {"S": "u1"}, "erased_at": {"N": "100"}}
    erasures.ensure_not_erased("u1", db=db, now=101.0)  # still cached as live: at most 2 s
    with pytest.raises(UnauthorizedError):
        erasures.ensure_not_erased("u1", db=db, now=103.0)
    reads = db.reads
    with pytest.raises(UnauthorizedError):
        erasures.ensure_not_erased("u1", db=db, now=104.0)
    assert db.reads == reads


def test_the_process_that_erased_refuses_at_once() -> None:
    db = Tombstones()
    erasures.ensure_not_erased("u2", db=db, now=100.0)
    erasures.mark_erased("u2")
    with pytest.raises(UnauthorizedError):
        erasures.ensure_not_erased("u2", db=db, now=100.5)


def test_pseudonyms_are_random_and_name_nobody() -> None:
    first, second = privacy.pseudonym(), privacy.pseudonym()
    assert first != second
    assert first.startswith("erased-") and len(first) > 20
