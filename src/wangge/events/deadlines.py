"""Stage deadlines from the category × priority table, on the working calendar."""

from datetime import datetime, timedelta

from django.conf import settings

from wangge.events import calendar
from wangge.events.models import Category, CategoryDeadline, DeadlineUnit, Priority, Stage

# Used where neither a category nor its parent sets a stage's deadline.
DEFAULTS: dict[str, dict[str, tuple[int, str]]] = {
    Priority.NORMAL: {
        Stage.ACCEPT: (2, DeadlineUnit.WORK_HOURS),
        Stage.SIGN: (4, DeadlineUnit.WORK_HOURS),
        Stage.HANDLE: (5, DeadlineUnit.WORK_DAYS),
    },
    Priority.URGENT: {
        Stage.ACCEPT: (1, DeadlineUnit.HOURS),
        Stage.SIGN: (2, DeadlineUnit.HOURS),
        Stage.HANDLE: (24, DeadlineUnit.HOURS),
    },
    Priority.CRITICAL: {
        Stage.ACCEPT: (1, DeadlineUnit.HOURS),
        Stage.SIGN: (1, DeadlineUnit.HOURS),
        Stage.HANDLE: (4, DeadlineUnit.HOURS),
    },
}


def rule(category: Category, priority: str, stage: str) -> tuple[int, str]:
    """(amount, unit) for a stage: the category's own row, its parent's, or the default."""
    rows = {
        row.category_id: (row.amount, row.unit)
        for row in CategoryDeadline.objects.filter(
            category_id__in=[category.pk, category.parent_id], priority=priority, stage=stage
        )
    }
    own, inherited = rows.get(category.pk), rows.get(category.parent_id or 0)
    return own or inherited or DEFAULTS[priority][stage]


def stage_deadline(
    category: Category, priority: str, stage: str, start: datetime
) -> tuple[datetime, datetime]:
    """The stage's deadline and when its yellow alert starts (a set share of the time)."""
    amount, unit = rule(category, priority, stage)
    due = calendar.deadline_after(start, amount, unit)
    share = settings.WANGGE_YELLOW_SHARE
    if unit == DeadlineUnit.HOURS:
        yellow = start + timedelta(seconds=(due - start).total_seconds() * share)
    else:
        yellow = calendar.add_working_hours(
            start, calendar.working_hours_between(start, due) * share
        )
    return due, yellow
