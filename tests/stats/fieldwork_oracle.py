"""The fieldwork figures of 网格联动, the party report-ins and the campaigns' coverage counted
straight from their tables, as the modules did before the worker kept them: what the rollups
must give."""

from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from wangge.fieldwork.models import AttendTask, CampaignTarget, Inspection, Patrol, VisitTask
from wangge.people.models import PartyReportIn
from wangge.regions.models import Area


def scanned(area: Area, date_from: date, date_to: date, today: date) -> dict[str, int]:
    under = Q(area__path__startswith=area.path)
    visits = (
        VisitTask.objects.filter(under, period_start__lte=date_to, due_on__gte=date_from)
        .order_by()
        .aggregate(
            due=Count("pk"),
            done=Count("pk", filter=Q(status=VisitTask.Status.DONE)),
            overdue=Count("pk", filter=Q(status=VisitTask.Status.OPEN, due_on__lt=today)),
        )
    )
    start = timezone.make_aware(datetime.combine(date_from, datetime.min.time()))
    end = start + timedelta(days=(date_to - date_from).days + 1)
    attend = (
        AttendTask.objects.filter(under, created_at__gte=start, created_at__lt=end)
        .exclude(status=AttendTask.Status.CANCELLED)
        .order_by()
        .aggregate(
            due=Count("pk"),
            on_time=Count(
                "pk", filter=Q(status=AttendTask.Status.DONE, done_at__lte=F("deadline"))
            ),
        )
    )
    return {
        "visits_due": visits["due"],
        "visits_done": visits["done"],
        "visits_overdue": visits["overdue"],
        "attend_due": attend["due"],
        "attend_on_time": attend["on_time"],
        "patrols": Patrol.objects.filter(under, started_at__gte=start, started_at__lt=end).count(),
        "inspections": Inspection.objects.filter(
            under, done_on__gte=date_from, done_on__lte=date_to
        ).count(),
        "report_ins": PartyReportIn.objects.filter(
            under, reported_on__gte=date_from, reported_on__lte=date_to
        ).count(),
    }


def scanned_coverage(area: Area) -> dict[int, list[int]]:
    """Each campaign's live targets under the area: [total, done, unreachable]."""
    rows = (
        CampaignTarget.objects.filter(area__path__startswith=area.path, left_at__isnull=True)
        .order_by()
        .values_list("campaign_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=CampaignTarget.Status.DONE)),
            unreachable=Count("pk", filter=Q(status=CampaignTarget.Status.UNREACHABLE)),
        )
    )
    return {campaign: list(counts) for campaign, *counts in rows}
