"""Small hand-computed worlds: facts written directly (the stats tests cover how they are
derived from events), areas and departments from the events' test world."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from wangge.regions.models import Area
from wangge.stats.assessment.models import Adjustment, Indicator, Scheme, SchemeItem
from wangge.stats.models import EventFact

_next_id = [1000]


def fact(
    area: Area,
    day: date,
    department: Any = None,
    handle_deadline: datetime | None = None,
    closed_at: datetime | None = None,
    category_class: int = 1,
    **flags: bool,
) -> EventFact:
    """A fact of an event reported on `day` in `area` (its ancestors filled in). An accepted
    one is due to close the same day at 18:00 unless told; a closed one closed at 10:00."""
    _next_id[0] += 1
    columns: dict[str, Any] = {}
    node: Area | None = area
    while node is not None:
        columns[f"area_{node.level}"] = node.id
        node = node.parent
    at = timezone.make_aware(datetime(day.year, day.month, day.day, 9))
    if handle_deadline is None and flags.get("accepted"):
        handle_deadline = at.replace(hour=18)
    if closed_at is None and flags.get("closed"):
        closed_at = at.replace(hour=10)
    return EventFact.objects.create(
        event_id=_next_id[0],
        category_id=category_class,
        category_class_id=category_class,
        channel="app",
        department_id=department.id if department else None,
        priority="normal",
        status="closed" if flags.get("closed") else "accepted",
        day=day,
        reported_at=at,
        handle_deadline=handle_deadline,
        closed_at=closed_at,
        reported=True,
        **columns,
        **flags,
    )


def street_scheme(valid_from: date = date(2026, 11, 1)) -> Scheme:
    """Streets (level 2): 结案率 60 linear 50→100 %, 满意率 40 in bands (≥90 % all, ≥80 %
    half), −5 per overdue case capped at −10."""
    s = Scheme.objects.create(
        code="street", name="街道考核", target_type="area", level=2, valid_from=valid_from
    )
    SchemeItem.objects.create(
        scheme=s, indicator=Indicator.objects.get(code="close"), weight=60, floor=50, target=100
    )
    SchemeItem.objects.create(
        scheme=s,
        indicator=Indicator.objects.get(code="satisfaction"),
        weight=40,
        bands=[[90, 1], [80, "0.5"]],
    )
    Adjustment.objects.create(
        scheme=s, name="超期案件", flags=["overdue_ever"], points=Decimal(-5), cap=Decimal(-10)
    )
    return s


def filled_to(moment: datetime) -> None:
    """The stats worker's state: figures filled as of `moment`."""
    from wangge.stats.fill import STATE
    from wangge.stats.models import FillState

    FillState.objects.update_or_create(name=STATE, defaults={"position": 0, "asof": moment})
