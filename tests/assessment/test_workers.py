"""Grid workers as targets: 有效上报率, 走访完成率, 五必到按时率, 巡查次数 and 核查按时率
against a hand-computed month, traceable to the events and tasks behind them, scoped."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from tests.people.factories import household_at
from wangge.events import workflow as wf
from wangge.events.models import Event, TimelineEntry
from wangge.fieldwork.models import AttendRule, AttendTask, Patrol, VisitRule, VisitTask
from wangge.regions import spatial_index
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Indicator, Scheme, SchemeItem

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def w(clock, settings):
    settings.WANGGE_ASSESS_VERIFY_HOURS = 24
    clock("2026-11-10T09:00+08:00")
    world = make_world()
    spatial_index.invalidate()  # another test's index may carry stale area ids
    grid = world.areas["330103001001001"]
    # 有效上报率 1 / 2: one report accepted, one not; a December report does not count.
    world.accepted = wf.event_accept(event=report(world), actor=world.operator)
    world.waiting = report(world)
    december = report(world)
    Event.objects.filter(pk=december.pk).update(reported_at=at("2026-12-01T08:00+08:00"))
    # 走访完成率 1 / 2.
    rule = VisitRule.objects.create(code="v", name="三必访", frequency="monthly")
    for n, done in enumerate([True, False]):
        VisitTask.objects.create(
            household=household_at(grid, f"HH-W{n}"),
            rule=rule,
            area=grid,
            period="2026-11",
            period_start=date(2026, 11, 1),
            due_on=date(2026, 11, 30),
            assignee=world.worker,
            status="done" if done else "open",
            done_at=at("2026-11-20T10:00+08:00") if done else None,
        )
    # 五必到按时率 1 / 2 (the cancelled task is not due).
    for n, (deadline, status, done_at) in enumerate(
        [
            ("2026-11-11T09:00+08:00", "done", "2026-11-10T15:00+08:00"),
            ("2026-11-12T09:00+08:00", "done", "2026-11-12T09:30+08:00"),
            ("2026-11-13T09:00+08:00", "cancelled", None),
        ]
    ):
        AttendTask.objects.create(
            event=world.accepted,
            rule=AttendRule.objects.create(code=f"a{n}", name=f"五必到{n}"),
            area=grid,
            assignee=world.worker,
            deadline=at(deadline),
            status=status,
            done_at=at(done_at) if done_at else None,
        )

    # 巡查次数 3 in November.
    def patrol(start: str) -> Patrol:  # one open round per worker: these are ended
        s = at(start)
        return Patrol.objects.create(
            worker=world.worker, area=grid, started_at=s, ended_at=s + timedelta(hours=1)
        )

    world.patrols = [patrol(f"2026-11-{d:02d}T08:00+08:00") for d in (3, 4, 30)]
    patrol("2026-12-01T00:00+08:00")
    # 核查按时率 1 / 2: within 24 h of the feedback, and 49 h after it.
    for event, hours in [(world.accepted, 1), (world.waiting, 49)]:
        fed = at("2026-11-10T09:00+08:00")
        TimelineEntry.objects.create(event=event, action="feedback", at=fed)
        TimelineEntry.objects.create(
            event=event, action="verify", actor=world.worker, at=fed + timedelta(hours=hours)
        )
    scheme = Scheme.objects.create(
        code="worker", name="网格员考核", target_type="worker", valid_from=date(2026, 11, 1)
    )
    for code in ("valid_report", "visit_done", "attend_on_time", "verify_on_time"):
        SchemeItem.objects.create(
            scheme=scheme, indicator=Indicator.objects.get(code=code), weight=20
        )
    SchemeItem.objects.create(
        scheme=scheme, indicator=Indicator.objects.get(code="patrols"), weight=20, target=4
    )
    return world


def test_worker_scores_by_hand(w):
    run = services.run_period("worker", "2026-11", now=at("2026-12-04T00:00+08:00"))
    mine = run.results.get(target_id=w.worker.pk)
    got = {
        i["code"]: (i["numerator"], i["denominator"], i["points"])
        for i in mine.detail["indicators"]
    }
    assert got == {
        "valid_report": (1, 2, "10.00"),
        "visit_done": (1, 2, "10.00"),
        "attend_on_time": (1, 2, "10.00"),
        "verify_on_time": (1, 2, "10.00"),
        "patrols": (3, None, "15.00"),  # 3 of the target 4
    }
    assert mine.score == Decimal("55.00") and mine.grade == "E"
    # The other worker did nothing: empty denominators lose nothing, no patrol loses 20.
    other = run.results.get(target_id=w.other_worker.pk)
    assert other.score == Decimal("80.00")
    for i in mine.detail["indicators"]:
        assert len(i["numerator_events"]) == i["numerator"]


def test_worker_drilldown_lists_the_events_and_tasks_and_holds_scope(w, client):
    run = services.run_period("worker", "2026-11", now=at("2026-12-04T00:00+08:00"))
    client.force_login(w.street_operator)
    body = client.get(f"/api/assessment/runs/{run.pk}/ranking").json()
    assert [r["target_id"] for r in body["items"]] == [w.worker.pk]
    url = f"/api/assessment/runs/{run.pk}/results/{{}}"
    assert client.get(url.format(w.other_worker.pk)).status_code == 404
    detail = client.get(url.format(w.worker.pk)).json()
    by = {i["code"]: i for i in detail["indicators"]}
    assert [c["code"] for c in by["valid_report"]["numerator_cases"]] == [w.accepted.code]
    assert [c["code"] for c in by["verify_on_time"]["numerator_cases"]] == [w.accepted.code]
    patrols = by["patrols"]["numerator_cases"]
    assert [c["url"] for c in patrols] == [f"/field/patrols/{p.pk}/" for p in w.patrols]
    page = client.get(f"/assessment/{run.pk}/{w.worker.pk}/").content.decode()
    assert f"/events/{w.accepted.code}/" in page and f"/field/patrols/{w.patrols[0].pk}/" in page


def test_worker_schemes_refuse_event_flags(w):
    from wangge.errors import DomainError

    scheme = Scheme.objects.get(code="worker")
    SchemeItem.objects.create(
        scheme=scheme, indicator=Indicator.objects.get(code="close"), weight=1
    )
    with pytest.raises(DomainError) as e:
        services.run_period("worker", "2026-11")
    assert "close.numerator" in str(e.value)


def test_publishing_tells_each_worker(w):
    from wangge.events.models import Notification

    run = services.run_period("worker", "2026-11", now=timezone.now())
    services.publish_run(run)
    note = Notification.objects.get(kind="assessment", user=w.worker)
    assert note.link == f"/assessment/{run.pk}/{w.worker.pk}/"
