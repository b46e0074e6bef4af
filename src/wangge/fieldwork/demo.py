"""Fieldwork in the demo: this month's visit tasks, the attendance tasks of the demo events,
and the example campaign (流动人员信息排查)."""

from dataclasses import dataclass

from wangge.fieldwork import attend, campaign_demo, visits
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


@dataclass(frozen=True)
class DemoFieldwork:
    visit_tasks: int
    attend_tasks: int
    campaign: Campaign | None


def build() -> DemoFieldwork:
    planned = visits.generate()
    attending = attend.sync()
    return DemoFieldwork(
        visit_tasks=planned.created,
        attend_tasks=attending.created,
        campaign=campaign_demo.demo_campaign(),
    )


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
