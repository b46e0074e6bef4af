"""Accessibility: axe-core (vendored, tests/browser/vendor) finds no serious or critical
violation on the main pages of the grid worker's phone, the command centre's desktop and the
resident portal."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    DESKTOP,
    axe_violations,
    latin_words,
    login,
    login_as,
    phone_context,
)
from tests.events.factories import make_world, report
from wangge.events import workflow as wf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# The test world's own Latin text: usernames and the codes of its events.
OWN = {"worker", "operator", "XC"}


def check(page: Page, url: str, found: dict[str, list[str]], own: set[str]) -> None:
    """axe-core's serious and critical violations, and English words left on the page."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    problems = axe_violations(page)
    english = latin_words(page, own)
    if english:
        problems.append(f"English words: {english}")
    if problems:
        found[url] = problems


def test_the_grid_workers_phone_pages(live_server, browser: Browser):
    world = make_world()
    event = report(world)
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        login(page, live_server.url, world.worker.username, lands="/field/")
        for url in ("/field/", "/m/report/", "/m/", "/inbox/", "/me/", f"/events/{event.code}/"):
            check(page, url, found, OWN)
    finally:
        context.close()
    assert found == {}


def test_the_command_centres_desktop_pages(live_server, page: Page):
    world = make_world()
    event = wf.event_accept(event=report(world), actor=world.operator)
    page.set_viewport_size(DESKTOP)
    login_as(page.context, page, world.operator.username, "/events/")
    expect(page.locator("table.list")).to_be_visible()
    found: dict[str, list[str]] = {}
    for url in ("/events/", f"/events/{event.code}/", "/", "/inbox/"):
        check(page, url, found, OWN)
    assert found == {}


def test_the_resident_portal(live_server, browser: Browser):
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        make_world()
        for url in ("/r/", "/r/status/", "/login/"):
            check(page, url, found, OWN)
    finally:
        context.close()
    assert found == {}
