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

from django.db import connection, transaction
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


def _no_jit(cursor: Any) -> None:
    """PostgreSQL's JIT compiles these one-off scans of the facts for longer than they run."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def tally(area: Area, date_from: date, date_to: date) -> dict[Any, dict[str, int]]:
    """How many cases `cases` lists, for the area (key None) and per child (key: its id),
    in one grouped query."""
    column = f"area_{min(area.level + 1, MAX_LEVELS)}"
    rows: Any = (
        EventFact.objects.filter(_under(area), due_q(date_from, date_to))
        .values(column)
        .order_by(column)
        .annotate(due=Count("pk"), closed=Count("pk", filter=closed_q(date_to)))
    )
    out: dict[Any, dict[str, int]] = {None: {"due": 0, "closed": 0}}
    with transaction.atomic(), connection.cursor() as cursor:
        _no_jit(cursor)
        for r in rows:
            out[None]["due"] += r["due"]
            out[None]["closed"] += r["closed"]
            if area.level < MAX_LEVELS and r[column] is not None:
                out[r[column]] = {"due": r["due"], "closed": r["closed"]}
    return out


def counts(area: Area, date_from: date, date_to: date) -> dict[str, int]:
    """How many cases `cases` lists."""
    return tally(area, date_from, date_to)[None]


def by_child(area: Area, date_from: date, date_to: date) -> dict[int, dict[str, int]]:
    """The same counts per child of the area: {child id: counts}."""
    return {k: v for k, v in tally(area, date_from, date_to).items() if k is not None}
