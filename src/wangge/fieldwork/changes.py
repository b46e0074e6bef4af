"""Writing the fieldwork change log (`FieldworkChange`): one call at each write path that
changes a figure, inside the write's transaction, one INSERT per write.

A row names a bucket — (area, day, kind) — not a difference: the stats worker recomputes the
bucket from the fieldwork tables, so logging a bucket that did not change costs a little
work and is never wrong, while a bucket left out would leave its figures stale. A visit task
is counted on two days (its period's start and its due day: "tasks of a period" is a range
test on both), so it names both. A campaign's coverage is a current figure, not a daily one:
its rows name (campaign, area) — the day is the campaign's start, never read.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from wangge.fieldwork.models import (
    AttendTask,
    Campaign,
    CampaignTarget,
    FieldworkChange,
    Inspection,
    Patrol,
    VisitTask,
)

Kind = FieldworkChange.Kind


def log(kind: str, buckets: Iterable[tuple[int, dt.date]]) -> int:
    """Append one change row per distinct (area, day) of `buckets`; returns how many."""
    at = timezone.now()
    rows = [
        FieldworkChange(area_id=area, day=day, kind=kind, at=at)
        for area, day in sorted(set(buckets))
    ]
    if rows:
        FieldworkChange.objects.bulk_create(rows)
    return len(rows)


def visit_tasks(tasks: "QuerySet[VisitTask] | Iterable[VisitTask]") -> int:
    """The buckets of these visit tasks (a queryset is read before it is changed)."""
    rows: Iterable[tuple[int, dt.date, dt.date]]
    if isinstance(tasks, QuerySet):
        rows = tasks.order_by().values_list("area_id", "period_start", "due_on").distinct()
    else:
        rows = [(t.area_id, t.period_start, t.due_on) for t in tasks]
    buckets: set[tuple[int, dt.date]] = set()
    for area, start, due in rows:
        buckets.update(((area, start), (area, due)))
    return log(Kind.VISIT, buckets)


def visit_tasks_sql(cursor: Any, source: str, where: str, params: list[Any]) -> None:
    """Log, in one INSERT … SELECT, the buckets of the rows of `source` (a FROM clause whose
    rows have area_id, period_start and due_on) matching `where`: for the set-wise writes of
    task generation."""
    table = FieldworkChange._meta.db_table
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    cursor.execute(
        f"INSERT INTO {table} (area_id, day, kind, at)"  # noqa: S608 (names from _meta)
        f" SELECT area_id, day, %s, %s FROM (SELECT area_id, period_start AS day FROM {source}"
        f" WHERE {where} UNION SELECT area_id, due_on AS day FROM {source} WHERE {where}) u",
        [Kind.VISIT.value, at, *params, *params],
    )


def attend_tasks(tasks: "QuerySet[AttendTask] | Iterable[AttendTask]") -> int:
    """The buckets (area, local creation day) of these must-attend tasks."""
    if isinstance(tasks, QuerySet):
        rows: Iterable[tuple[int, dt.date]] = (
            tasks.order_by()
            .annotate(created_on=TruncDate("created_at"))
            .values_list("area_id", "created_on")
            .distinct()
        )
    else:
        rows = [(t.area_id, timezone.localdate(t.created_at)) for t in tasks]
    return log(Kind.ATTEND, rows)


def patrol(item: Patrol) -> int:
    return log(Kind.PATROL, [(item.area_id, timezone.localdate(item.started_at))])


def inspection(item: Inspection) -> int:
    return log(Kind.INSPECTION, [(item.area_id, item.done_on)])


def report_in(area_id: int, day: dt.date) -> int:
    """A party report-in deleted (new ones need no entry: the worker reads them by id)."""
    return log(Kind.REPORT_IN, [(area_id, day)])


def campaign_target(target: CampaignTarget) -> int:
    """One target's status changed: its campaign's coverage in its area."""
    at = timezone.now()
    day = target.campaign.starts_on
    FieldworkChange.objects.create(
        area_id=target.area_id, day=day, kind=Kind.CAMPAIGN, at=at, campaign_id=target.campaign_id
    )
    return 1


def campaign_areas(cursor: Any, campaign: Campaign) -> None:
    """Every area holding a target of the campaign (left or not), in one INSERT … SELECT: for
    the set-wise writes of materialising and refreshing, whose rows may enter, leave or move
    between areas. Called before such a write (the areas targets may leave) and after it."""
    table = FieldworkChange._meta.db_table
    targets = CampaignTarget._meta.db_table
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    day = connection.ops.adapt_datefield_value(campaign.starts_on)
    cursor.execute(
        f"INSERT INTO {table} (area_id, day, kind, at, campaign_id)"  # noqa: S608 (_meta)
        f" SELECT DISTINCT area_id, %s, %s, %s, campaign_id FROM {targets}"
        f" WHERE campaign_id = %s",
        [day, Kind.CAMPAIGN.value, at, campaign.pk],
    )
