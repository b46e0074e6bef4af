"""Accessibility: axe-core (vendored, tests/browser/vendor) finds no serious or critical
violation, and no English word is left, on every page each role reaches from its menus: the
grid worker's phone (the tab bar and 我的), the command centre's operator, a department's
handler, a leader and a community secretary on the desktop (the top menu and the account
links), and the resident portal."""

import re

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
from tests.factories import make_user, post
from wangge.events import workflow as wf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# The test world's own Latin text: usernames and the codes of its events.
OWN = {"worker", "operator", "XC", "city", "leader", "secretary", "cg", "sj"}
OWN |= {"N"}  # the field's "1+1+N" (a grid leader, a full-time worker, N others)
# Links of a menu that are not pages to check: the back office and the API's documentation
# (Django's and the schema's own pages), and the log-out form.
NOT_PAGES = ("/admin/", "/api/docs", "/logout/")

MENU_LINKS = """(selectors) => {
    const out = [];
    for (const a of document.querySelectorAll(selectors)) {
        const url = new URL(a.href, location.href);
        if (url.origin === location.origin && !out.includes(url.pathname + url.search)) {
            out.push(url.pathname + url.search);
        }
    }
    return out;
}"""


def menu_pages(page: Page, start: str, selectors: str) -> list[str]:
    """The same-site pages linked from the menus (`selectors`) of `start`."""
    page.goto(start)
    urls = page.evaluate(MENU_LINKS, selectors)
    return [u for u in urls if not u.startswith(NOT_PAGES)]


def check(page: Page, url: str, found: dict[str, list[str]], own: set[str]) -> None:
    """axe-core's serious and critical violations, and English words left on the page."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    problems = axe_violations(page)
    # A two-step login's secret is shown to be typed into the phone's app.
    english = [w for w in latin_words(page, own) if not re.fullmatch(r"[A-Z2-7]{16,}", w)]
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
        urls = menu_pages(page, "/me/", "nav.tabbar a, main a")
        assert {"/field/", "/m/report/", "/m/", "/inbox/", "/me/"} <= set(urls)
        for url in (*urls, f"/events/{event.code}/"):
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
    urls = menu_pages(page, "/", "header.topbar a")
    assert {"/events/", "/", "/inbox/"} <= set(urls)
    for url in (*urls, f"/events/{event.code}/"):
        check(page, url, found, OWN)
    assert found == {}


@pytest.mark.parametrize("who", ["city_handler", "leader", "secretary"])
def test_the_desktop_pages_of_handlers_leaders_and_secretaries(live_server, page: Page, who):
    world = make_world()
    event = wf.event_accept(event=report(world), actor=world.operator)
    wf.event_dispatch(event=event, actor=world.operator, lead=world.city)
    if who == "leader":
        user = make_user("leader")
        post(user, world.areas["330103"], role="leader")
    elif who == "secretary":
        user = make_user("secretary")
        post(user, world.areas["330103001001"], role="secretary")
    else:
        user = world.city_handler
    page.set_viewport_size(DESKTOP)
    login_as(page.context, page, user.username, "/inbox/")
    found: dict[str, list[str]] = {}
    for url in (*menu_pages(page, "/inbox/", "header.topbar a"), f"/events/{event.code}/"):
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
