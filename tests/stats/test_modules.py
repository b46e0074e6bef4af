"""The dashboard's modules 网格联动, 党建引领, 专项行动, 综合执法 against a hand-counted world;
the lag warning on the pages and in the back office."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.events.factories import make_world, report
from tests.factories import make_user, post
from tests.people.factories import household_at
from tests.stats.helpers import close_path, fill_now
from wangge.events import workflow as wf
from wangge.events.models import Category
from wangge.fieldwork import changes
from wangge.fieldwork.models import (
    AttendRule,
    AttendTask,
    Campaign,
    CampaignTarget,
    Patrol,
    VisitRule,
    VisitTask,
)
from wangge.people.models import PartyBranch, PartyMember, PartyReportIn
from wangge.regions import spatial_index
from wangge.stats.models import FillState

pytestmark = pytest.mark.django_db

GRID = "330103001001001"
OTHER_GRID = "330103002001001"


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    spatial_index.invalidate()  # households are placed by the tree of this test
    return make_world()


def _by_key(items):
    return {x["key"]: x for x in items}


def _fieldwork(w, grid_code: str, n: int) -> None:
    """n visits (one done, one overdue), a must-attend task done on time and one late, a
    patrol, a branch with two in-service members (one reported in twice), an open campaign
    with three targets (one done, one unreachable)."""
    today = timezone.localdate()
    grid = w.areas[grid_code]
    micro = grid.children.order_by("code").first()
    rule = VisitRule.objects.order_by("pk").first()
    for i in range(n):
        household = household_at(micro, f"{grid_code}-{i}")
        VisitTask.objects.create(
            household=household,
            rule=rule,
            area=micro,
            period=f"p{i}",
            period_start=today.replace(day=1),
            due_on=today if i else today - timedelta(days=1),
            status=VisitTask.Status.DONE if i == 1 else VisitTask.Status.OPEN,
        )
    now = timezone.now()
    attend_rule = AttendRule.objects.order_by("pk").first()
    for late in (False, True):
        event = report(w)
        AttendTask.objects.create(
            event=event,
            rule=attend_rule,
            area=micro,
            deadline=now + timedelta(hours=1),
            status=AttendTask.Status.DONE,
            done_at=now + timedelta(hours=2 if late else 0),
        )
    patrol = Patrol.objects.create(worker=w.worker, area=grid, started_at=now, ended_at=now)
    # What the write paths log for the worker (these rows are made directly).
    changes.visit_tasks(VisitTask.objects.filter(area=micro))
    changes.attend_tasks(AttendTask.objects.filter(area=micro))
    changes.patrol(patrol)
    branch = PartyBranch.objects.create(name=f"{grid_code}支部", area=grid)
    busy = PartyMember.objects.create(name="甲", branch=branch, report_area=grid)
    PartyMember.objects.create(name="乙", branch=branch, report_area=grid)
    for _ in range(2):
        PartyReportIn.objects.create(member=busy, area=grid, reported_on=today)
    campaign = Campaign.objects.filter(title="排查").first() or Campaign.objects.create(
        title="排查",
        starts_on=today,
        ends_on=today + timedelta(days=9),
        status=Campaign.Status.OPEN,
    )
    for status in ("done", "unreachable", "pending"):
        CampaignTarget.objects.create(campaign=campaign, area=micro, status=status)
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)  # as the write paths do


def test_modules_count_the_areas_fieldwork_party_campaigns_and_law_enforcement(w, client):
    post(make_user("leader_a"), w.areas[GRID], role="grid_leader")  # GRID: 1+1 complete
    _fieldwork(w, GRID, 3)
    _fieldwork(w, OTHER_GRID, 2)  # another street: never counted at the first street
    law = report(w, channel="law_enforcement")
    law = wf.event_accept(event=law, actor=w.operator)
    wf.event_dispatch(event=law, actor=w.operator, lead=w.city, assists=[w.market])
    close_path(w, report(w))
    fill_now()
    client.force_login(w.operator)
    data = client.get("/api/stats/modules?area=330103001&period=month").json()
    grid = _by_key(data["grid"])
    assert grid["visits_due"]["value"] == 3
    assert grid["visits_done"]["text"] == "1 / 3 = 33.3%"
    assert grid["visits_overdue"]["value"] == 1
    assert grid["patrols"]["value"] == 1
    assert grid["attend_on_time"]["text"] == "1 / 2 = 50.0%"
    grids = grid["grids"]["value"]
    assert grids >= 1 and grid["staffed"]["numerator"] == 1
    assert grid["staffing_gaps"]["value"] == grids - 1
    assert "/field/visits/figures/" in grid["visits_due"]["url"]
    party = _by_key(data["party"])
    assert party["branches"]["value"] == 1
    assert party["members"]["value"] == 2
    assert party["report_ins"]["value"] == 2
    assert party["below_two"]["value"] == 1
    [campaign] = data["campaigns"]
    assert campaign["coverage"]["text"] == "1 / 3 = 33.3%"
    assert campaign["missing"] == 1 and campaign["unreachable"] == 1
    law_figures = _by_key(data["enforcement"])
    assert law_figures["law_reported"]["value"] == 1
    assert law_figures["joint"]["value"] == 1
    # The joint dispatches' link lists exactly the jointly dispatched event.
    listed = client.get(law_figures["joint"]["url"]).content.decode()
    assert law.code in listed and listed.count("/events/E") <= listed.count(law.code) + 2
    # The whole district counts both streets' fieldwork.
    district = client.get("/api/stats/modules?area=330103&period=month").json()
    assert _by_key(district["grid"])["visits_due"]["value"] == 5
    assert _by_key(district["party"])["members"]["value"] == 4
    # The page shows the modules.
    page = client.get("/dashboard/?area=330103001&period=month").content.decode()
    for section in ('id="grid"', 'id="party"', 'id="campaigns"', 'id="enforcement"'):
        assert section in page
    assert "1 / 3 = 33.3%" in page
    # The xlsx export has the modules, numbers as numbers.
    response = client.get("/dashboard/export.xlsx?area=330103001&period=month")
    book = load_workbook(io.BytesIO(response.content))
    rows = {r[1]: r for r in book["网格与党建"].iter_rows(values_only=True) if r and r[1]}
    assert rows["走访覆盖"][2:] == (pytest.approx(1 / 3, abs=1e-4), 1, 3)
    assert rows["党员"][2] == 2
    [campaign_row] = list(book["专项行动"].iter_rows(values_only=True))[1:]
    assert campaign_row[0] == "排查" and campaign_row[3:] == (1, 3, 1)


def test_a_grid_worker_sees_only_their_grids_fieldwork(w, client):
    _fieldwork(w, GRID, 1)
    _fieldwork(w, OTHER_GRID, 2)
    fill_now()
    client.force_login(w.worker)
    data = client.get("/api/stats/modules?period=month").json()
    assert _by_key(data["grid"])["visits_due"]["value"] == 1
    assert _by_key(data["party"])["members"]["value"] == 2
    assert client.get("/api/stats/modules?area=330103002&period=month").status_code == 403


def test_module_query_counts_do_not_grow_with_rows(w, client):
    client.force_login(w.operator)
    fill_now()

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/stats/modules?area=330103&period=month").status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    _fieldwork(w, GRID, 4)
    _fieldwork(w, OTHER_GRID, 3)
    Category.objects.get(code="0102")  # (nothing else needed)
    fill_now()
    assert queries() == small
    data = client.get("/api/stats/modules?area=330103&period=month").json()
    grid = _by_key(data["grid"])
    assert grid["patrols"]["value"] == 2  # the fill brought the new rows in
    assert grid["attend_on_time"]["text"] == "2 / 4 = 50.0%"
    assert _by_key(data["party"])["report_ins"]["value"] == 4
    [campaign] = data["campaigns"]
    assert campaign["coverage"]["text"] == "2 / 6 = 33.3%"
    # Ten times the report-ins and targets: still the same queries.
    for code in (GRID, OTHER_GRID):
        _more_report_ins_and_targets(w, code, 10)
    fill_now()
    assert queries() == small
    data = client.get("/api/stats/modules?area=330103&period=month").json()
    assert _by_key(data["party"])["report_ins"]["value"] == 4 + 20
    [campaign] = data["campaigns"]
    assert campaign["coverage"]["text"] == "2 / 26 = 7.7%"
    assert campaign["missing"] == 2 + 20 and campaign["unreachable"] == 2


def _more_report_ins_and_targets(w, grid_code: str, n: int) -> None:
    grid = w.areas[grid_code]
    micro = grid.children.order_by("code").first()
    member = PartyMember.objects.filter(branch__area=grid, name="乙").get()
    today = timezone.localdate()
    for i in range(n):  # report-ins need no log: the worker reads them by id
        on = max(today.replace(month=1, day=1), today - timedelta(days=40 * i))  # this year
        PartyReportIn.objects.create(member=member, area=grid, reported_on=on)
    campaign = Campaign.objects.get(title="排查")
    CampaignTarget.objects.bulk_create(
        [CampaignTarget(campaign=campaign, area=micro) for _ in range(n)]
    )
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)


def test_pages_and_back_office_warn_when_the_figures_lag(w, client, settings):
    report(w)
    fill_now()
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    page = client.get("/dashboard/?period=today").content.decode()
    assert "lag-warning" not in page
    FillState.objects.update(asof=timezone.now() - timedelta(minutes=25))
    page = client.get("/dashboard/?period=today").content.decode()
    assert "lag-warning" in page and "25" in page
    assert "lag-warning" in client.get("/dashboard/screen/?period=today").content.decode()
    home = client.get("/admin/").content.decode()
    assert "25" in home and "wangge worker" in home
    fill_now()
    assert "lag-warning" not in client.get("/dashboard/?period=today").content.decode()
    assert "wangge worker" not in client.get("/admin/").content.decode()
