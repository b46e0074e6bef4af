"""Indicator feeds: pushes by channel key (idempotent, all or nothing), figures added up as
declared over days and areas, scope, the dashboard's modules and its xlsx export."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.events.factories import make_world, report
from tests.factories import make_user
from tests.stats.helpers import close_path, fill_now
from wangge.intake import services
from wangge.intake.models import Channel
from wangge.stats.models import FedIndicator, FedValue

pytestmark = pytest.mark.django_db

URL = "/api/stats/indicators"
GRID_A = "330103001001001"  # the worker's grid
GRID_B = "330103001002001"  # same street, another community
GRID_C = "330103002001001"  # the other street


@pytest.fixture
def w(settings, clock):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    clock("2026-11-20T10:00+08:00")
    return make_world()


@pytest.fixture
def key(w):
    return services.channel_issue_key(Channel.objects.get(code="hotline"))


def _indicator(code="banjian", **extra):
    fields = {"name": "办件量", "unit": "件", "module": "approval", **extra}
    return FedIndicator.objects.create(code=code, **fields)


def _push(client, key, indicator, values):
    return client.post(
        URL,
        {"indicator": indicator, "values": values},
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )


def _day(n=0):
    return (timezone.localdate() - timedelta(days=n)).isoformat()


def _modules(client, query):
    body = client.get(f"{URL}?{query}")
    assert body.status_code == 200, body.content
    return {i["code"]: i for m in body.json()["modules"] for i in m["items"]}


def test_push_is_idempotent_per_indicator_area_and_day(w, key, client):
    _indicator()
    values = [
        {"area": GRID_A, "day": _day(), "value": 3},
        {"area": GRID_A, "day": _day(1), "value": "2.5"},
    ]
    first = _push(client, key, "banjian", values)
    assert first.status_code == 200, first.content
    assert first.json() == {"indicator": "banjian", "stored": 2}
    again = _push(client, key, "banjian", [{"area": GRID_A, "day": _day(), "value": 7}])
    assert again.status_code == 200
    assert FedValue.objects.count() == 2
    assert FedValue.objects.get(day=timezone.localdate()).value == Decimal("7")
    assert FedValue.objects.get(day=timezone.localdate() - timedelta(days=1)).channel == "hotline"


def test_bad_values_are_refused_naming_field_and_reason_and_nothing_is_written(w, key, client):
    _indicator()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    values = [
        {"area": GRID_A, "day": _day(), "value": 1},  # good, yet not written
        {"area": GRID_A, "day": _day(1), "value": "many"},
        {"area": GRID_A, "day": tomorrow, "value": 1},
        {"area": "999", "day": "2026-13-01", "value": True},
        {"area": GRID_A, "day": _day(), "value": 2},
        {"area": GRID_A, "day": _day(2), "value": 1e300},
    ]
    response = _push(client, key, "banjian", values)
    assert response.status_code == 422
    errors = {(e["field"], e["message"]) for e in response.json()["errors"]}
    assert errors == {
        ("values[1].value", "不是数字。"),
        ("values[2].day", "日期在未来。"),
        ("values[3].area", "未知区域 999。"),
        ("values[3].day", "不是日期（YYYY-MM-DD）。"),
        ("values[3].value", "不是数字。"),
        ("values[4].day", "同一区域同一日期重复出现。"),
        ("values[5].value", "数值过大。"),
    }
    assert not FedValue.objects.exists()
    unknown = _push(client, key, "nope", values[:1])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "indicator"
    empty = _push(client, key, "banjian", [])
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "values"
    assert _push(client, None, "banjian", values[:1]).status_code == 401
    assert _push(client, "wrong", "banjian", values[:1]).status_code == 403
    bad_json = client.post(URL, "{", content_type="application/json", HTTP_X_API_KEY=key)
    assert bad_json.status_code == 400 and bad_json.json()["errors"][0]["field"] == "body"


def test_figures_add_up_over_days_and_child_areas_as_declared(w, key, client):
    _indicator("banjian")  # sum, sum
    _indicator(
        "youke", name="游客人次", module="tourism", over_time="average", over_areas="average"
    )
    _indicator("qiye", name="企业数", module="economy", unit="家", over_time="last")
    for code in ("banjian", "youke", "qiye"):
        response = _push(
            client,
            key,
            code,
            [
                {"area": GRID_A, "day": _day(1), "value": 10},
                {"area": GRID_A, "day": _day(), "value": 20},
                {"area": GRID_B, "day": _day(), "value": 5},
                {"area": GRID_C, "day": _day(), "value": 100},
            ],
        )
        assert response.status_code == 200, response.content
    client.force_login(w.operator)
    street = _modules(client, "area=330103001&period=7d")
    assert street["banjian"]["value"] == 35  # 10 + 20 + 5
    assert street["youke"]["value"] == 10  # grid A: (10+20)/2 = 15, grid B: 5 → (15+5)/2
    assert street["qiye"]["value"] == 25  # the last day of each grid: 20 + 5
    district = _modules(client, "area=330103&period=7d")
    assert district["banjian"]["value"] == 135 and district["banjian"]["text"] == "135"
    today = _modules(client, "area=330103001&period=today")
    assert today["banjian"]["value"] == 25
    empty = _modules(client, "area=330103003&period=7d")
    assert empty["banjian"]["value"] is None and empty["banjian"]["text"] == "—"
    FedIndicator.objects.filter(code="qiye").update(active=False)
    assert "qiye" not in _modules(client, "area=330103&period=7d")


def test_scope_a_grid_worker_sees_only_values_under_their_posts(w, key, client):
    _indicator()
    _push(
        client,
        key,
        "banjian",
        [{"area": GRID_A, "day": _day(), "value": 4}, {"area": GRID_C, "day": _day(), "value": 9}],
    )
    client.force_login(w.worker)
    assert _modules(client, "period=today")["banjian"]["value"] == 4
    assert client.get(f"{URL}?area=330103002&period=today").status_code == 403
    assert client.get(f"{URL}?area=330103&period=today").status_code == 403
    page = client.get("/dashboard/?period=today").content.decode()
    approval = page.split('id="fed-approval"')[1].split("</section>")[0]
    assert '<td class="num">4</td>' in approval and "9" not in approval


def test_dashboard_shows_the_modules_or_how_to_feed_them(w, key, client):
    client.force_login(w.operator)
    page = client.get("/dashboard/?period=today").content.decode()
    assert page.count("POST /api/stats/indicators") == 4  # the empty state of each module
    _indicator()
    _push(client, key, "banjian", [{"area": GRID_A, "day": _day(), "value": 1234}])
    page = client.get("/dashboard/?period=today").content.decode()
    approval = page.split('id="fed-approval"')[1].split("</section>")[0]
    assert "办件量" in approval and "1,234" in approval and "件" in approval
    assert page.count("POST /api/stats/indicators") == 3
    assert "/dashboard/export.xlsx?area=330103" in page


def test_enforcement_shows_an_outside_systems_cases_under_its_own_figures(w, key, client):
    """综合执法 may be fed too (cases of an outside law-enforcement system): its indicators
    show inside the module's panel, after the platform's own law-enforcement figures, and in
    the API and the export like the other fed modules."""
    client.force_login(w.operator)
    page = client.get("/dashboard/?period=today").content.decode()
    panel = page.split('id="enforcement"')[1].split("</section>")[0]
    assert 'id="fed-enforcement"' in panel and "POST /api/stats/indicators" in panel
    assert page.count('id="fed-enforcement"') == 1  # not a panel of its own as well
    _indicator("zhifa", name="外部系统执法案件", module="enforcement")
    values = [
        {"area": GRID_A, "day": _day(), "value": 7},
        {"area": GRID_C, "day": _day(), "value": 5},
    ]
    assert _push(client, key, "zhifa", values).status_code == 200
    page = client.get("/dashboard/?period=today").content.decode()
    panel = page.split('id="enforcement"')[1].split("</section>")[0]
    own, fed = panel.split('id="fed-enforcement"')
    assert 'id="fig-law_reported"' in own and 'id="fig-joint"' in own
    assert "外部系统执法案件" in fed and '<td class="num">12</td>' in fed
    assert "POST /api/stats/indicators" not in panel
    body = client.get(f"{URL}?area=330103001&period=today").json()
    module = next(m for m in body["modules"] if m["key"] == "enforcement")
    assert module["label"] == "综合执法"
    assert [(i["code"], i["value"]) for i in module["items"]] == [("zhifa", 7)]
    response = client.get("/dashboard/export.xlsx?area=330103&period=today")
    book = load_workbook(io.BytesIO(response.content))
    assert ["综合执法", "外部系统执法案件", 12, "件"] in _sheet(book, "接入指标")
    # Defined in the back office like the others.
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    form = client.get("/admin/stats/fedindicator/add/").content.decode()
    assert 'value="enforcement"' in form


def _sheet(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_export_has_the_figures_shown_as_numbers(w, key, client):
    close_path(w, report(w))
    report(w)
    fill_now()
    _indicator()
    _push(client, key, "banjian", [{"area": GRID_A, "day": _day(), "value": "12.5"}])
    client.force_login(w.operator)
    response = client.get("/dashboard/export.xlsx?area=330103&period=today&channel=grid_app")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    api = client.get("/api/stats/overview?area=330103&period=today&channel=grid_app").json()
    overall = {row[0]: row for row in _sheet(book, "总体态势") if row and row[0]}
    # The first line says when the figures are from, as the page does (with the day).
    assert re.fullmatch(r"数据截至 \d{4}-\d\d-\d\d \d\d:\d\d", _sheet(book, "总体态势")[0][0])
    for fig in api["figures"]:
        assert overall[fig["label"]][1] == fig["value"]
    assert overall["已上报"][1] == 2 and isinstance(overall["已上报"][1], int)
    assert overall["办结率"][1:4] == [1.0, 1, 1]
    rate_cell = next(r for r in book["总体态势"].iter_rows() if r[0].value == "办结率")[1]
    assert rate_cell.number_format == "0.0%"
    assert overall["来源渠道"][1] == "grid_app"
    areas = {row[1]: row for row in _sheet(book, "按区域")[1:]}
    assert areas["330103001"][2] == 2 and areas["330103002"][2] == 0
    assert _sheet(book, "接入指标")[1] == ["审批服务", "办件量", 12.5, "件"]
    # Scope: another area is refused, as on the page.
    client.force_login(w.worker)
    assert client.get("/dashboard/export.xlsx?area=330103").status_code == 403


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_values_areas_or_indicators(w, key, client):
    _indicator()
    _push(client, key, "banjian", [{"area": GRID_A, "day": _day(), "value": 1}])
    client.force_login(w.operator)
    urls = [f"{URL}?area=330103&period=month", "/dashboard/export.xlsx?area=330103&period=month"]
    few = [_count(client, u) for u in urls]
    _indicator("youke", module="tourism", over_time="last")
    grids = [GRID_A, GRID_B, GRID_C, "330103003001001", "330103004001001"]
    start = date.fromisoformat(_day()).replace(day=1)
    days = [(start + timedelta(days=n)).isoformat() for n in range(timezone.localdate().day)]
    for code in ("banjian", "youke"):
        values = [
            {"area": g, "day": d, "value": n}
            for n, (g, d) in enumerate((g, d) for g in grids for d in days)
        ]
        assert _push(client, key, code, values).status_code == 200
    assert [_count(client, u) for u in urls] == few


def test_indicators_are_defined_in_the_back_office(w, key, client):
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    fields = {"code": "youke", "name": "游客人次", "unit": "人次", "module": "tourism"}
    response = client.post(
        "/admin/stats/fedindicator/add/",
        {**fields, "over_time": "sum", "over_areas": "sum", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    refused = client.post(
        "/admin/stats/fedindicator/add/",
        {**fields, "code": "other", "over_time": "sum", "over_areas": "last"},
    )
    assert refused.status_code == 200 and not FedIndicator.objects.filter(code="other").exists()
    assert _push(client, key, "youke", [{"area": GRID_A, "day": _day(), "value": 8}]).json() == {
        "indicator": "youke",
        "stored": 1,
    }
