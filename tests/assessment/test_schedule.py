"""The worker's schedule of runs: a period's runs once it closed and the wait for late
call-backs is over, once per period, caught up after the worker was down; publishing tells
the assessed in their inbox."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from tests.assessment.helpers import fact, street_scheme
from tests.events.factories import make_world
from wangge.events.models import Notification
from wangge.stats.assessment import services, tasks
from wangge.stats.assessment.models import Run, RunStatus

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def w(settings):
    settings.WANGGE_ASSESS_WAIT_HOURS = 72
    settings.WANGGE_ASSESS_PERIODS = ["month"]
    world = make_world()
    fact(world.areas["330103001"], date(2026, 11, 30), accepted=True, closed=True)
    street_scheme()
    return world


def test_runs_wait_for_the_late_call_backs_then_fire_once(w):
    # 3 days after November's close (local midnight of 1 December) less a minute: not yet.
    assert services.run_due(now=at("2026-12-03T23:59+08:00")) == []
    made = services.run_due(now=at("2026-12-04T00:00:30+08:00"))
    assert [(r.scheme.code, r.period, r.status) for r in made] == [
        ("street", "2026-11", RunStatus.DRAFT)
    ]
    assert services.run_due(now=at("2026-12-04T00:01:30+08:00")) == []
    assert services.run_due(now=at("2026-12-20T09:00+08:00")) == []
    assert Run.objects.filter(period="2026-11").count() == 1


def test_a_worker_down_over_the_period_end_catches_up(w):
    made = services.run_due(now=at("2026-12-19T08:00+08:00"))
    assert [r.period for r in made] == ["2026-11"]
    assert (
        made[0].results.get(target_id=w.areas["330103001"].id).detail["indicators"][0]["numerator"]
        == 1
    )


def test_the_wait_and_the_kinds_of_period_are_settings(w, settings):
    settings.WANGGE_ASSESS_WAIT_HOURS = 0
    settings.WANGGE_ASSESS_PERIODS = ["month", "quarter", "year"]
    assert services.due_periods(at("2027-01-01T00:00:10+08:00")) == ["2026-12", "2026-Q4", "2026"]
    assert services.due_periods(at("2026-12-31T23:59:59+08:00")) == ["2026-11", "2026-Q3", "2025"]
    assert services.due_periods(at("2026-04-01T00:00+08:00")) == ["2026-03", "2026-Q1", "2025"]
    made = services.run_due(now=at("2026-12-01T00:00:10+08:00"))
    assert [r.period for r in made] == ["2026-11"]  # the scheme applies from 2026-11 only


def test_the_task_runs_the_schedule_at_the_clock(w, clock):
    clock("2026-12-04T00:00:30+08:00")
    out = tasks.assessment_every_minute.call_local()
    assert out["runs"] == ["street 2026-11"]
    assert tasks.assessment_every_minute.call_local()["runs"] == []


def test_publishing_tells_the_assessed_in_their_inbox_once(w):
    run = services.run_period("street", "2026-11", now=at("2026-12-04T09:00+08:00"))
    a = w.areas["330103001"]
    services.publish_run(run)
    notes = Notification.objects.filter(kind=Notification.Kind.ASSESSMENT)
    mine = notes.get(user=w.street_operator)
    assert mine.link == f"/assessment/{run.pk}/{a.id}/"
    assert "2026-11" in mine.text
    services.publish_run(run)
    assert notes.filter(user=w.street_operator).count() == 1
    assert timezone.is_aware(Run.objects.get(pk=run.pk).published_at)
