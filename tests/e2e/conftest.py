"""Browser fixtures for the end-to-end tests: one chromium per session, a fresh context per test.

The web app is served by the same local stack as the integration tests (`stack.web_url`), and
talks to its API through `config.js`. Uncaught JavaScript errors fail the test that caused them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING, DESKTOP
from tests.support import Stack

# Generous for a loaded CI machine; each `expect` still returns as soon as it holds.
expect.set_options(timeout=15_000)

ContextFactory = Callable[..., BrowserContext]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # .ci/run installs it: missing there is a failure, not a skip
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Browser, stack: Stack) -> Iterator[ContextFactory]:
    """Make isolated browser contexts (separate storage: separate customers) for this test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {
            "base_url": stack.web_url,
            "viewport": DESKTOP,
            "locale": "en-US",
            "timezone_id": "America/Los_Angeles",
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(15_000)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def page(new_context: ContextFactory) -> Page:
    return new_context().new_page()
