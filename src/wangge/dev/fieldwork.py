"""Fieldwork in the demo: this period's visit tasks with part of them already visited (by
their own workers, at times in the period so far), the attendance tasks of the demo events,
and the example campaign (流动人员信息排查)."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from wangge.accounts.actors import require_actor
from wangge.dev import campaign as campaign_demo
from wangge.errors import DomainError
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import (
    AttendRecord,
    AttendTask,
    Campaign,
    FieldAlert,
    Finding,
    Inspection,
    OfflineSubmission,
    Patrol,
    VisitRecord,
    VisitTask,
)
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits

VISITED_SHARE = 0.4
VISITS_AT_MOST = 80  # enough to show progress; each goes through the service
ANSWERS = {
    "family": "家庭成员身体健康，收入稳定，无变化。",
    "groups": ["无变化"],
    "facilities": True,
    "hazards": False,
    "disputes": False,
}


@dataclass(frozen=True)
class DemoFieldwork:
    visit_tasks: int
    visits: int
    attend_tasks: int
    campaign: Campaign | None


def build(*, seed: int = 330103) -> DemoFieldwork:
    planned = schedule.generate()
    done = record_visits(seed=seed)
    attending = attend.sync()
    return DemoFieldwork(
        visit_tasks=planned.created,
        visits=done,
        attend_tasks=attending.created,
        campaign=campaign_demo.demo_campaign(),
    )


def record_visits(*, seed: int, share: float = VISITED_SHARE) -> int:
    """Visit a share of the open tasks through the service, each at its household's door at a
    daytime hour between the period's start and now."""
    rng = np.random.default_rng(seed)
    now = timezone.localtime()
    tasks = list(
        VisitTask.objects.filter(status="open", assignee__isnull=False)
        .select_related("household", "rule", "assignee")
        .order_by("pk")
    )
    done = 0
    for task in tasks:
        if rng.random() >= share:
            continue
        if done >= VISITS_AT_MOST:
            break
        start = dt.datetime.combine(task.period_start, dt.time(9), tzinfo=now.tzinfo)
        span = max(0.0, (now - start).total_seconds())
        when = start + dt.timedelta(seconds=float(rng.uniform(0, span)))
        if when.hour < 8 or when.hour > 19:  # nobody knocks at night
            when = when.replace(hour=int(rng.integers(9, 18)))
        when = min(when, now)
        hh = task.household
        try:
            visits.visit_record(
                actor=require_actor(task.assignee),
                task=task,
                answers=ANSWERS,
                lon=hh.lon,
                lat=hh.lat,
                visited_at=when,
                client_key=f"demo-visit-{task.pk}",
            )
        except DomainError:
            continue  # a rule whose checklist the demo's answers do not fit
        done += 1
    return done


def reset() -> None:
    """Remove what fieldwork collected (before the people, events and areas go); the rules
    stay."""
    campaign_demo.reset()
    Finding.objects.all().delete()
    Inspection.objects.all().delete()
    Patrol.objects.all().delete()
    VisitRecord.objects.all().delete()
    VisitTask.objects.all().delete()
    AttendRecord.objects.all().delete()
    AttendTask.objects.all().delete()
    FieldAlert.objects.all().delete()
    OfflineSubmission.objects.all().delete()
