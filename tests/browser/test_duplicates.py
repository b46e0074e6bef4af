"""Duplicates in a real browser: the operator opens a new report, sees its likely duplicates,
keeps one apart and merges the report into the other; the reporter finds the notice in the
inbox and the parent's progress on the duplicate's page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import expect_status, login_as
from tests.events.factories import make_world
from wangge.events import workflow as wf
from wangge.events.models import Category, Event, Status

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_operator_keeps_one_apart_and_merges_into_the_other(
    live_server, context, page: Page, js_errors: list[str]
):
    world = make_world()
    garbage = Category.objects.get(code="0102")

    def put(title: str, north_m: float, actor=None) -> Event:
        return wf.event_report(
            actor=actor or world.operator,
            title=title,
            category=garbage,
            lon=120.102,
            lat=30.202 + north_m / 111_195,
        )

    original = put("小区东门外暴露垃圾没人清理", 0)
    lookalike = put("小区东门外暴露垃圾", 60)
    report = put("东门外垃圾没人清理", 20, actor=world.worker)
    url = f"/events/{report.code}/"

    login_as(context, page, world.operator.username, url)
    panel = page.locator("#duplicates")
    expect(panel.locator("tbody tr")).to_have_count(2)
    first = panel.locator("tbody tr").first
    expect(first).to_have_attribute("data-code", original.code)  # nearer, more alike: first
    expect(first.locator(".score")).to_have_text(re.compile(r"^0\.\d\d$"))

    with page.expect_navigation():
        panel.locator(f'tr[data-code="{lookalike.code}"] button.keep-apart').click()
    expect(page.locator("#duplicates tbody tr")).to_have_count(1)

    with page.expect_navigation():
        page.locator(f'#duplicates tr[data-code="{original.code}"] button.merge-into').click()
    expect(page.locator(".errors")).to_have_count(0)
    expect_status(page, "merged")
    expect(page.locator("#duplicates")).to_have_count(0)
    expect(page.locator("#follows a")).to_have_text(original.code)
    assert Event.objects.get(pk=report.pk).parent_id == original.pk

    # The parent moves on; the reporter sees it on the duplicate and has a notice.
    wf.event_accept(event=original, actor=world.operator)
    login_as(context, page, world.worker.username, url)
    expect_status(page, Status.MERGED)
    expect(page.locator("#follows [data-status]")).to_have_attribute("data-status", "accepted")
    page.goto("/inbox/")
    expect(page.get_by_text(original.code).first).to_be_visible()
    assert js_errors == []
