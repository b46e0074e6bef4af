"""上报上级 in a real browser: the page says before the click what happens to the work
orders, the click asks for confirmation, no is no, yes escalates and keeps the orders."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import expect_status, login_as
from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import Event, OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_escalation_asks_first_and_keeps_the_work_orders(
    live_server, context: BrowserContext, page: Page, js_errors: list[str]
):
    world = make_world()
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    url = f"/events/{e.code}/"
    login_as(context, page, world.worker.username, url)

    form = page.locator("form.action-escalate")
    expect(form.locator("h3")).to_have_text("上报上级")
    expect(form.locator(".escalate-note")).to_contain_text("城管、市场监管")
    # The reason is required: an empty one does not even ask.
    asked: list[str] = []

    def say_no(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", say_no)
    form.locator("button[type=submit]").click()
    assert asked == []
    form.locator("textarea[name=reason]").fill("需网格协调")
    form.locator("button[type=submit]").click()
    expect(form).to_be_visible()
    assert len(asked) == 1 and "上报上级" in asked[0] and "2" in asked[0]
    page.wait_for_timeout(300)  # a dismissed confirmation sends nothing
    assert Event.objects.get(pk=e.pk).responsible_area_id == e.responsible_area_id

    page.remove_listener("dialog", say_no)
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".errors")).to_have_count(0)
    expect_status(page, "dispatched")
    expect(page.locator('ol.timeline li[data-action="escalate"]')).to_contain_text("上报上级")
    escalated = Event.objects.get(pk=e.pk)
    assert escalated.responsible_area.level == e.responsible_area.level - 1
    assert set(escalated.orders.values_list("status", flat=True)) == {OrderStatus.PENDING}
    assert js_errors == []
