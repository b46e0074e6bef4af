"""The fieldwork rollups against a hand-counted world: visit tasks over ranges of days (and
the day turning makes a task overdue without any write), must-attend tasks made, attended
and cancelled in bulk, patrols, a rule's open tasks deleted, party report-ins (and a member
deleted with them), a campaign's coverage as it opens, is worked and refreshed; the log's
rows (one INSERT per write), the lag, and one query per read."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.fieldwork import attend_world
from tests.fieldwork.visits_factories import household, make_world
from tests.stats.fieldwork_oracle import scanned_coverage
from wangge.accounts.actors import SYSTEM
from wangge.events import workflow
from wangge.fieldwork import changes
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import (
    AttendTask,
    CampaignTarget,
    FieldworkChange,
    VisitRule,
    VisitTask,
)
from wangge.fieldwork.patrols import services as patrols
from wangge.fieldwork.visits import services as visits
from wangge.people.models import Household
from wangge.people.party import services as party
from wangge.stats import fieldwork_rollups, fill

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 10, 15, 10, 46, tzinfo=SHANGHAI)
D = dt.date


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def no_lag(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0


def _task(rule, area, start, due, status="open"):
    task = VisitTask.objects.create(
        household=household(area),
        rule=rule,
        area=area,
        period=f"{start}",
        period_start=start,
        due_on=due,
        status=status,
    )
    changes.visit_tasks([task])  # as a write path does
    return task


def _visits(area, start, end):
    got = fieldwork_rollups.figures(area, start, end)
    return got["visits_due"], got["visits_done"], got["visits_overdue"]


def test_hand_counted_world(clock, no_lag):
    w = make_world()
    district, grid_a = w.areas["330103"], w.areas["330103001001001"]
    rule = VisitRule.objects.order_by("pk").first()
    fill.fill()  # the first fill: a rebuild of nothing
    _task(rule, w.micro_a1, D(2026, 10, 1), D(2026, 10, 31))  # T1: open
    _task(rule, w.micro_a1, D(2026, 10, 1), D(2026, 10, 7))  # T2: open, overdue
    _task(rule, w.micro_a2, D(2026, 10, 8), D(2026, 10, 14), "done")  # T3
    _task(rule, w.micro_b1, D(2026, 10, 12), D(2026, 10, 18))  # T4: open, due Sunday
    assert fill.fill().fieldwork == 4 * 2  # two days of each task
    assert _visits(district, D(2026, 10, 15), D(2026, 10, 15)) == (2, 0, 0)  # T1, T4
    assert _visits(district, D(2026, 10, 1), D(2026, 10, 31)) == (4, 1, 1)
    assert _visits(district, D(2026, 9, 1), D(2026, 12, 31)) == (4, 1, 1)  # months and days
    assert _visits(grid_a, D(2026, 9, 25), D(2026, 10, 5)) == (2, 0, 1)  # T1, T2
    assert _visits(w.micro_b1, D(2026, 10, 1), D(2026, 10, 31)) == (1, 0, 0)
    assert _visits(district, D(2026, 11, 1), D(2026, 11, 30)) == (0, 0, 0)

    # The days turn: T4 falls due with no write at all; the fill's day moves it.
    clock.move_to(dt.datetime(2026, 10, 19, 8, 0, tzinfo=SHANGHAI))
    assert fill.fill().fieldwork == 0
    assert _visits(district, D(2026, 10, 1), D(2026, 10, 31)) == (4, 1, 2)

    # Must attend: two events, one cancelled (the sync cancels in one update), one attended
    # at once (on time); a patrol.
    kept = attend_world.report(w)
    dropped = attend_world.report(w, area=w.micro_b1, actor=w.worker_b)
    assert attend.sync().created == 2
    workflow.event_cancel(event=dropped, actor=w.admin, reason="误报")
    assert attend.sync().cancelled == 1
    attend.attend_record(actor=w.worker_a, task=AttendTask.objects.get(event=kept), note="到场")
    patrols.patrol_start(actor=w.worker_a)
    fill.fill()
    today = fieldwork_rollups.figures(district, D(2026, 10, 19), D(2026, 10, 19))
    assert (today["attend_due"], today["attend_on_time"], today["patrols"]) == (1, 1, 1)
    b1 = fieldwork_rollups.figures(w.micro_b1, D(2026, 10, 19), D(2026, 10, 19))
    assert (b1["attend_due"], b1["patrols"]) == (0, 0)  # cancelled; the patrol is grid A's
    assert fieldwork_rollups.figures(grid_a, D(2026, 10, 1), D(2026, 10, 18))["patrols"] == 0

    # The rule's open tasks are deleted in bulk: one INSERT logs their buckets.
    with CaptureQueriesContext(connection) as ctx:
        visits.rule_delete(actor=w.admin, rule=rule)
    logged = [q["sql"] for q in ctx.captured_queries if "fieldworkchange" in q["sql"].lower()]
    assert len(logged) == 1 and logged[0].upper().startswith("INSERT")
    fill.fill()
    assert _visits(district, D(2026, 10, 1), D(2026, 10, 31)) == (1, 1, 0)  # T3 is left


def test_entries_younger_than_the_lag_wait_for_the_next_fill(clock, settings):
    settings.WANGGE_STATS_LAG_SECONDS = 60
    w = make_world()
    fill.fill()
    patrols.patrol_start(actor=w.worker_a)
    day = timezone.localdate()
    grid = w.areas["330103001001001"]
    assert fill.fill().fieldwork == 0  # written just now: a transaction may still commit
    assert fieldwork_rollups.figures(grid, day, day)["patrols"] == 0
    clock.shift(dt.timedelta(seconds=61))
    assert fill.fill().fieldwork == 1
    assert fieldwork_rollups.figures(grid, day, day)["patrols"] == 1
    assert FieldworkChange.objects.get().kind == "patrol"
    assert fieldwork_rollups.waiting() == 0
    clock.shift(dt.timedelta(days=8))  # read rows are dropped after a week
    fill.fill()
    assert not FieldworkChange.objects.exists()
    assert fieldwork_rollups.figures(grid, day, day)["patrols"] == 1


def test_a_fill_redone_after_a_crash_counts_nothing_twice(clock, no_lag):
    w = make_world()
    fill.fill()
    patrols.patrol_start(actor=w.worker_a)
    fill.fill()
    # The slot is redone (a crash before the position moved): buckets are recomputed.
    from wangge.stats.models import FillState

    FillState.objects.filter(name=fieldwork_rollups.STATE).update(position=0)
    fill.fill()
    day = timezone.localdate()
    assert fieldwork_rollups.figures(w.areas["330103"], day, day)["patrols"] == 1


def test_reading_is_one_query_whatever_the_data(clock, no_lag):
    w = make_world()
    rule = VisitRule.objects.order_by("pk").first()
    district = w.areas["330103"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            fieldwork_rollups.figures(district, D(2026, 9, 1), D(2026, 10, 31))
        return len(ctx.captured_queries)

    fill.fill()
    small = queries()
    for i in range(12):
        _task(rule, w.micro_a1, D(2026, 10, 1 + i), D(2026, 10, 20 + i))
    fill.fill()
    assert queries() == small == 1


FORM = [{"name": "count", "label": "在住人数", "type": "number", "required": True, "min": 0}]


def test_report_ins_and_campaign_coverage_hand_counted(clock, no_lag):
    w = make_world()
    district = w.areas["330103"]
    grid_a, grid_b = w.areas["330103001001001"], w.areas["330103002001001"]
    fill.fill()
    branch = party.party_branch_create(actor=SYSTEM, name="一支部", area=grid_a)
    one = party.party_member_add(actor=SYSTEM, branch=branch, name="甲", report_area=grid_a)
    two = party.party_member_add(actor=SYSTEM, branch=branch, name="乙", report_area=grid_b)
    for member, on in ((one, D(2026, 10, 15)), (one, D(2026, 9, 3)), (two, D(2026, 10, 14))):
        party.report_in_record(actor=SYSTEM, member=member, activity="巡逻", on=on)
    party.report_in_record(actor=SYSTEM, member=two, activity="宣传", on=D(2025, 12, 31))

    def report_ins(area, start, end):
        return fieldwork_rollups.figures(area, start, end)["report_ins"]

    assert fill.fill().fieldwork == 0  # report-ins are read from their table, not the log
    assert report_ins(district, D(2026, 1, 1), D(2026, 10, 15)) == 3  # this year
    assert report_ins(grid_a, D(2026, 1, 1), D(2026, 10, 15)) == 2
    assert report_ins(grid_b, D(2026, 10, 1), D(2026, 10, 14)) == 1
    assert report_ins(district, D(2025, 12, 31), D(2026, 9, 3)) == 2  # across months, years
    assert report_ins(district, D(2026, 9, 4), D(2026, 10, 13)) == 0
    # A member deleted takes their report-ins (a cascade): the receiver logs both buckets.
    one.delete()
    assert fill.fill().fieldwork == 2
    assert report_ins(district, D(2026, 1, 1), D(2026, 10, 15)) == 1

    # Coverage: three households, a campaign over the district opened, one answered, one not
    # reachable, one household dissolved and the campaign refreshed (its target leaves).
    homes = [household(w.micro_a1), household(w.micro_a1), household(w.micro_b1)]
    campaign = campaigns.campaign_define(
        actor=SYSTEM,
        title="排查",
        starts_on=D(2026, 10, 10),
        ends_on=D(2026, 10, 30),
        area_codes=["330103"],
        fields=FORM,
    )
    assert fill.fill().fieldwork == 0 and fieldwork_rollups.coverage(district) == {}
    campaigns.campaign_open(actor=SYSTEM, campaign=campaign)
    fill.fill()
    assert fieldwork_rollups.coverage(district) == {campaign.pk: [3, 0, 0]}
    targets = {t.household_id: t for t in CampaignTarget.objects.filter(campaign=campaign)}
    campaigns.target_answer(actor=SYSTEM, target=targets[homes[0].pk], answers={"count": 2})
    campaigns.target_unreachable(actor=SYSTEM, target=targets[homes[2].pk], reason="无人")
    fill.fill()
    assert fieldwork_rollups.coverage(district) == {campaign.pk: [3, 1, 1]}
    assert fieldwork_rollups.coverage(grid_a) == {campaign.pk: [2, 1, 0]}
    assert fieldwork_rollups.coverage(w.micro_b1) == {campaign.pk: [1, 0, 1]}
    Household.objects.filter(pk=homes[1].pk).update(dissolved_on=D(2026, 10, 15))
    campaigns.campaign_refresh(actor=SYSTEM, campaign=campaign)
    fill.fill()
    assert fieldwork_rollups.coverage(district) == {campaign.pk: [2, 1, 1]}
    assert fieldwork_rollups.coverage(w.micro_a1) == {campaign.pk: [1, 1, 0]}
    assert fieldwork_rollups.coverage(w.micro_a2) == {}
    for area in (district, grid_a, grid_b, w.micro_a1, w.micro_b1):
        assert fieldwork_rollups.coverage(area) == scanned_coverage(area), area.code
    fill.rebuild()
    assert fieldwork_rollups.coverage(district) == {campaign.pk: [2, 1, 1]}


def test_report_ins_younger_than_the_lag_wait_for_the_next_fill(clock, settings):
    settings.WANGGE_STATS_LAG_SECONDS = 60
    w = make_world()
    grid = w.areas["330103001001001"]
    fill.fill()
    branch = party.party_branch_create(actor=SYSTEM, name="一支部", area=grid)
    member = party.party_member_add(actor=SYSTEM, branch=branch, name="甲", report_area=grid)
    party.report_in_record(actor=SYSTEM, member=member, activity="巡逻")
    day = timezone.localdate()
    fill.fill()
    assert fieldwork_rollups.figures(grid, day, day)["report_ins"] == 0
    assert fieldwork_rollups.waiting() == 1
    clock.shift(dt.timedelta(seconds=61))
    fill.fill()
    assert fieldwork_rollups.figures(grid, day, day)["report_ins"] == 1
    assert fieldwork_rollups.waiting() == 0
