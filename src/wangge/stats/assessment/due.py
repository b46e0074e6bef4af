"""应结案 (cases due to close) of a period, from the facts' handling deadlines.

The field's definition for 12345 and grid monthly reports: a period's 应结案 are the cases
whose handling deadline (处置时限, extensions included) falls within the period, plus the
cases due earlier that were still open at the period's start (not closed before it). Merged
duplicates count through the case they joined. 结案 (of them) are those closed by the
period's end; 结案率 = 结案 / 应结案. The case lists and the counts come from the same
query, so a number and the cases behind it always agree.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from wangge.regions.models import Area
from wangge.stats.models import MAX_LEVELS, EventFact


def bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last (local days, inclusive)."""
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def due_q(date_from: date, date_to: date) -> Q:
    """The facts due to close in the period (应结案)."""
    start, end = bounds(date_from, date_to)
    return (
        Q(handle_deadline__isnull=False)
        & ~Q(status="merged")
        & (
            Q(handle_deadline__gte=start, handle_deadline__lt=end)
            | (Q(handle_deadline__lt=start) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start)))
        )
    )


def closed_q(date_to: date) -> Q:
    """… closed by the period's end (结案)."""
    _start, end = bounds(date_to, date_to)
    return Q(closed_at__isnull=False, closed_at__lt=end)


def _under(area: Area) -> Q:
    if area.level > MAX_LEVELS:
        return Q(pk__in=[])
    return Q(**{f"area_{area.level}": area.pk})


def cases(area: Area, date_from: date, date_to: date) -> dict[str, list[int]]:
    """The event ids behind the area's 应结案 ("due") and 结案 ("closed") of the period."""
    due: list[int] = []
    closed: list[int] = []
    rows = (
        EventFact.objects.filter(_under(area), due_q(date_from, date_to))
        .order_by("event_id")
        .values_list("event_id", "closed_at")
    )
    _start, end = bounds(date_from, date_to)
    for event_id, closed_at in rows:
        due.append(event_id)
        if closed_at is not None and closed_at < end:
            closed.append(event_id)
    return {"due": due, "closed": closed}


def counts(area: Area, date_from: date, date_to: date) -> dict[str, int]:
    """How many cases `cases` lists (one counting query)."""
    got = EventFact.objects.filter(_under(area), due_q(date_from, date_to)).aggregate(
        due=Count("pk"), closed=Count("pk", filter=closed_q(date_to))
    )
    return {"due": got["due"], "closed": got["closed"]}


def by_child(area: Area, date_from: date, date_to: date) -> dict[int, dict[str, int]]:
    """The same counts per child of the area (one grouped query): {child id: counts}."""
    if area.level >= MAX_LEVELS:
        return {}
    column = f"area_{area.level + 1}"
    rows: Any = (
        EventFact.objects.filter(_under(area), due_q(date_from, date_to))
        .exclude(**{f"{column}__isnull": True})
        .values(column)
        .order_by(column)
        .annotate(due=Count("pk"), closed=Count("pk", filter=closed_q(date_to)))
    )
    return {r[column]: {"due": r["due"], "closed": r["closed"]} for r in rows}
