"""The dashboard's 党建引领 and 网格联动 modules, fed by the grid activities (notices): figures
over the area and period, scoped like the rest of the dashboard, in the xlsx export, and in
a number of queries that does not grow with the activities."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.events.factories import make_world
from wangge.accounts.models import Post
from wangge.notices import activities
from wangge.people.models import PartyBranch, PartyMember

pytestmark = pytest.mark.django_db

GRID_A = "330103001001001"  # the worker's grid
GRID_B = "330103001002001"  # same street, another community
GRID_C = "330103002001001"  # the other street


@pytest.fixture
def w(clock):
    clock("2026-11-20T10:00+08:00")
    world = make_world()
    Post.objects.update(started_on=date(2020, 1, 1))
    activities.install_kinds()
    return world


def _record(w, code: str, reached: int, members=(), day=date(2026, 11, 18)):
    return activities.activity_record(
        actor=w.admin,
        kind_code="xuanjiang",
        title="政策宣讲",
        held_on=day,
        area=w.areas[code],
        people_reached=reached,
        participants=reached // 2,
        party_member_ids=[m.pk for m in members],
    )


def _module(page: str, key: str) -> dict[str, str]:
    section = page.split(f'id="module-{key}"')[1].split("</section>")[0]
    cells = [c.split("</td>")[0] for c in section.split("<td")[1:]]
    cells = [c.split(">", 1)[1] for c in cells]
    return {cells[i]: cells[i + 1] for i in range(0, len(cells), 3)}


def test_the_modules_count_the_activities_of_the_area_and_period(w, client):
    branch = PartyBranch.objects.create(name="支部", area=w.areas[GRID_A])
    member = PartyMember.objects.create(name="张三", branch=branch, report_area=w.areas[GRID_A])
    _record(w, GRID_A, 100, [member])
    _record(w, GRID_A, 20)
    _record(w, GRID_B, 30, [member])
    _record(w, GRID_C, 7)
    _record(w, GRID_A, 999, day=date(2026, 10, 1))  # last month
    client.force_login(w.operator)
    page = client.get("/dashboard/?period=month").content.decode()
    linkage, party = _module(page, "linkage"), _module(page, "party")
    assert linkage == {"活动场次": "4", "覆盖网格": "3", "服务人次": "157", "参与人数": "78"}
    assert party == {"党员参与的活动": "2", "参与党员": "1", "党员到网格报到": "2"}
    # the worker sees his grid only
    client.force_login(w.worker)
    mine = _module(client.get("/dashboard/?period=month").content.decode(), "linkage")
    assert mine["活动场次"] == "2" and mine["服务人次"] == "120"
    # the API gives the same, scoped: another street is refused as on the page
    api = client.get(f"/api/stats/activities?area={GRID_A}&period=month").json()["modules"]
    assert {i["code"]: i["value"] for i in api[1]["items"]}["people_reached"] == 120
    assert client.get("/api/stats/activities?area=330103&period=month").status_code == 403
    # the export carries the same figures as numbers
    client.force_login(w.operator)
    book = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?period=month").content))
    rows = [list(r) for r in book["网格活动"].iter_rows(values_only=True)][1:]
    assert ["网格联动", "服务人次", 157, "人次"] in rows
    assert ["党建引领", "党员参与的活动", 2, "次"] in rows


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_activities(w, client):
    client.force_login(w.operator)
    _record(w, GRID_A, 1)
    few = _count(client, "/dashboard/?period=month")
    for code in (GRID_A, GRID_B, GRID_C, GRID_B):
        _record(w, code, 5)
    assert _count(client, "/dashboard/?period=month") == few
