"""Fieldwork figures kept by the worker from the change log: after any sequence of
fieldwork writes — generation (new, dropped and moved tasks), visits, a rule's open tasks
deleted, must-attend tasks made, attended and cancelled in bulk, patrols, inspections, party
report-ins recorded and deleted with their member, campaigns opened, worked, refreshed after
households moved and closed, the days turning — and fills, filling once more gives exactly
what a full rebuild gives, and the figures equal the ones counted from the tables
(hypothesis)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.factories import shared_world
from tests.fieldwork import attend_world
from tests.fieldwork.visits_factories import full_answers, household, make_world, member, tag
from tests.people.factories import centre
from tests.stats.fieldwork_oracle import scanned, scanned_coverage
from wangge.accounts.actors import SYSTEM
from wangge.errors import DomainError
from wangge.events import workflow
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import (
    AttendTask,
    Campaign,
    CampaignTarget,
    Patrol,
    VisitRule,
    VisitTask,
)
from wangge.fieldwork.patrols import services as patrols
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits
from wangge.people.models import Household, PartyMember
from wangge.people.party import services as party
from wangge.people.places import services as places
from wangge.people.residents import services as residents
from wangge.stats import fieldwork_rollups, fill
from wangge.stats.fieldwork_models import (
    COVERAGE_COUNTS,
    FIELDWORK_COUNTS,
    CampaignAreaCount,
    CampaignCoverage,
    FieldworkDay,
    FieldworkRollup,
)
from wangge.stats.models import FillState

pytestmark = pytest.mark.django_db

FORM = [{"name": "count", "label": "在住人数", "type": "number", "required": True, "min": 0}]

START = dt.datetime(2026, 10, 15, 10, 46, tzinfo=ZoneInfo("Asia/Shanghai"))

STEP = st.one_of(
    st.tuples(st.just("generate"), st.just(0)),
    st.tuples(st.just("household"), st.integers(0, 2)),
    st.tuples(st.just("move"), st.integers(0, 5)),
    st.tuples(st.just("visit"), st.integers(0, 9)),
    st.tuples(st.just("rule_off"), st.integers(0, 3)),
    st.tuples(st.just("report"), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("attend"), st.integers(0, 5)),
    st.tuples(st.just("patrol"), st.integers(0, 1)),
    st.tuples(st.just("inspect"), st.integers(0, 1)),
    st.tuples(st.just("report_in"), st.integers(0, 8)),  # a member, a day back
    st.tuples(st.just("member_off"), st.integers(0, 2)),  # deleted with their report-ins
    st.tuples(st.just("open"), st.integers(0, 2)),  # a campaign over an area
    st.tuples(st.just("answer"), st.integers(0, 9)),
    st.tuples(st.just("unreachable"), st.integers(0, 9)),
    st.tuples(st.just("refresh"), st.integers(0, 2)),
    st.tuples(st.just("close"), st.integers(0, 2)),
    st.tuples(st.just("fill"), st.just(0)),
    st.tuples(st.just("later"), st.integers(1, 60)),  # hours on: tasks fall due, days turn
)


def tables() -> list[list[tuple[Any, ...]]]:
    days = sorted(FieldworkDay.objects.values_list("area_id", "day", *FIELDWORK_COUNTS))
    rows = sorted(
        FieldworkRollup.objects.values_list("period", "level", "area_id", "day", *FIELDWORK_COUNTS)
    )
    own = sorted(CampaignAreaCount.objects.values_list("campaign_id", "area_id", *COVERAGE_COUNTS))
    cover = sorted(
        CampaignCoverage.objects.values_list("campaign_id", "level", "area_id", *COVERAGE_COUNTS)
    )
    return [days, rows, own, cover]


class Place:
    """The world, and what the steps pick from."""

    def __init__(self) -> None:
        self.w = make_world()
        self.micros = [self.w.micro_a1, self.w.micro_a2, self.w.micro_b1]
        self.hazards = [
            places.hazard_save(
                actor=SYSTEM, name=f"河道{i}", kind="waterway", lon=lon, lat=lat, check_cycle_days=7
            )
            for i, (lon, lat) in enumerate(centre(m) for m in (self.w.micro_a1, self.w.micro_b1))
        ]
        self.events: list[Any] = []
        for micro in self.micros:
            self.add_household(micro)
        self.grids = [self.w.areas["330103001001001"], self.w.areas["330103002001001"]]
        branch = party.party_branch_create(actor=SYSTEM, name="一支部", area=self.grids[0])
        self.members = [
            party.party_member_add(
                actor=SYSTEM, branch=branch, name=f"党员{i}", report_area=self.grids[i % 2]
            )
            for i in range(3)
        ]
        # Campaign scopes: the district, grid A, grid B.
        self.scopes = ["330103", self.grids[0].code, self.grids[1].code]

    def add_household(self, micro: Any) -> None:
        tag(member(household(micro)), "living_alone")

    def worker(self, area: Any) -> Any:
        return (
            self.w.worker_b
            if area.path.startswith(self.w.micro_b1.path[:-4])
            else (self.w.worker_a)
        )


def _act(p: Place, kind: str, i: int) -> None:
    w, now = p.w, timezone.now()
    if kind == "generate":
        schedule.generate()
    elif kind == "household":
        p.add_household(p.micros[i])
    elif kind == "move":
        moving = list(Household.objects.filter(dissolved_on__isnull=True).order_by("pk"))
        hh = moving[i % len(moving)]
        to = (
            p.micros[(p.micros.index(hh.area) + 1) % len(p.micros)]
            if hh.area in p.micros
            else (p.micros[0])
        )
        lon, lat = centre(to)
        code = f"M{hh.pk}-{i}-{now:%H%M%S}"
        building = places.building_save(
            actor=SYSTEM, code=f"B-{code}", name=code, address=f"{code}路", lon=lon, lat=lat
        )
        house = places.house_save(
            actor=SYSTEM, code=f"H-{code}", building=building, unit="1", number="1"
        )
        residents.household_move(actor=SYSTEM, household=hh, house=house)
    elif kind == "visit":
        open_ = list(VisitTask.objects.filter(status="open").order_by("pk"))
        if open_:
            task = open_[i % len(open_)]
            visits.visit_record(
                actor=p.worker(task.area), task=task, answers=full_answers(), visited_at=now
            )
    elif kind == "rule_off":
        rules = list(VisitRule.objects.filter(active=True, tasks__isnull=False).distinct())
        if rules:
            visits.rule_delete(actor=w.admin, rule=rules[i % len(rules)])  # its open tasks deleted
    elif kind == "report":
        area = p.micros[i]
        p.events.append(attend_world.report(w, area=area, actor=p.worker(area)))
        attend.sync(now=now)
    elif kind == "cancel":
        if p.events:
            event = p.events[i % len(p.events)]
            event.refresh_from_db()
            workflow.event_cancel(event=event, actor=w.admin, reason="误报")
            attend.sync(now=now)  # the open tasks of cancelled events: one bulk update
    elif kind == "attend":
        open_t = list(AttendTask.objects.filter(status="open").order_by("pk"))
        if open_t:
            task = open_t[i % len(open_t)]
            attend.attend_record(actor=p.worker(task.area), task=task, note="到场")
    elif kind == "patrol":
        actor = [w.worker_a, w.worker_b][i]
        for running in Patrol.objects.filter(worker=actor, ended_at__isnull=True):
            patrols.patrol_end(actor=actor, patrol=running)
        patrols.patrol_start(actor=actor)
    elif kind == "inspect":
        patrols.inspection_record(
            actor=[w.worker_a, w.worker_b][i], target=p.hazards[i], result="normal"
        )
    elif kind == "report_in":
        members = list(PartyMember.objects.filter(pk__in=[m.pk for m in p.members]))
        if members:
            member = members[i % len(members)]
            day = timezone.localdate() - dt.timedelta(days=[0, 1, 20, 40][i // 3 % 4] + i)
            party.report_in_record(actor=SYSTEM, member=member, activity="巡逻", on=day)
    elif kind == "member_off":
        PartyMember.objects.filter(pk=p.members[i].pk).delete()  # its report-ins cascade
    elif kind == "open":
        today = timezone.localdate()
        campaign = campaigns.campaign_define(
            actor=SYSTEM,
            title=f"排查{i}",
            starts_on=today,
            ends_on=today + dt.timedelta(days=9),
            area_codes=[p.scopes[i]],
            fields=FORM,
        )
        campaigns.campaign_open(actor=SYSTEM, campaign=campaign)
    elif kind in ("answer", "unreachable"):
        pending = list(
            CampaignTarget.objects.filter(
                campaign__status=Campaign.Status.OPEN, left_at__isnull=True
            ).order_by("pk")
        )
        if pending:
            target = pending[i % len(pending)]
            if kind == "answer":
                campaigns.target_answer(actor=SYSTEM, target=target, answers={"count": i})
            else:
                campaigns.target_unreachable(actor=SYSTEM, target=target, reason="无人")
    elif kind in ("refresh", "close"):
        opened = list(Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("pk"))
        if opened:
            campaign = opened[i % len(opened)]
            if kind == "refresh":
                campaigns.campaign_refresh(actor=SYSTEM, campaign=campaign)
            else:
                campaigns.campaign_close(actor=SYSTEM, campaign=campaign)


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    # shared_world reseeds what a transactional test before may have flushed (tag kinds …).
    with shared_world(django_db_blocker), time_machine.travel(START, tick=False):
        yield Place()


@pytest.fixture
def no_lag(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    return settings


def _periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    return [
        (today, today),
        (today - dt.timedelta(days=6), today),
        (today.replace(day=1), today),
        (START.date() - dt.timedelta(days=3), START.date() + dt.timedelta(days=1)),
        (dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
        (today.replace(month=1, day=1), today),  # this year (the report-ins)
        (dt.date(2026, 8, 31), today - dt.timedelta(days=1)),
    ]


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: slow worlds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=4, max_size=14))
@example(  # every report-in and campaign path at least once, a target moving between areas
    steps=[
        ("report_in", 0),
        ("report_in", 4),
        ("open", 0),
        ("fill", 0),
        ("answer", 1),
        ("unreachable", 2),
        ("move", 0),
        ("refresh", 0),
        ("report_in", 7),
        ("member_off", 0),
        ("fill", 0),
        ("later", 30),
        ("answer", 3),
        ("close", 0),
        ("open", 2),
        ("household", 2),
        ("refresh", 0),
    ]
)
def test_fill_equals_rebuild_and_the_scanned_figures(place, no_lag, steps):
    with time_machine.travel(START, tick=False) as clock, transaction.atomic():
        FillState.objects.all().delete()
        place.events.clear()  # (the previous example's were rolled back)
        schedule.generate()
        fill.fill(now=timezone.now())
        for kind, arg in steps:
            if kind == "fill":
                fill.fill(now=timezone.now())
            elif kind == "later":
                clock.shift(dt.timedelta(hours=arg))
            else:
                try:
                    with transaction.atomic():
                        _act(place, kind, arg)
                except DomainError:
                    pass
        fill.fill(now=timezone.now())
        incremental = tables()
        today = timezone.localdate()
        areas = [*place.micros, *(a for a in place.w.areas.values() if a.level <= 4)]
        for area in areas:
            for date_from, date_to in _periods(today):
                got = fieldwork_rollups.figures(area, date_from, date_to)
                assert got == scanned(area, date_from, date_to, today), (area.code, date_from)
            assert fieldwork_rollups.coverage(area) == scanned_coverage(area), area.code
        fill.rebuild(now=timezone.now())
        assert tables() == incremental
        transaction.set_rollback(True)
