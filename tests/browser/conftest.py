"""Playwright (sync API) against pytest-django's live_server, on the system chromium."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Playwright's sync API drives an asyncio event loop in a greenlet of the main thread, and
# the loop stays registered as "running" for that thread while the test's code executes.
# Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation),
# which would break the test's own setup (make_tree, make_user) and pytest-django's flush
# after each test. The test code itself is plain synchronous code, so the check is a
# false alarm here. Note: the variable and the loop outlive the browser tests for the
# rest of the pytest session (the browser fixture is session-scoped).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium) - browser tests skipped")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Offline by design: anything not served by the live server (e.g. map tiles when
    # WANGGE_TILE_URL is set) is refused rather than waited for.
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.abort(),
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def js_errors(page: Page) -> list[str]:
    """Uncaught exceptions and unhandled promise rejections of the page, as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
