"""The assessment forms clicked through: the bulletin's A4 print view; the scheme editor
(add and remove an indicator, a new version) and a manual item as an assessor; a dispute
raised by the assessed grid worker (desktop and a 390×844 phone) and decided by the
assessor."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.assessment.helpers import fact, grid_scheme, make_assessor, street_scheme
from tests.browser.helpers import DESKTOP, PHONE, login_as, phone_context
from tests.events.factories import make_world
from wangge.stats.assessment import bulletins, services
from wangge.stats.assessment.models import Dispute, Scheme

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
A4_CSS_PX = 794  # 210 mm at 96 px an inch


@pytest.fixture
def w():
    world = make_world()
    world.assessor = make_assessor(world.areas["330103"])
    grid = world.areas["330103001001001"]  # the grid worker's
    fact(grid, date(2026, 11, 5), accepted=True, closed=True)
    fact(grid, date(2026, 11, 6), accepted=True)
    return world


def test_the_bulletin_prints_on_a4_without_menus(live_server, context, page: Page, w):
    district = w.areas["330103"]
    b = bulletins.generate("monthly", "2026-11", date(2026, 11, 1), date(2026, 11, 30), district)
    assert b is not None
    page.set_viewport_size({"width": A4_CSS_PX, "height": 1123})
    login_as(context, page, w.operator.username, f"/assessment/bulletins/{b.pk}/")
    expect(page.locator("header.topbar nav")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.topbar", "header.topbar nav", ".noprint"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#bulletin h1")).to_contain_text(district.name)
    expect(page.locator("#figures tr").first).to_be_visible()
    assert page.locator("#figures tr").count() >= 3
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= A4_CSS_PX, width  # nothing wider than the sheet
    page.emulate_media(media="screen")


def test_the_assessor_edits_the_scheme_and_adds_a_manual_item(live_server, context, page: Page, w):
    scheme = street_scheme()
    page.set_viewport_size(DESKTOP)
    login_as(context, page, w.assessor.username, f"/assessment/schemes/{scheme.pk}/")
    page.select_option("#add-code", "response")
    page.fill("input[name=add_weight]", "10")
    page.click("button[value=add]")
    expect(page.locator("#weights-total")).to_have_text("110.00")
    expect(page.locator("input[name=weight_response]")).to_be_visible()
    page.fill("input[name=weight_close]", "50")
    page.click("button[value=save]")
    expect(page.locator("#items tr[data-code=response]")).to_be_visible()
    expect(page.locator("#weights-total")).to_have_text("100.00")
    page.check("#items tr[data-code=response] input[name=remove]")
    page.fill("input[name=weight_close]", "60")
    page.click("button[value=save]")
    expect(page.locator("#items tr[data-code=response]")).to_have_count(0)
    page.fill("input[name=from_period]", "2027-01")
    page.click("button[value=version]")
    new = Scheme.objects.get(code="street", valid_from=date(2027, 1, 1))
    expect(page).to_have_url(f"{live_server.url}/assessment/schemes/{new.pk}/")
    # A manual item on a draft result, then taken back.
    run = services.run_period("street", "2026-11")
    street = w.areas["330103001"]
    page.goto(f"/assessment/{run.pk}/{street.id}/")
    page.fill("#manual-form input[name=points]", "-2")
    page.fill("#manual-form input[name=reason]", "上级督查：台账缺失")
    page.click("#manual-form button")
    expect(page.locator("#manual")).to_contain_text("上级督查：台账缺失")
    expect(page.locator("#manual")).to_contain_text("assessor")
    page.click("#manual button")
    expect(page.locator("#manual")).not_to_contain_text("台账缺失")


def _switch(context: BrowserContext, page: Page, base_url: str, username: str, url: str) -> None:
    """Log in as another user: the page left first, so no request of the last one's page
    (the inbox count) lands a cookie after the switch; then on `url` itself."""
    page.goto("about:blank")
    login_as(context, page, username, url)
    expect(page).to_have_url(f"{base_url}{url}")


def _raise_dispute(page: Page, url: str, reason: str) -> None:
    page.goto(url)
    page.fill("#dispute-form textarea[name=reason]", reason)
    page.click("#dispute-form button")
    expect(page.locator("#disputes")).to_contain_text(reason)
    expect(page.locator("#dispute-form")).to_have_count(0)


def test_the_grid_worker_disputes_and_the_assessor_decides(
    live_server, browser: Browser, context: BrowserContext, page: Page, w
):
    grid_scheme()
    run = services.publish_run(services.run_period("grid", "2026-11"), now=timezone.now())
    grid = w.areas["330103001001001"]
    url = f"/assessment/{run.pk}/{grid.id}/"
    # On a phone first.
    phone = phone_context(browser, live_server.url)
    try:
        p = phone.new_page()
        login_as(phone, p, w.worker.username, url)
        expect(p.locator("#dispute-form textarea")).to_be_visible()
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        box = p.locator("#dispute-form button").bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        _raise_dispute(p, url, "一件已结案未计入")
    finally:
        phone.close()
    first = Dispute.objects.get()
    # The assessor rejects it; the worker disputes again on the desktop, and it is upheld.
    page.set_viewport_size(DESKTOP)
    _switch(context, page, live_server.url, w.assessor.username, "/assessment/disputes/")
    row = page.locator(f"tr[data-dispute='{first.pk}']")
    row.locator("input[value=rejected]").check()
    row.locator("input[name=decision]").fill("核查无误")
    row.locator("button").click()
    expect(page.locator("#decided-disputes")).to_contain_text("核查无误")
    _switch(context, page, live_server.url, w.worker.username, url)
    expect(page.locator("#disputes")).to_contain_text("核查无误")
    _raise_dispute(page, url, "回访记录有误")
    second = Dispute.objects.exclude(pk=first.pk).get()
    _switch(context, page, live_server.url, w.assessor.username, "/assessment/disputes/")
    row = page.locator(f"tr[data-dispute='{second.pk}']")
    row.locator("input[value=upheld]").check()
    row.locator("input[name=new_score]").fill("90")
    row.locator("input[name=decision]").fill("核实属实")
    row.locator("button").click()
    expect(page.locator("#decided-disputes")).to_contain_text("核实属实")
    _switch(context, page, live_server.url, w.worker.username, url)
    expect(page.locator("#corrected")).to_contain_text("90.00")
