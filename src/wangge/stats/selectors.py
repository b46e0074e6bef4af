"""Scoped reads of the rollups: the figures of an area (or of its children) for a period,
filtered by category class, channel and lead department. Never the event table.

A period's whole months are read from the month rows, its other days from the day rows: a
year is at most 12 month rows plus 60 day rows per key, whatever the number of events.
"""

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections
from django.db.models import CharField, Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.actors import Actor
from wangge.accounts.scope import visible_paths
from wangge.errors import DomainError
from wangge.events.models import Category, Department
from wangge.intake.models import Channel
from wangge.regions.models import Area
from wangge.stats.models import MAX_LEVELS, MEASURES, Dimension, EventFact, Period, Rollup
from wangge.stats.rollups import month_start, next_month, rolled_levels

PERIODS = ("today", "7d", "month", "quarter", "year", "custom")


@dataclass(frozen=True)
class Filters:
    area: Area
    date_from: date
    date_to: date  # inclusive
    category: Category | None = None  # a class (大类)
    channel: str = ""
    department: Department | None = None
    # The user's visible paths as `resolve` read them (None: the whole tree; False: not
    # read), so the page does not read the posts again for its breadcrumb. Not part of what
    # the figures are (nor of their cache key).
    paths: list[str] | bool | None = field(default=False, compare=False, repr=False)
    # A calendar month, quarter or year from its first day (1, 3, 12), or 0: a run of days.
    # Only what it is compared with depends on it (`previous`).
    months: int = 0

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> "Filters":
        """The period to compare with (环比): a calendar month, quarter or year (`months`) —
        whole or to date — against the same days of the one before (1–7 December against
        1–7 November, November against the whole of October); any other period against as
        many days just before it."""
        if self.months:
            end = _months_back(self.date_to, self.months)
            if self.date_to == _month_end(self.date_to):  # whole months: to the last day
                end = _month_end(end)
            return replace(self, date_from=_months_back(self.date_from, self.months), date_to=end)
        return replace(
            self,
            date_from=self.date_from - timedelta(days=self.days),
            date_to=self.date_from - timedelta(days=1),
        )

    def event_query(self, area: Area | None = None) -> dict[str, str]:
        """The same filters as the event list takes them."""
        query = {
            "tab": "all",
            "area": (area or self.area).code,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
        }
        if self.category:
            query["category"] = self.category.code
        if self.channel:
            query["channel"] = self.channel
        if self.department:
            query["department"] = self.department.code
        return query


# The calendar periods, in months (`Filters.months`).
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_back(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day where it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    if period == "today":
        return today, today
    if period == "7d":
        return today - timedelta(days=6), today
    if period == "month":
        return month_start(today), today
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    raise DomainError.one(_("Unknown period %(p)s.") % {"p": period}, field="period")


def home_area(user: Actor, paths: list[str] | bool | None = False) -> Area | None:
    """The area a user's dashboard opens on: their widest post's (the top for superusers).
    `paths`: the user's visible paths when already read."""
    if paths is False:
        paths = visible_paths(user)
    live = Area.objects.live().defer("geometry")
    if paths is None:
        return live.filter(parent__isnull=True).order_by("code").first()
    if not paths or not isinstance(paths, list):
        return None
    return live.filter(path=paths[0]).first()


def resolve(
    user: Actor,
    *,
    area: str = "",
    period: str = "month",
    date_from: date | None = None,
    date_to: date | None = None,
    category: str = "",
    channel: str = "",
    department: str = "",
) -> Filters:
    """Parse and check the filters: the area must be under the user's posts."""
    paths = visible_paths(user)
    found = (
        Area.objects.live().defer("geometry").filter(code=area).first()
        if area
        else home_area(user, paths)
    )
    if found is None or not (paths is None or any(found.path.startswith(p) for p in paths)):
        raise DomainError.one(
            _("You have no post over area %(a)s.") % {"a": area or "-"},
            field="area",
            code="forbidden",
            status=403,
        )
    if period == "custom" or date_from or date_to:
        if not (date_from and date_to):
            raise DomainError.one(
                _("A custom period needs both date_from and date_to."), field="date_from"
            )
        if date_to < date_from:
            raise DomainError.one(_("date_to is before date_from."), field="date_to")
        if (date_to - date_from).days > 3660:
            raise DomainError.one(_("A period may span ten years at most."), field="date_from")
        months = 0
    else:
        date_from, date_to = period_bounds(period)
        months = PERIOD_MONTHS.get(period, 0)
    cat = None
    if category:
        cat = Category.objects.filter(code=category, parent__isnull=True).first()
        if cat is None:
            raise DomainError.one(
                _("%(c)s is not a category class (大类).") % {"c": category}, field="category"
            )
    if channel and not Channel.objects.filter(code=channel).exists():
        raise DomainError.one(_("Unknown channel %(c)s.") % {"c": channel}, field="channel")
    dep = None
    if department:
        dep = Department.objects.filter(code=department).first()
        if dep is None:
            raise DomainError.one(
                _("Unknown department %(d)s.") % {"d": department}, field="department"
            )
    return Filters(found, date_from, date_to, cat, channel, dep, paths=paths, months=months)


def _period_q(f: Filters) -> Q:
    """Month rows for the whole months inside the period, day rows for the rest."""
    months: list[date] = []
    month = month_start(f.date_from)
    if month < f.date_from:
        month = next_month(month)
    while next_month(month) - timedelta(days=1) <= f.date_to:
        months.append(month)
        month = next_month(month)
    if not months:
        return Q(period=Period.DAY, day__gte=f.date_from, day__lte=f.date_to)
    first, end = months[0], next_month(months[-1])
    return (
        Q(period=Period.MONTH, day__in=months)
        | Q(period=Period.DAY, day__gte=f.date_from, day__lt=first)
        | Q(period=Period.DAY, day__gte=end, day__lte=f.date_to)
    )


_GROUP_ROLLUP = {"area": "area_id", "day": "day", "key": "key"}
_FACT_KEY: dict[str, str] = {
    Dimension.CATEGORY: "category_class_id",
    Dimension.CHANNEL: "channel",
    Dimension.DEPARTMENT: "department_id",
}


def _filter_keys(f: Filters) -> dict[str, str]:
    keys: dict[str, str] = {}
    if f.category:
        keys[Dimension.CATEGORY] = str(f.category.pk)
    if f.channel:
        keys[Dimension.CHANNEL] = f.channel
    if f.department:
        keys[Dimension.DEPARTMENT] = str(f.department.pk)
    return keys


# What is open now — by stage, alert, supervision — counts every report day, not only the
# period's: the open flags of the facts are as of the last fill, and a command centre works
# off the whole backlog (an event open for 40 days is in today's figures too).
OPEN_MEASURES = tuple(m for m in MEASURES if m.startswith("open"))


def _rollup_sums(f: Filters, measures: tuple[str, ...]) -> tuple[Q, dict[str, Any]]:
    """The rollup rows to read for `f` and each measure's sum over them: the period's rows,
    and every month's for the open-now measures (`OPEN_MEASURES`)."""
    period = _period_q(f)
    if not any(m in OPEN_MEASURES for m in measures):
        return period, {m: Sum(m) for m in measures}
    every = Q(period=Period.MONTH)
    sums = {m: Sum(m, filter=every if m in OPEN_MEASURES else period) for m in measures}
    return period | every, sums


def _aggregate(
    f: Filters,
    *,
    level: int,
    area_ids: list[int],
    group: str | None = None,
    by: str | None = None,
    by_day: bool = False,
    measures: tuple[str, ...] = MEASURES,
) -> list[tuple[Any, dict[str, int]]]:
    """(group value, counts) rows: `group` is "area", "day" or "key" (of dimension `by`).

    From the rollups when they hold the combination asked for (one dimension at most, a
    rolled-up level); else from the facts of the area and days (a micro-grid's, or a
    combination of filters)."""
    keys = _filter_keys(f)
    dims = set(keys) | ({by} if by else set())
    days = Q(day__gte=f.date_from, day__lte=f.date_to)
    qs: Any
    if by_day:  # a trend: each day's own counts, nothing open-now
        measures = tuple(m for m in measures if m not in OPEN_MEASURES)
    if level <= rolled_levels() and len(dims) <= 1:
        dimension = dims.pop() if dims else Dimension.ALL
        qs = Rollup.objects.filter(level=level, area_id__in=area_ids, dimension=dimension)
        if dimension in keys:
            qs = qs.filter(key=keys[dimension])
        sums: dict[str, Any]
        if by_day:
            rows, sums = Q(period=Period.DAY) & days, {m: Sum(m) for m in measures}
        else:
            rows, sums = _rollup_sums(f, measures)
        qs = qs.filter(rows).order_by()
        column = _GROUP_ROLLUP.get(group or "")
    else:
        qs = EventFact.objects.filter(**{f"area_{level}__in": area_ids}).order_by()
        # The period's facts, and the open ones of any day (every open-now flag implies open).
        qs = qs.filter(days | Q(open=True) if any(m in OPEN_MEASURES for m in measures) else days)
        for dimension, key in keys.items():
            column_name = _FACT_KEY[dimension]
            qs = qs.filter(**{column_name: None if key == "0" else key})
        column = {"area": f"area_{level}", "day": "day", "key": _FACT_KEY.get(by or "")}.get(
            group or ""
        )
        sums = {
            m: Count("pk", filter=Q(**{m: True}) if m in OPEN_MEASURES else Q(days, **{m: True}))
            for m in measures
        }
    if column is None:
        return [(None, _clean(qs.aggregate(**sums), measures))]
    rows = qs.values(column).annotate(**sums)
    return [(_key(row[column], group), _clean(row, measures)) for row in rows]


def _key(value: Any, group: str | None) -> Any:
    """Group values alike from both sources: keys as text, no department as "0"."""
    if group != "key":
        return value
    return "0" if value is None else str(value)


def _clean(row: dict[str, Any], measures: tuple[str, ...] = MEASURES) -> dict[str, int]:
    return {m: int(row.get(m) or 0) for m in measures}


def totals(f: Filters) -> dict[str, int]:
    return _aggregate(f, level=f.area.level, area_ids=[f.area.pk])[0][1]


def _rollup_q(f: Filters, by: str | None = None) -> Q | None:
    """The rollup rows that hold `f`'s totals (by dimension `by`) at its area — the period's
    and every month's, summed as `_rollup_sums` says — or None when the rollups do not hold
    that combination (the facts are read then)."""
    keys = _filter_keys(f)
    dims = set(keys) | ({by} if by else set())
    if f.area.level > rolled_levels() or len(dims) > 1:
        return None
    dimension = dims.pop() if dims else Dimension.ALL
    q = Q(level=f.area.level, area_id=f.area.pk, dimension=dimension) & _rollup_sums(f, MEASURES)[0]
    if dimension in keys:
        q &= Q(key=keys[dimension])
    return q


def aggregates(*parts: tuple[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """What `qs.aggregate(**named)` gives for each (qs, named) part, all in one statement:
    each part grouped by a constant (so one row, whatever its rows), their rows side by side
    (a cross join of one-row tables)."""
    sqls: list[str] = []
    params: list[Any] = []
    names: list[tuple[int, str]] = []
    for n, (qs, named) in enumerate(parts):
        one = qs.order_by().values(_one=Value(1)).annotate(**named).values(*named)
        sql, part_params = one.query.sql_with_params()
        sqls.append(f"({sql}) AS part{n}")
        params.extend(part_params)
        names.extend((n, name) for name in named)
    result: list[dict[str, Any]] = [{} for _part in parts]
    with connections[parts[0][0].db].cursor() as cursor:
        # The querysets' own compiled SQL, their values bound.
        cursor.execute("SELECT * FROM " + ", ".join(sqls), params)  # noqa: S608
        row = cursor.fetchone()
    for (n, name), value in zip(names, row, strict=True):
        result[n][name] = value
    return result


def totals_many(many: list[Filters]) -> list[dict[str, int]]:
    """`totals` of several filters (a period and the previous one, a channel's share …) in
    one statement when the rollups hold them all (`aggregates`)."""
    wheres = [_rollup_q(f) for f in many]
    held = [q for q in wheres if q is not None]
    if len(held) < 2 or len(held) < len(wheres):
        return [totals(f) for f in many]
    parts = [
        (Rollup.objects.filter(q), _rollup_sums(f, MEASURES)[1])
        for f, q in zip(many, held, strict=True)
    ]
    rows = aggregates(*parts)
    return [_clean(row) for row in rows]


def children(f: Filters) -> list[tuple[Area, dict[str, int]]]:
    """Each live child area with its totals (zero when it had nothing)."""
    kids = list(Area.objects.live().defer("geometry").filter(parent=f.area).order_by("code"))
    if not kids:
        return []
    grouped = dict(
        _aggregate(f, level=f.area.level + 1, area_ids=[a.pk for a in kids], group="area")
    )
    return [(a, grouped.get(a.pk, _clean({}))) for a in kids]


TREND = ("reported", "accepted", "closed")  # what a trend shows of each day


def trend(f: Filters) -> list[tuple[date, dict[str, int]]]:
    """Every day of the period with its TREND counts (reported, accepted, closed)."""
    grouped = dict(
        _aggregate(
            f,
            level=f.area.level,
            area_ids=[f.area.pk],
            group="day",
            by_day=True,
            measures=TREND,
        )
    )
    return [
        (day, grouped.get(day, _clean({}, TREND)))
        for day in (f.date_from + timedelta(days=i) for i in range(f.days))
    ]


DIMENSIONS = {
    "category": Dimension.CATEGORY,
    "channel": Dimension.CHANNEL,
    "department": Dimension.DEPARTMENT,
}


def breakdown(f: Filters, dimension: str) -> list[dict[str, Any]]:
    """Totals by category class, channel or lead department, largest first, with names."""
    rows = _aggregate(
        f, level=f.area.level, area_ids=[f.area.pk], group="key", by=DIMENSIONS[dimension]
    )
    return _named(dimension, rows)


def breakdowns(f: Filters, dimensions: list[str]) -> dict[str, list[dict[str, Any]]]:
    """`breakdown` by each of `dimensions`; in one statement, names and codes read along,
    when the rollups hold them all (no filter on a dimension)."""
    if _filter_keys(f) or f.area.level > rolled_levels() or len(dimensions) < 2:
        return {d: breakdown(f, d) for d in dimensions}
    as_text = Cast("pk", output_field=CharField())

    def looked_up(model: Any, column: str) -> Subquery:
        found = model.objects.annotate(k=as_text).filter(k=OuterRef("key")).order_by()
        return Subquery(found.values(column)[:1])

    by_name: dict[str, str] = {DIMENSIONS[d]: d for d in dimensions}
    read, sums = _rollup_sums(f, MEASURES)
    rows: Any = (
        Rollup.objects.filter(
            read,
            level=f.area.level,
            area_id=f.area.pk,
            dimension__in=list(by_name),
        )
        .order_by()
        .values("dimension", "key")
        .annotate(**sums)
        .annotate(
            category_code=looked_up(Category, "code"),
            category_name=looked_up(Category, "name"),
            department_code=looked_up(Department, "code"),
            department_name=looked_up(Department, "name"),
            channel_name=Subquery(
                Channel.objects.filter(code=OuterRef("key")).order_by().values("name")[:1]
            ),
        )
    )
    grouped: dict[str, list[tuple[Any, dict[str, int]]]] = {d: [] for d in dimensions}
    names: dict[str, dict[str, str]] = {d: {} for d in dimensions}
    codes: dict[str, dict[str, str]] = {d: {} for d in dimensions}
    for row in rows:
        dimension = by_name[row["dimension"]]
        key = _key(row["key"], "key")
        grouped[dimension].append((key, _clean(row)))
        if dimension == "channel":
            if row["channel_name"] is not None:
                names[dimension][key] = row["channel_name"]
        elif row[f"{dimension}_name"] is not None:
            names[dimension][key] = row[f"{dimension}_name"]
            codes[dimension][key] = row[f"{dimension}_code"]
    return {d: _named(d, grouped[d], (names[d], codes[d])) for d in dimensions}


def _named(
    dimension: str,
    rows: list[tuple[Any, dict[str, int]]],
    known: tuple[dict[str, str], dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Breakdown rows with their names and codes (read now unless `known`), largest first."""
    keys = [k for k, _c in rows]
    names: dict[str, str]
    codes: dict[str, str]
    if known is not None:
        names, codes = known
        if dimension == "department":
            names["0"], codes["0"] = str(_("not dispatched")), ""
        elif dimension == "channel":
            codes = {k: k for k in keys}
    elif dimension in ("category", "department"):
        model: Any = Category if dimension == "category" else Department
        ids = [int(k) for k in keys if k.isdigit()]
        found = list(model.objects.filter(pk__in=ids).values_list("pk", "code", "name"))
        names = {str(pk): name for pk, _code, name in found}
        codes = {str(pk): code for pk, code, _name in found}
        if dimension == "department":
            names["0"], codes["0"] = str(_("not dispatched")), ""
    else:
        names = dict(Channel.objects.filter(code__in=keys).values_list("code", "name"))
        codes = {k: k for k in keys}
    result = [
        {"key": codes.get(k, k), "name": names.get(k, k), **counts}
        for k, counts in rows
        if counts["reported"] or counts["open"]  # in the period, or open now
    ]
    return sorted(result, key=lambda r: (-r["reported"], r["key"]))


# -- figures -----------------------------------------------------------------------------
# (key, label, numerator, denominator): a count when the denominator is None.
FIGURES: tuple[tuple[str, Any, str, str | None], ...] = (
    ("reported", gettext_lazy("Reported"), "reported", None),  # 上报量
    ("accepted", gettext_lazy("Accepted"), "accepted", None),  # 受理量
    ("closed", gettext_lazy("Closed"), "closed", None),  # 办结量
    ("closed_rate", gettext_lazy("Closed rate"), "closed", "accepted"),  # 办结率
    ("on_time_rate", gettext_lazy("Closed on time"), "closed_on_time", "closed"),  # 按期办结率
    ("overdue", gettext_lazy("Overdue"), "open_red", None),  # 超期件
    ("rework_rate", gettext_lazy("Rework rate"), "reworked", "closed"),  # 返工率
    ("satisfaction_rate", gettext_lazy("Satisfaction"), "satisfied", "called_back"),  # 满意率
    ("response_rate", gettext_lazy("Response rate"), "accepted_on_time", "accepted"),  # 响应率
)
COMMAND: tuple[tuple[str, Any, str, str | None], ...] = (
    ("open_reported", gettext_lazy("Waiting to be accepted"), "open_reported", None),
    ("open_accepted", gettext_lazy("Waiting to be dispatched"), "open_accepted", None),
    ("open_handling", gettext_lazy("Being handled"), "open_handling", None),
    ("open_checking", gettext_lazy("Waiting to be checked"), "open_checking", None),
    ("open_yellow", gettext_lazy("Yellow alert"), "open_yellow", None),
    ("open_red", gettext_lazy("Red alert"), "open_red", None),
    ("open_supervised", gettext_lazy("Supervised"), "open_supervised", None),
    ("escalated", gettext_lazy("Escalated"), "escalated", None),
    ("self_rate", gettext_lazy("Settled by the grid"), "self_handled", "accepted"),
    ("accurate_rate", gettext_lazy("Dispatched accurately"), "dispatched_accurately", "dispatched"),
)
# The figures a choropleth of child areas can show (dashboard, big screen, main map): key,
# label, whether a rate.
CHOROPLETH = [(key, label, den is not None) for key, label, _n, den in FIGURES]


def rate_text(part: int, whole: int) -> str:
    """ "20,997 / 21,140 = 99.3%" (half up, one decimal); "0 / 0 = —" with no denominator."""
    return f"{part:,} / {whole:,} = {percent(part, whole)}"


def percent(part: int, whole: int) -> str:
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}%"


def rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def figures(
    counts: dict[str, int], spec: tuple[tuple[str, Any, str, str | None], ...] = FIGURES
) -> list[dict[str, Any]]:
    """The figures of a set of counts: value, and for rates numerator, denominator, text."""
    result = []
    for key, label, num, den in spec:
        item: dict[str, Any] = {"key": key, "label": str(label)}
        if den is None:
            item.update(value=counts[num], text=f"{counts[num]:,}")
        else:
            item.update(
                value=rate(counts[num], counts[den]),
                numerator=counts[num],
                denominator=counts[den],
                text=rate_text(counts[num], counts[den]),
            )
        result.append(item)
    return result


def settled_levels(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Closed events by the level that settled them (五级: micro-grid … district)."""
    from wangge.regions.levels import depth, level_name

    return [
        {"level": n, "name": level_name(n), "closed": counts[f"settled_{n}"]}
        for n in range(min(depth(), MAX_LEVELS), 0, -1)
    ]


def chain(area: Area) -> list[Area]:
    """The area's live chain from the top (no geometry)."""
    return list(
        Area.objects.filter(path__in=area.chain_paths()).live().defer("geometry").order_by("level")
    )


def breadcrumb(
    area: Area,
    user: Actor,
    paths: list[str] | bool | None = False,
    areas: list[Area] | None = None,
) -> list[Area]:
    """The area's chain from the highest one the user sees. `paths`: the user's visible
    paths when already read (`Filters.paths`); `areas`: the chain when already read."""
    if paths is False:
        paths = visible_paths(user)
    shown = chain(area) if areas is None else areas
    return [
        a
        for a in shown
        if paths is None or (isinstance(paths, list) and any(a.path.startswith(p) for p in paths))
    ]


# -- points for the maps (from the facts: never the event table) ---------------------------
HEAT_CELLS = 5000  # the densest cells of a heat map (~200 m each)
HEAT_SCALE = 500  # cells per degree
# Open events drawn on a map at most (the newest; the map notes when there are more): a
# clustered layer of a district, and ~40 bytes of JSON each.
OPEN_POINTS = 2000


def _fact_area_q(area: Area) -> Q:
    if area.level > MAX_LEVELS:  # deeper than the facts keep: nothing (never a wider area)
        return Q(pk__in=[])
    return Q(**{f"area_{area.level}": area.pk})


def heat(f: Filters) -> dict[str, Any]:
    """`points`: [lat, lon, weight] of the densest cells with events reported in the period
    (the filters apply), weight 0..1 of the densest; `capped`: more cells had events than
    the HEAT_CELLS drawn (the sparsest are left out)."""
    from django.db.models import F, IntegerField
    from django.db.models.functions import Cast, Floor

    qs = EventFact.objects.filter(
        _fact_area_q(f.area),
        day__gte=f.date_from,
        day__lte=f.date_to,
        reported=True,
        lon__isnull=False,
        lat__isnull=False,
    )
    for dimension, key in _filter_keys(f).items():
        qs = qs.filter(**{_FACT_KEY[dimension]: None if key == "0" else key})
    cells = list(
        qs.annotate(
            x=Cast(Floor(F("lon") * HEAT_SCALE), IntegerField()),
            y=Cast(Floor(F("lat") * HEAT_SCALE), IntegerField()),
        )
        .values("x", "y")
        .annotate(n=Count("pk"))
        .order_by("-n", "x", "y")[: HEAT_CELLS + 1]
        .values_list("x", "y", "n")
    )
    capped = len(cells) > HEAT_CELLS
    cells = cells[:HEAT_CELLS]
    top = max((n for _x, _y, n in cells), default=1)
    points = [
        [round((y + 0.5) / HEAT_SCALE, 5), round((x + 0.5) / HEAT_SCALE, 5), round(n / top, 3)]
        for x, y, n in cells
    ]
    return {"points": points, "capped": capped, "limit": HEAT_CELLS}


def open_points(area: Area) -> dict[str, Any]:
    """`items`: the open events of an area with a place, stage and alert (the newest
    OPEN_POINTS); `capped`: there are more (the older ones are not drawn). One query: each
    fact's event code by a correlated lookup on the event's primary key."""
    from django.db.models import OuterRef, Subquery

    from wangge.events.models import Event

    code = Event.objects.filter(pk=OuterRef("event_id")).order_by().values("code")[:1]
    rows = list(
        EventFact.objects.filter(_fact_area_q(area), open=True, lon__isnull=False)
        .annotate(code=Subquery(code))
        .order_by("-reported_at")
        .values_list("code", "lon", "lat", "status", "open_red", "open_yellow")[: OPEN_POINTS + 1]
    )
    capped = len(rows) > OPEN_POINTS
    items = [
        {
            "code": code,
            "lon": lon,
            "lat": lat,
            "status": status,
            "alert": "red" if red else "yellow" if yellow else "",
        }
        for code, lon, lat, status, red, yellow in rows[:OPEN_POINTS]
        if code is not None  # the event is gone
    ]
    return {"items": items, "capped": capped, "limit": OPEN_POINTS}


# -- the cases behind a figure (the event list's `fact` filter) ----------------------------
def fact_event_ids(
    *,
    flag: str,
    area: Area | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    category: Category | None = None,
    channel: str = "",
    department: Department | None = None,
) -> Any:
    """The ids of the events a figure counts (a subquery for the scoped event list): the
    facts with `flag` (a MEASURES name) in the area's subtree, reported in the days, of the
    category (class or sub-category), channel and lead department. Read from the same facts
    as the rollups, so the list holds exactly the figure's cases (as of the last fill)."""
    if flag not in MEASURES:
        raise DomainError.one(_("Unknown figure %(f)s.") % {"f": flag}, field="fact")
    qs = EventFact.objects.filter(**{flag: True})
    if area is not None:
        qs = qs.filter(_fact_area_q(area))
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    if category is not None:
        column = "category_class_id" if category.parent_id is None else "category_id"
        qs = qs.filter(**{column: category.pk})
    if channel:
        qs = qs.filter(channel=channel)
    if department is not None:
        qs = qs.filter(department_id=department.pk)
    return qs.order_by().values("event_id")
