"""The grid worker's phone as a person uses it, on a 390×844 touch screen: login lands on
今日任务 in the phone shell (a bottom tab bar, no desktop menu, targets ≥ 44 px, text ≥ 14 px),
today's list in groups named as people name things, the visit checklist with its boxes beside
their answers, a report pinned on the map and settled on the spot in one step, the patrol's
live track. The same worker on a desktop screen gets the desktop menu."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import DESKTOP, box_of, login, phone_context
from tests.fieldwork.patrol_world import make_patrol_world
from tests.fieldwork.visits_factories import tag
from tests.people.factories import centre
from wangge.events.models import Event, Status
from wangge.fieldwork.models import Patrol
from wangge.fieldwork.visits import schedule

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

TABS = ["今日", "上报", "事件", "消息", "我的"]


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def expect_phone_shell(page: Page) -> None:
    """The bottom tab bar is there with its five tabs, the desktop menu is not; every tab and
    big button is at least 44 px high and the body text at least 14 px."""
    bar = page.locator("nav.tabbar")
    expect(bar).to_be_visible()
    expect(bar.locator("a")).to_have_text([re.compile(t) for t in TABS])
    expect(page.locator("header.topbar nav")).to_be_hidden()
    for i in range(5):
        box = bar.locator("a").nth(i).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    for button in page.locator("main .big-button:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, button.inner_text()
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 14
    # The bar sits at the bottom of the screen.
    bar_box = box_of(page, "nav.tabbar")
    assert bar_box["y"] + bar_box["height"] == pytest.approx(844, abs=1)


def test_a_grid_workers_day_on_the_phone(live_server, browser: Browser, js_errors: list[str]):
    w = make_patrol_world()
    p = w.people
    tag(p.resident_a, "unemployed")  # a quarterly visit for the full-time worker
    schedule.generate()
    lon, lat = centre(p.micro_a)
    context = phone_context(browser, live_server.url, lon=lon, lat=lat)
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        # Login lands on today's tasks, in the phone shell.
        login(page, live_server.url, p.worker_a.username, lands="/field/")
        page.wait_for_url(re.compile(r"/field/\?lon="))  # put in order of distance
        expect(page.locator("h1")).to_contain_text("今日任务")
        expect_phone_shell(page)
        expect(page.locator('nav.tabbar a[aria-current="page"]')).to_have_text(re.compile("今日"))

        # Grouped by kind with counts; names as people use them, never internal codes.
        groups = page.locator("details.task-group")
        expect(groups.first.locator("summary")).to_contain_text("走访")
        kinds = groups.evaluate_all("els => els.map(e => e.dataset.kind)")
        assert kinds[0] == "visit" and "inspection" in kinds
        visit = page.locator('details[data-kind="visit"] .task-title').first
        expect(visit).to_contain_text("户主 张某")
        # "河道A · <where>": the point's name, then its place.
        expect(page.locator('details[data-kind="inspection"] .task-title')).to_have_text(
            [re.compile(r"^河道A · \S")]
        )
        expect(visit).to_have_text(re.compile(r"^\S.* · 户主 张某$"))  # place · head, no code
        # The filter shows one kind.
        page.locator('#today-filter a[data-kind="inspection"]').click()
        expect(page.locator("details.task-group")).to_have_count(1)
        expect(page.locator("details.task-group")).to_have_attribute("data-kind", "inspection")

        # The visit checklist: each box sits beside its answer, not stretched across the line.
        page.locator("#today-filter a").first.click()
        page.locator('details[data-kind="visit"] .task-card a').first.click()
        expect(page.locator("form.visit-form")).to_be_visible()
        radio = page.locator('.check-item input[type="radio"]').first
        radio_box = radio.bounding_box()
        label_box = radio.locator("xpath=..").bounding_box()
        assert radio_box is not None and label_box is not None
        assert radio_box["width"] <= 30, "the radio box is stretched"
        assert label_box["width"] < 200, "the answer's label spans the line"
        expect_phone_shell(page)

        # 上报 from the tab bar: search a category, pin the place, settle it on the spot.
        page.locator('nav.tabbar a[data-tab="report"]').click()
        expect(page.locator("#report-form")).to_have_attribute("data-geo", "found")
        expect(page.locator("#report-map")).to_have_attribute("data-ready", "1")
        page.fill("input[name=title]", "小区东门外暴露垃圾")
        page.fill("#category-search", "暴露垃圾")
        expect(page.locator("#category")).to_have_value("0102")
        settle = page.locator("#settle-button")
        expect(settle).to_be_visible()
        pin_before = page.input_value("#lon")
        map_box = box_of(page, "#report-map")
        page.mouse.click(
            map_box["x"] + map_box["width"] * 0.7, map_box["y"] + map_box["height"] * 0.3
        )
        expect(page.locator("#report-form")).to_have_attribute("data-geo", "pinned")
        assert page.input_value("#lon") != pin_before
        expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(1)
        page.fill("input[name=address]", "文晖路12号东门")
        page.fill("textarea[name=settle_note]", "已现场清理")
        with page.expect_navigation():
            settle.click()
        expect(page.locator("#event-status [data-status]")).to_have_attribute(
            "data-status", "handled"
        )
        expect(page.locator('ol.timeline li[data-action="settle_on_spot"]')).to_contain_text(
            "当场处置"
        )
        event = Event.objects.get(title="小区东门外暴露垃圾")
        assert event.status == Status.HANDLED and event.self_handled
        assert event.address == "文晖路12号东门"
        assert event.lon is not None and abs(event.lon - float(pin_before)) > 1e-7

        # The patrol: the live track grows on the page while the worker walks.
        page.goto("/field/patrols/")
        page.click("#patrol-start-form button[type=submit]")
        page.wait_for_url(re.compile(r"/field/patrols/$"))
        live = page.locator("#live-track")
        expect(live).to_be_visible()
        expect(live.locator("path.live-line")).to_have_count(1)
        expect(live).to_have_attribute("data-points", re.compile(r"^[1-9]"))
        context.set_geolocation({"longitude": lon + 0.001, "latitude": lat + 0.001})
        page.wait_for_timeout(5500)  # the page keeps one fix every 5 s
        context.set_geolocation({"longitude": lon + 0.002, "latitude": lat + 0.001})
        expect(live).to_have_attribute("data-points", re.compile(r"^([2-9]|\d\d)"))
        expect(page.locator("#track-status")).to_contain_text("正在记录")
        expect(page.locator("#track-status")).not_to_contain_text("无法")
        assert Patrol.objects.filter(worker=p.worker_a, ended_at__isnull=True).exists()

        # 我的 holds the rest: patrol, visits, password, logout.
        page.locator('nav.tabbar a[data-tab="me"]').click()
        expect(page.locator(".me-links").first).to_contain_text("巡查")
        expect(page.locator(".me-links").last).to_contain_text("退出")
        assert js_errors == []
    finally:
        context.close()


def test_the_desktop_keeps_its_menu_for_the_same_worker(live_server, page: Page, js_errors):
    w = make_patrol_world()
    page.set_viewport_size(DESKTOP)
    login(page, live_server.url, w.worker_a.username, lands="/field/")
    expect(page.locator("nav.tabbar")).to_be_hidden()
    expect(page.locator("header.topbar nav")).to_be_visible()
    expect(page.locator("header.topbar .brand")).to_have_text("网格")
    expect(page.locator("header.topbar nav")).not_to_contain_text("API")
    assert js_errors == []


def test_the_command_centre_is_not_in_the_phone_shell(live_server, browser: Browser):
    """An operator on a phone keeps the menu (the tab bar is the field's) and lands on the map."""
    from tests.events.factories import make_world

    world = make_world()
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    try:
        login(page, live_server.url, world.operator.username)
        expect(page.locator("nav.tabbar")).to_have_count(0)
        expect(page.locator("header.topbar nav")).to_be_visible()
    finally:
        context.close()


def test_a_department_handler_works_an_order_on_the_phone(live_server, browser: Browser):
    """The handler lands on their work orders (no tab bar: not a field role), opens the
    order's event, signs for it and feeds back — all by tapping on a 390×844 screen."""
    from tests.events.factories import make_world, report
    from wangge.events import workflow as wf

    world = make_world()
    event = wf.event_accept(event=report(world), actor=world.operator)
    event = wf.event_dispatch(event=event, actor=world.operator, lead=world.city)
    context = phone_context(browser, live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server.url, world.city_handler.username, lands="/orders/")
        expect(page.locator("nav.tabbar")).to_have_count(0)
        page.get_by_role("link", name=event.code).click()
        page.wait_for_url(re.compile(rf"/events/{event.code}/$"))
        with page.expect_navigation():
            page.locator("form.action-sign button[type=submit]").click()
        expect(page.locator("#event-status [data-status]")).to_have_attribute(
            "data-status", "handling"
        )
        page.fill("form.action-feedback textarea[name=note]", "已清运")
        with page.expect_navigation():
            page.locator("form.action-feedback button[type=submit]").click()
        expect(page.locator("#event-status [data-status]")).to_have_attribute(
            "data-status", "handled"
        )
        assert errors == []
    finally:
        context.close()
