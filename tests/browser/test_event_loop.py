"""The closed loop in a real browser: a grid worker reports on the phone page, the command
centre accepts and dispatches, the department signs and feeds back, the grid worker verifies,
the command centre closes — each through the forms of the event page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import expect_status, login_as
from tests.events.factories import make_world
from wangge.events.models import Category, Event, RoutingRule

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def do(page: Page, action: str, button: str = "button[type=submit]") -> None:
    """Press the action's button and wait for the event page to come back."""
    form = page.locator(f"form.action-{action}")
    with page.expect_navigation():
        form.locator(button).first.click()
    expect(page.locator(".errors")).to_have_count(0)


def test_an_event_goes_round_the_loop(live_server, context, page: Page, js_errors: list[str]):
    world = make_world()
    RoutingRule.objects.create(
        category=Category.objects.get(code="0102"),
        area=world.areas["330103"],
        department=world.city,
    )

    # The grid worker reports from the phone page; headless chromium has no location, so
    # the micro-grid is picked from the list.
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(context, page, world.worker.username, "/m/report/")
    expect(page.locator("#report-form")).to_have_attribute("data-geo", "unavailable")
    page.fill("input[name=title]", "路边暴露垃圾")
    page.select_option("select[name=category]", "0102")
    page.fill("textarea[name=description]", "小区东门外有一堆垃圾")
    page.select_option("select[name=area]", world.micro.code)
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    expect_status(page, "reported")
    event = Event.objects.get()
    assert page.url.endswith(f"/events/{event.code}/")
    expect(page.locator("#event-map path.event-area")).to_have_count(1)
    url = f"/events/{event.code}/"

    # The command centre accepts it and dispatches it to the suggested department.
    page.set_viewport_size({"width": 1280, "height": 800})
    login_as(context, page, world.operator.username, url)
    expect_status(page, "reported")
    do(page, "accept")
    expect_status(page, "accepted")
    expect(page.locator("form.action-dispatch select[name=lead]")).to_have_value(world.city.code)
    do(page, "dispatch")
    expect_status(page, "dispatched")

    # The department signs for it and reports it handled.
    login_as(context, page, world.city_handler.username, "/orders/")
    page.get_by_role("link", name=event.code).click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    do(page, "sign")
    expect_status(page, "handling")
    page.fill("form.action-feedback textarea[name=note]", "已清运")
    do(page, "feedback")
    expect_status(page, "handled")

    # The grid worker checks it on the spot; the command centre closes it.
    login_as(context, page, world.worker.username, url)
    do(page, "verify", "button[name=passed][value='1']")
    expect_status(page, "verified")
    login_as(context, page, world.operator.username, url)
    do(page, "close")
    expect_status(page, "closed")
    expect(page.locator("ol.timeline > li")).to_have_count(7)
    assert Event.objects.get().status == "closed"
    assert js_errors == []
