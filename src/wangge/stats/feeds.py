"""Indicator feeds: daily values per area pushed by other systems (审批服务 办件量, 经济发展,
智慧文旅 游客人次, 综合执法 cases of an outside system …), and their figures for an area and
period, added up as each indicator declares. A push is all or nothing; the same (indicator,
area, day) again replaces."""

import math
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.intake.models import Channel
from wangge.regions.models import Area
from wangge.stats.models import AddUp, FedIndicator, FedValue, Module

MAX_VALUES = 1000  # per push
# A counter in Django's cache that every push moves: the pages keep the fed figures under it
# (`dashboard.fed`), so a push shows at once.
VERSION = "stats:fed-version"
MAX_ABS = Decimal("1e13")  # fits the column (18 digits, 4 decimals)


def _value(raw: Any, field: str, problems: list[Problem]) -> Decimal | None:
    # bool is an int in Python: true/false are not numbers here.
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        problems.append(Problem(_("Not a number."), field=field))
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        problems.append(Problem(_("Not a number."), field=field))
        return None
    if not value.is_finite() or (isinstance(raw, float) and not math.isfinite(raw)):
        problems.append(Problem(_("Not a finite number."), field=field))
        return None
    if abs(value) >= MAX_ABS:
        problems.append(Problem(_("The value is too large."), field=field))
        return None
    return value.quantize(Decimal("0.0001"))


def _day(raw: Any, field: str, today: date, problems: list[Problem]) -> date | None:
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        day = None
    if day is None:
        problems.append(Problem(_("Not a date (YYYY-MM-DD)."), field=field))
    elif day > today:
        problems.append(Problem(_("The day is in the future."), field=field))
        return None
    return day


def push(channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
    """Store `{"indicator": CODE, "values": [{"area", "day", "value"}, …]}`: every value or
    none (422 naming each bad field and why)."""
    code = body.get("indicator")
    indicator = (
        FedIndicator.objects.filter(code=code, active=True).first()
        if isinstance(code, str) and code
        else None
    )
    if indicator is None:
        raise DomainError.one(
            _("Unknown indicator %(c)s (define it in the back office first).") % {"c": code},
            field="indicator",
            status=422,
        )
    items = body.get("values")
    if not isinstance(items, list) or not items:
        raise DomainError.one(_("Send a non-empty list of values."), field="values", status=422)
    if len(items) > MAX_VALUES:
        raise DomainError.one(
            _("At most %(n)s values per push.") % {"n": MAX_VALUES}, field="values", status=422
        )
    codes = {i.get("area") for i in items if isinstance(i, dict)}
    areas = dict(
        Area.objects.live()
        .filter(code__in=[c for c in codes if isinstance(c, str)])
        .values_list("code", "pk")
    )
    today = timezone.localdate()
    problems: list[Problem] = []
    rows: dict[tuple[int, date], Decimal] = {}
    for n, item in enumerate(items):
        at = f"values[{n}]"
        if not isinstance(item, dict):
            problems.append(Problem(_("Each value must be an object."), field=at))
            continue
        area = areas.get(item.get("area"))  # type: ignore[arg-type]
        if area is None:
            problems.append(
                Problem(_("Unknown area %(a)s.") % {"a": item.get("area")}, field=f"{at}.area")
            )
        day = _day(item.get("day"), f"{at}.day", today, problems)
        value = _value(item.get("value"), f"{at}.value", problems)
        if area is None or day is None or value is None:
            continue
        if (area, day) in rows:
            problems.append(Problem(_("This area and day came twice."), field=f"{at}.day"))
        rows[(area, day)] = value
    if problems:
        raise DomainError(problems, status=422)
    now = timezone.now()
    with transaction.atomic():
        FedValue.objects.bulk_create(
            [
                FedValue(
                    indicator=indicator,
                    area_id=area,
                    day=day,
                    value=value,
                    channel=channel.code,
                    pushed_at=now,
                )
                for (area, day), value in rows.items()
            ],
            update_conflicts=True,
            unique_fields=["indicator", "area", "day"],
            update_fields=["value", "channel", "pushed_at"],
        )
    changed()
    return {"indicator": indicator.code, "stored": len(rows)}


def changed() -> None:
    """Move VERSION: the fed figures kept by the pages are read again."""
    try:
        cache.incr(VERSION)
    except ValueError:  # not there (yet, or evicted)
        cache.set(VERSION, 1, None)


def figures(area: Area, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """Each module with its active indicators' values over the area (it and every area
    below) and the days: each area's days added up by `over_time` (average: of the days
    pushed), then the areas by `over_areas`. None when nothing was pushed. Two queries."""
    indicators = list(FedIndicator.objects.filter(active=True))
    values = FedValue.objects.filter(
        indicator__active=True,
        area__path__startswith=area.path,
        day__gte=date_from,
        day__lte=date_to,
    )
    last = values.filter(indicator=OuterRef("indicator_id"), area=OuterRef("area_id"))
    per_area = (
        values.values("indicator_id", "area_id")
        .annotate(
            total=Sum("value"),
            mean=Avg("value"),
            last=Subquery(last.order_by("-day").values("value")[:1]),
        )
        .order_by()
    )
    by_indicator: dict[int, list[Decimal]] = defaultdict(list)
    spec = {i.pk: i for i in indicators}
    for row in per_area:
        rule = spec[row["indicator_id"]].over_time
        value = (
            row["total"]
            if rule == AddUp.SUM
            else row["mean"]
            if rule == AddUp.AVERAGE
            else row["last"]
        )
        by_indicator[row["indicator_id"]].append(Decimal(value))
    modules = []
    for module, label in Module.choices:
        items = []
        for ind in (i for i in indicators if i.module == module):
            found = by_indicator.get(ind.pk, [])
            value = _add_up(found, ind.over_areas)
            items.append(
                {
                    "code": ind.code,
                    "name": ind.name,
                    "unit": ind.unit,
                    "value": value,
                    "text": "—" if value is None else f"{value:,}",
                    "areas": len(found),
                }
            )
        modules.append({"key": module, "label": str(label), "items": items})
    return modules


def _add_up(values: list[Decimal], rule: str) -> float | int | None:
    if not values:
        return None
    total = sum(values, Decimal(0))
    result = total / len(values) if rule == AddUp.AVERAGE else total
    result = result.quantize(Decimal("0.01"))
    return int(result) if result == result.to_integral_value() else float(result)
