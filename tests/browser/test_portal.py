"""The resident portal in a real browser on a phone-sized screen: report with a photo and a
pin on the map, get a tracking code, follow it on the status page, rate after closure."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.events.factories import make_world
from tests.images import jpeg
from wangge.events import workflow as wf
from wangge.events.models import Event, Satisfaction
from wangge.portal import views
from wangge.regions import spatial_index

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_INDEX_CHECK_SECONDS = 0  # a new tree each test: no stale index
    spatial_index.invalidate()
    monkeypatch.setattr(views, "_outline", None)
    yield
    spatial_index.invalidate()


def _close(world, event: Event) -> None:
    wf.event_accept(event=event, actor=world.operator)
    wf.event_self_handle(event=Event.objects.get(pk=event.pk), actor=world.operator)
    wf.event_feedback(event=Event.objects.get(pk=event.pk), actor=world.operator, note="已清运")
    wf.event_verify(event=Event.objects.get(pk=event.pk), actor=world.operator, passed=True)
    wf.event_close(event=Event.objects.get(pk=event.pk), actor=world.operator, comment="已处理")


def test_report_with_a_photo_and_a_pin_then_follow_it(
    live_server, media, context: BrowserContext, page: Page, js_errors: list[str]
):
    world = make_world()
    page.set_viewport_size(PHONE)
    page.goto("/r/")
    expect(page.locator("#pin-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#pin-map path.leaflet-interactive, #pin-map path")).not_to_have_count(0)

    page.fill("textarea[name=text]", "小区东门外垃圾堆了三天")
    page.locator("label.chip", has_text="市容环境").click()
    page.set_input_files(
        "#photos", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.locator("#pin-map").click()  # a tap in the middle of the district drops the pin
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    lon = float(page.input_value("#lon"))
    lat = float(page.input_value("#lat"))
    page.fill("input[name=address]", "朝晖路东门")
    page.fill("input[name=phone]", "13800001234")
    with page.expect_navigation():
        page.click("#portal-form button[type=submit]")

    code = page.locator("#tracking-code").inner_text()
    expect(page.locator(".done")).to_contain_text("已提交成功")
    follow_url = page.input_value("#follow-url")
    assert re.search(rf"/r/follow/{code}/[\w-]+/$", follow_url)
    event = Event.objects.get(code=code)
    assert (event.lon, event.lat) == pytest.approx((lon, lat), abs=1e-6)
    assert event.category.code == "01" and event.attachments.count() == 1
    expect(page.locator("#own-report img")).to_have_count(1)
    # The thumbnail is lazy: bring it into view and wait until it has decoded (it loads
    # after the page does, so reading its width at once raced it).
    thumb = page.locator("#own-report img")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )

    # Anyone can look the code up: progress, but none of the reporter's own words.
    page.goto("/r/status/")
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("#case-status")).to_have_attribute("data-status", "reported")
    expect(page.locator("#steps")).to_contain_text("已收到反映")
    assert "东门外垃圾" not in page.content() and "13800001234" not in page.content()

    # Once closed, the private link offers the rating.
    _close(world, event)
    page.goto(follow_url)
    expect(page.locator("#case-status")).to_have_attribute("data-status", "closed")
    page.locator("#rate label.chip", has_text="基本满意").click()
    with page.expect_navigation():
        page.click("#rate button[type=submit]")
    expect(page.locator("#rated")).to_contain_text("基本满意")
    assert Event.objects.get(pk=event.pk).satisfaction == Satisfaction.BASICALLY
    assert js_errors == []


def test_the_browser_location_and_a_refusal_that_keeps_the_form(
    live_server, media, context: BrowserContext, page: Page, js_errors: list[str]
):
    world = make_world()
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"longitude": 120.1024, "latitude": 30.2024})
    page.set_viewport_size(PHONE)
    page.goto("/r/")
    expect(page.locator("#pin-map")).to_have_attribute("data-ready", "1")
    page.fill("textarea[name=text]", "路灯不亮")
    page.fill("input[name=phone]", "12ab")  # refused, naming the phone
    page.click("#locate")
    expect(page.locator("#lon")).to_have_value("120.102400")
    with page.expect_navigation():
        page.click("#portal-form button[type=submit]")
    expect(page.locator(".errors li[data-field=phone]")).to_contain_text("手机号")
    expect(page.locator("textarea[name=text]")).to_have_value("路灯不亮")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)  # the pin is kept

    page.fill("input[name=phone]", "13800001234")
    with page.expect_navigation():
        page.click("#portal-form button[type=submit]")
    event = Event.objects.get(code=page.locator("#tracking-code").inner_text())
    assert event.area_id == world.micro.pk and event.reporter_phone == "13800001234"
    assert js_errors == []
