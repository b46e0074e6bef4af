"""The dashboard in a real browser: drill down two levels, click a figure through to its
events; the big screen draws its charts with no script errors, and holds the command
centre's nine modules on one page with no scroll bars, at its own size and scaled down."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import login
from tests.events.factories import make_world, report
from tests.people.factories import centre
from tests.stats.helpers import close_path, fill_now
from wangge.events import workflow as wf
from wangge.events.models import Category
from wangge.stats import feeds, selectors
from wangge.stats.models import FedIndicator, FedValue

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_dashboard_drill_down_and_through_to_the_events(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    lon, lat = centre(w.micro)
    close_path(w, report(w, title="三号楼前路灯不亮", lon=lon, lat=lat))
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/dashboard/?period=today")
    expect(page.locator("#fig-closed_rate .value")).to_have_text("1 / 1 = 100.0%")
    expect(page.locator(".asof")).to_contain_text("数据截至")
    # The map: child areas coloured by a figure, the heat map of the period's event.
    expect(page.locator("#dash-map path.choropleth-area").first).to_be_attached()
    page.wait_for_function("() => document.getElementById('dash-map').dataset.heatPoints === '1'")
    page.select_option("#choropleth-figure", "closed_rate")
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
    expect(page.locator("#screen #grid #fig-visits_due")).to_be_visible()
    expect(page.locator("#screen #enforcement #fig-joint")).to_be_visible()
    page.wait_for_function(
        "() => !!echarts.getInstanceByDom(document.getElementById('chart-channels'))"
    )
    assert js_errors == []


def test_map_layers_show_open_events_clustered_and_a_heat_map(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    lon, lat = centre(w.micro)
    opened = report(w, title="井盖缺失", lon=lon, lat=lat)
    report(w, title="路灯不亮", lon=lon, lat=lat)
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/")
    page.wait_for_function("() => document.getElementById('map').dataset.current === '330103'")
    page.check("#layer-events")
    page.wait_for_function("() => document.getElementById('map').dataset.eventPoints === '2'")
    expect(page.locator("#events-capped")).to_be_hidden()  # both drawn: no note
    page.check("#layer-heat")
    page.wait_for_function("() => document.getElementById('map').dataset.heatPoints === '1'")
    # Two events at one place: one cluster of 2 until zoomed in.
    expect(page.locator(".marker-cluster").first).to_contain_text("2")
    page.evaluate(
        "([lat, lon]) => window.wanggeMap.map.setView([lat, lon], 19, {animate: false})", [lat, lon]
    )
    page.locator(".marker-cluster").first.click()  # spiderfies the two
    page.locator(f".event-pin[title='{opened.code}']").click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(opened.code)
    assert js_errors == []


def test_main_map_notes_when_the_open_events_are_capped(
    page: Page, live_server, js_errors, settings, monkeypatch
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    monkeypatch.setattr(selectors, "OPEN_POINTS", 1)  # the live server runs in this process
    w = make_world()
    lon, lat = centre(w.micro)
    report(w, title="井盖缺失", lon=lon, lat=lat)
    report(w, title="路灯不亮", lon=lon, lat=lat)
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/")
    page.wait_for_function("() => document.getElementById('map').dataset.current === '330103'")
    expect(page.locator("#events-capped")).to_be_hidden()
    page.check("#layer-events")
    page.wait_for_function("() => document.getElementById('map').dataset.eventPoints === '1'")
    expect(page.locator("#events-capped")).to_be_visible()
    expect(page.locator("#events-capped")).to_have_text("地图仅显示最新的 1 件在办事件。")
    page.uncheck("#layer-events")
    expect(page.locator("#events-capped")).to_be_hidden()
    assert js_errors == []


CLICK_BAR = """([id, index]) => {
  const el = document.getElementById(id);
  const chart = echarts.getInstanceByDom(el);
  const value = chart.getOption().series[0].data[index];
  const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [index, value / 2]);
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""


def test_a_chart_bar_opens_the_events_it_counts(page: Page, live_server, js_errors, settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    close_path(w, report(w, title="三号楼前路灯不亮"))
    wf.event_report(
        actor=w.other_worker,
        title="井盖缺失",
        category=Category.objects.get(code="0102"),
        area=w.areas["330103002001001"].children.first(),
    )
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/dashboard/?period=today")
    page.wait_for_function(
        "() => window.echarts"
        " && !!echarts.getInstanceByDom(document.getElementById('chart-children'))"
    )
    page.locator("#chart-children").scroll_into_view_if_needed()
    x, y = page.evaluate(CLICK_BAR, ["chart-children", 0])  # the first street: one event
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/events/\?.*area=330103001.*fact=reported"))
    expect(page.locator("#figure-cases")).to_be_visible()
    expect(page.get_by_role("cell", name="三号楼前路灯不亮")).to_be_visible()
    expect(page.get_by_role("cell", name="井盖缺失")).to_have_count(0)
    assert js_errors == []


def test_big_screen_maps_the_areas_and_the_open_events(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    lon, lat = centre(w.micro)
    report(w, title="井盖缺失", lon=lon, lat=lat)
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/dashboard/screen/?period=today")
    expect(page.locator("#dash-map path.choropleth-area")).to_have_count(4)  # the streets
    expect(page.locator("#dash-map .choropleth-legend")).to_contain_text("已上报")
    page.wait_for_function("() => document.getElementById('dash-map').dataset.eventPoints === '1'")
    page.select_option("#choropleth-figure", "closed_rate")
    expect(page.locator("#dash-map .choropleth-legend")).to_contain_text("办结率")
    assert js_errors == []


NINE = {
    "overall": "总体态势",
    "party": "党建引领",
    "fed-approval": "审批服务",
    "enforcement": "综合执法",
    "grid": "网格联动",
    "command": "指挥调度",
    "fed-economy": "经济发展",
    "campaigns": "专项行动",
    "fed-tourism": "智慧文旅",
}
# Each module's box, and the document: nothing is cut off or scrolls.
OVERFLOWING = """() => {
  const root = document.documentElement;
  const cut = [...document.querySelectorAll("#screen .panel, #screen .panel.modules > div,"
    + " #screen .fed-module")].filter((el) => el.scrollHeight > el.clientHeight + 1
      || el.scrollWidth > el.clientWidth + 1).map((el) => el.id || el.className);
  return {cut, tall: root.scrollHeight > innerHeight, wide: root.scrollWidth > innerWidth};
}"""


def test_big_screen_holds_the_nine_modules_with_no_scroll_bars(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    close_path(w, report(w))
    fill_now()
    for code, name, module in [
        ("banjian", "办件量", "approval"),
        ("haoshi", "平均办理时长", "approval"),
        ("youke", "游客人次", "tourism"),
        ("zhifa", "外部执法案件", "enforcement"),
    ]:
        indicator = FedIndicator.objects.create(code=code, name=name, module=module, unit="件")
        FedValue.objects.create(
            indicator=indicator, area=w.micro, day=timezone.localdate(), value=21140, channel="x"
        )
    feeds.changed()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    login(page, live_server.url, w.operator.username)
    for width, height in [(1920, 1080), (1366, 768)]:
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/dashboard/screen/?period=today")
        for key, title in NINE.items():
            expect(page.locator(f"#screen #{key} h2").first).to_have_text(title)
        expect(page.locator("#fed-approval .figure")).to_have_count(2)
        expect(page.locator("#fed-tourism .value")).to_have_text("21,140 件")
        expect(page.locator("#fed-economy .empty")).to_contain_text("尚未接入")
        expect(page.locator("#enforcement [data-code=zhifa] .value")).to_have_text("21,140 件")
        page.wait_for_function(
            "() => !!echarts.getInstanceByDom(document.getElementById('chart-trend'))"
        )
        assert page.evaluate(OVERFLOWING) == {"cut": [], "tall": False, "wide": False}
        # Scaled to the window: the 1920×1080 wall fills it, and no more.
        box = page.evaluate(
            "() => { const r = document.getElementById('screen').getBoundingClientRect();"
            " return [r.right, r.bottom]; }"
        )
        assert width - 2 <= box[0] <= width + 0.5 and box[1] <= height + 0.5
    assert js_errors == [] and console == []


def test_main_map_colours_the_children_by_a_figure_and_drills_down(
    page: Page, live_server, js_errors, settings
):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    report(w)
    fill_now()
    login(page, live_server.url, w.operator.username)
    page.goto("/")
    page.wait_for_function("() => document.getElementById('map').dataset.current === '330103'")
    page.check("#layer-choropleth")
    expect(page.locator("#map path.choropleth-area")).to_have_count(4)
    expect(page.locator("#map .choropleth-legend")).to_contain_text("已上报")
    page.wait_for_function("() => document.getElementById('map').dataset.choropleth === 'reported'")
    page.select_option("#choropleth-figure", "closed_rate")
    expect(page.locator("#map .choropleth-legend")).to_contain_text("办结率")
    page.locator("#map path.choropleth-area").first.click()
    page.wait_for_function("() => document.getElementById('map').dataset.current === '330103001'")
    expect(page.locator("#map path.choropleth-area")).to_have_count(
        w.areas["330103001"].children.count()
    )
    assert js_errors == []
