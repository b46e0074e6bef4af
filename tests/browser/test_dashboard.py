"""The dashboard in a real browser: drill down two levels, click a figure through to its
events; the big screen draws its charts with no script errors."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import login
from tests.events.factories import make_world, report
from tests.stats.helpers import close_path, fill_now

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_dashboard_drill_down_and_through_to_the_events(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    close_path(w, report(w, title="三号楼前路灯不亮"))
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/dashboard/?period=today")
    expect(page.locator("#fig-closed_rate .value")).to_have_text("1 / 1 = 100.0%")
    expect(page.locator(".asof")).to_contain_text("数据截至")
    page.locator("#children a.drill").first.click()  # street
    expect(page.locator(".breadcrumb strong")).to_have_text(w.areas["330103001"].name)
    page.locator("#children a.drill").first.click()  # community
    expect(page.locator(".breadcrumb strong")).to_have_text(w.areas["330103001001"].name)
    expect(page.locator(".breadcrumb a:not(.export)")).to_have_count(2)  # district, street
    page.wait_for_function(
        "() => window.echarts && !!echarts.getInstanceByDom(document.getElementById('chart-trend'))"
    )
    page.locator("#fig-closed").click()
    expect(page).to_have_url(re.compile(r"/events/\?"))
    expect(page.get_by_role("cell", name="三号楼前路灯不亮")).to_be_visible()
    page.goto("/dashboard/screen/")
    expect(page.locator("#screen #fig-reported .value")).to_have_text("1")
    page.wait_for_function(
        "() => !!echarts.getInstanceByDom(document.getElementById('chart-channels'))"
    )
    assert js_errors == []
