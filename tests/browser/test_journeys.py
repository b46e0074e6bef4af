"""Journeys as people make them, each in one browser session:

- a community secretary on the desktop opens the community's events (and only those), the
  grids lacking 1+1+N and a campaign's coverage of the community;
- a leader on the desktop goes from the dashboard into a street and through a figure to the
  events behind it, and can act on none of them;
- an operator on a phone (390×844) takes a report from the queue, accepts and dispatches it,
  with nothing wider than the screen."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import DESKTOP, expect_status, login, phone_context
from tests.events.factories import make_world, report
from tests.factories import make_user, post
from tests.people.factories import centre, make_people
from tests.stats.helpers import fill_now
from wangge.events import workflow
from wangge.events.models import Category, Event
from wangge.fieldwork.campaigns import services as campaigns

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def _no_wider_than_the_screen(page: Page) -> None:
    # Measured once the stylesheets are in: a layout read earlier (the page's status shows
    # before site.css has loaded on a busy machine) sees the browser's default sizes.
    page.wait_for_load_state("load")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_a_community_secretary(live_server, page: Page, js_errors):
    p = make_people()
    community = p.areas["330103001001"]
    secretary = make_user("secretary")
    post(secretary, community, role="secretary")
    garbage = Category.objects.get(code="0102")
    ours = workflow.event_report(
        actor=p.worker_a, title="楼道堆放杂物", category=garbage, area=p.micro_a,
        lon=centre(p.micro_a)[0], lat=centre(p.micro_a)[1],
    )  # fmt: skip
    theirs = workflow.event_report(
        actor=p.worker_b, title="隔壁社区的井盖", category=garbage, area=p.micro_b,
        lon=centre(p.micro_b)[0], lat=centre(p.micro_b)[1],
    )  # fmt: skip
    today = timezone.localdate()
    campaign = campaigns.campaign_define(
        actor=p.admin,
        title="流动人员信息排查",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        area_codes=["330103"],
        fields=[{"name": "n", "label": "在住人数", "type": "number", "required": True}],
    )
    campaigns.campaign_open(actor=p.admin, campaign=campaign)

    page.set_viewport_size(DESKTOP)
    login(page, live_server.url, secretary.username)
    # The community's events: its own, not the next community's.
    page.locator("header.topbar nav a", has_text="事件").first.click()
    expect(page.locator("table.events")).to_be_visible()
    page.locator('#queue-tabs a[data-tab="all"]').click()
    expect(page.get_by_role("link", name=ours.code)).to_be_visible()
    expect(page.get_by_role("link", name=theirs.code)).to_have_count(0)
    page.get_by_role("link", name=ours.code).click()
    expect(page.locator("h1")).to_contain_text("楼道堆放杂物")

    # The grids of the community lacking 1+1+N: no grid leader anywhere in the test world.
    page.locator("header.topbar nav a", has_text="配备缺口").first.click()
    expect(page.locator("h1")).to_contain_text("1+1+N")
    rows = page.locator("table.list tbody tr")
    expect(rows.first.locator("td.missing").first).to_be_visible()
    codes = rows.locator("td:first-child").all_inner_texts()
    assert codes and all(c.startswith(community.code) for c in codes), codes

    # A campaign's coverage of the community.
    page.locator("header.topbar nav a", has_text="网格工作").first.click()
    page.get_by_role("link", name=re.compile("专项排查")).first.click()
    page.get_by_role("link", name="流动人员信息排查").click()
    expect(page.locator("h1")).to_contain_text("流动人员信息排查 · 覆盖率")
    expect(page.locator(".coverage-here")).to_contain_text("%")
    shown = page.locator("table.coverage tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code).filter(Boolean)"
    )
    assert shown and all(c.startswith(community.code) for c in shown), shown
    assert js_errors == []


def test_a_leader_sees_and_cannot_act(live_server, page: Page, js_errors, settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    leader = make_user("leader")
    post(leader, w.areas["330103"], role="leader")
    lon, lat = centre(w.micro)
    event = report(w, title="三号楼前路灯不亮", lon=lon, lat=lat)
    fill_now()

    page.set_viewport_size(DESKTOP)
    login(page, live_server.url, leader.username)
    page.locator("header.topbar nav a", has_text="驾驶舱").first.click()
    expect(page).to_have_url(re.compile(r"/dashboard/"))
    page.goto("/dashboard/?period=today")
    expect(page.locator("#fig-reported .value")).to_have_text("1")
    page.locator("#children a.drill").first.click()  # into a street
    expect(page.locator(".breadcrumb strong")).to_have_text(w.areas["330103001"].name)
    page.locator("#fig-reported").click()
    expect(page).to_have_url(re.compile(r"/events/\?"))
    page.get_by_role("link", name=event.code).click()
    expect(page.locator("h1")).to_contain_text("三号楼前路灯不亮")
    # Sight without action: no action form, and a forged one is refused.
    expect(page.locator("form[class*='action-']")).to_have_count(0)
    status = page.evaluate(
        """async (url) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/);
            const headers = {"X-CSRFToken": token ? token[1] : ""};
            const body = new URLSearchParams({comment: "x"});
            const r = await fetch(url, {method: "POST", headers, body});
            return r.status;
        }""",
        f"/events/{event.code}/act/accept/",
    )
    assert status in (403, 404, 409, 422), status
    event.refresh_from_db()
    assert event.status == "reported"
    assert js_errors == []


def test_an_operator_on_a_phone(live_server, browser: Browser):
    w = make_world()
    event = report(w, title="小区门口垃圾满溢")
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server.url, w.operator.username)
        page.goto("/events/?tab=reported")
        _no_wider_than_the_screen(page)
        link = page.get_by_role("link", name=event.code)
        expect(link).to_be_visible()
        link.click()
        expect_status(page, "reported")
        _no_wider_than_the_screen(page)
        accept = page.locator("form.action-accept button[type=submit]").first
        page.wait_for_load_state("load")
        box = accept.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
        with page.expect_navigation():
            accept.click()
        expect_status(page, "accepted")
        page.locator("form.action-dispatch select[name=lead]").select_option(w.city.code)
        with page.expect_navigation():
            page.locator("form.action-dispatch button[type=submit]").first.click()
        expect_status(page, "dispatched")
        _no_wider_than_the_screen(page)
        assert Event.objects.get(pk=event.pk).status == "dispatched"
        assert errors == []
    finally:
        context.close()
