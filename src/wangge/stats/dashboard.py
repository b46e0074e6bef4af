"""What the dashboard, the big screen and the API show for one set of filters: built once
here, so the pages and /api/stats/… give the same numbers. A fixed number of queries,
whatever the number of events (everything is read from the rollups)."""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote_plus

from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.events.models import BuiltinChannel
from wangge.notices import activities
from wangge.regions.models import Area
from wangge.stats import feeds, selectors
from wangge.stats.fieldwork_rollups import STATE as FIELDWORK_STATE
from wangge.stats.fill import STATE
from wangge.stats.models import FillState
from wangge.stats.staffing import STATE as STAFFING_STATE


def asof() -> datetime | None:
    """The moment the figures are filled to ("数据截至 HH:MM")."""
    return (
        FillState.objects.filter(name=STATE, position__gte=0).values_list("asof", flat=True).first()
    )


# -- one fill's figures, computed once ------------------------------------------------------
# Facts and rollups change only when a fill step or a rebuild commits, and each moves the fill
# state (its position, asof and last_modified) in the same transaction: what is read from them
# for a set of filters is the same until the state moves. So the pages and the API keep it in
# Django's cache under the state, for CACHE_SECONDS at most (the names of areas, categories,
# channels and departments shown beside the numbers may lag that much behind a rename).
CACHE_SECONDS = 60
T = TypeVar("T")


Mark = tuple[Any, ...]


def fill_mark() -> Mark:
    """The fill states the figures are read at, the events', fieldwork's and staffing's (name,
    position, asof, last_modified each); () before the events' first fill."""
    rows = list(
        FillState.objects.filter(name__in=(STATE, FIELDWORK_STATE, STAFFING_STATE), position__gte=0)
        .order_by("name")
        .values_list("name", "position", "asof", "last_modified")
    )
    return tuple(rows) if any(row[0] == STATE for row in rows) else ()


def once(kind: str, f: selectors.Filters, mark: Mark | None, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for the same `kind`, filters and fill state (`mark`;
    None: read it now). Not kept before the first fill."""
    if mark is None:
        mark = fill_mark()
    if not mark:
        return compute()
    key = _cache_key(kind, f, mark)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value  # type: ignore[no-any-return]


def _cache_key(kind: str, f: selectors.Filters, mark: Mark) -> str:
    parts = (
        kind,
        *mark,
        f.area.pk,
        f.date_from,
        f.date_to,
        f.category.pk if f.category else "",
        f.channel,
        f.department.pk if f.department else "",
        f.months,
    )
    return "stats:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def once_many(
    kind: Callable[[selectors.Filters, str], str],
    items: list[tuple[selectors.Filters, str]],
    mark: Mark | None,
    compute: Callable[[list[tuple[selectors.Filters, str]]], list[T]],
) -> list[T]:
    """`once` for several (filters, name) items together: those not kept yet are computed
    by one call of `compute` (one statement for all of them, where it can)."""
    if mark is None:
        mark = fill_mark()
    if not mark:
        return compute(items)
    keys = [_cache_key(kind(f, name), f, mark) for f, name in items]
    found = cache.get_many(keys)
    missing = [n for n, key in enumerate(keys) if key not in found]
    if missing:
        computed = compute([items[n] for n in missing])
        fresh = {keys[n]: value for n, value in zip(missing, computed, strict=True)}
        cache.set_many(fresh, CACHE_SECONDS)
        found.update(fresh)
    return [found[key] for key in keys]


def asof_local(mark: Mark | None = None) -> datetime | None:
    """The figures' "数据截至 HH:MM" in local time, as the dashboard shows it: the events'
    fill state in `mark` (None: read it now, one query); None before the first fill."""
    filled = asof() if mark is None else next((r[2] for r in mark if r[0] == STATE), None)
    return timezone.localtime(filled) if filled else None


def lateness(filled: datetime | None) -> dict[str, Any]:
    """Whether the figures lag more than WANGGE_STATS_LATE_SECONDS behind now (or were never
    filled): the pages say so above the figures."""
    limit = settings.WANGGE_STATS_LATE_SECONDS
    behind = None if filled is None else (timezone.now() - filled).total_seconds()
    return {
        "late": behind is None or behind > limit,
        "lag_minutes": None if behind is None else int(behind // 60),
        "late_limit_minutes": int(limit // 60),
    }


def events_url(f: selectors.Filters, flag: str = "reported", area: Any = None, **extra: str) -> str:
    """The scoped event list of exactly the cases a figure counts: the same area subtree,
    period, category, channel and lead department, and the figure's flag of the facts
    (`fact=closed`, `fact=open_red`…; an open-now flag over every report day). `extra`
    replaces filters (a day, a channel…)."""
    query = {**f.event_query(area), "fact": flag}
    if flag in selectors.OPEN_MEASURES:  # open now, whenever reported: every report day
        del query["date_from"], query["date_to"]
    query.update(extra)
    # What urlencode gives, with each path and value quoted once per process: a year's
    # trend links ~1,100 lists, and reverse() and quote_plus() were half the page's time.
    return _events_path() + "?" + "&".join(k + "=" + _quoted(v) for k, v in query.items())


@functools.lru_cache(maxsize=4096)
def _quoted(value: str) -> str:
    return quote_plus(value)


def _events_path() -> str:
    key = (get_urlconf(), get_script_prefix())
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = reverse("web:events")
    return path


_PATHS: dict[tuple[Any, str], str] = {}


# Each figure's flags: the numerator (its link) and, for a rate, the denominator.
SPECS = {key: (num, den) for key, _label, num, den in (*selectors.FIGURES, *selectors.COMMAND)}


def _linked(
    f: selectors.Filters, items: list[dict[str, Any]], area: Any = None
) -> list[dict[str, Any]]:
    """Each figure with `url`, the list of the cases it counts (a rate's numerator), and a
    rate's `denominator_url`."""
    for item in items:
        num, den = SPECS[item["key"]]
        item["url"] = events_url(f, num, area)
        if den is not None:
            item["denominator_url"] = events_url(f, den, area)
    return items


def overview(f: selectors.Filters, mark: Mark | None = None) -> dict[str, Any]:
    if mark is None:
        mark = fill_mark()
    filled = next((row[2] for row in mark if row[0] == STATE), None)
    return {
        **lateness(filled),
        "asof": timezone.localtime(filled) if filled else None,
        **once("overview", f, mark, lambda: _overview(f, mark)),
    }


def totals(f: selectors.Filters, mark: Mark | None = None) -> dict[str, int]:
    """`selectors.totals`, once per fill state."""
    return once("totals", f, mark, lambda: selectors.totals(f))


def totals_of(many: list[selectors.Filters], mark: Mark | None = None) -> list[dict[str, int]]:
    """`totals` of several filters, those not kept yet read in one statement."""
    return once_many(
        lambda _f, _name: "totals",
        [(f, "") for f in many],
        mark,
        lambda items: selectors.totals_many([f for f, _name in items]),
    )


# The area page's open events: what the command module (指挥调度) counts of them, by stage
# and alert — the whole open backlog, whatever the period (`selectors.OPEN_MEASURES`).
OPEN_FIGURES = (
    "open",
    "open_reported",
    "open_accepted",
    "open_handling",
    "open_checking",
    "open_yellow",
    "open_red",
)


def open_events(area: Area, mark: Mark | None = None) -> list[dict[str, Any]]:
    """The area's open events, in all and by stage and alert (`key`, `label`, `value`,
    `text`), each with `url`: the scoped event list of those cases (the area's subtree, the
    fact's flag, any report day)."""
    today = timezone.localdate()
    f = selectors.Filters(area, today, today)
    counts = totals(f, mark)
    labels = {key: label for key, label, _num, _den in selectors.COMMAND}
    labels["open"] = _("Open events")
    return [
        {
            "key": key,
            "label": str(labels[key]),
            "value": counts[key],
            "text": f"{counts[key]:,}",
            "url": events_url(f, key),
        }
        for key in OPEN_FIGURES
    ]


def law_enforcement(f: selectors.Filters) -> selectors.Filters:
    """The filters of the 综合执法 module's events: the law-enforcement channel."""
    return replace(f, channel=BuiltinChannel.LAW_ENFORCEMENT.value)


def _overview(f: selectors.Filters, mark: Mark) -> dict[str, Any]:
    # The law-enforcement totals are read along for the module (`modules.enforcement`).
    counts, before, _law = totals_of([f, f.previous(), law_enforcement(f)], mark)
    previous = {x["key"]: x for x in selectors.figures(before)}
    figures = _linked(f, selectors.figures(counts))
    for item in figures:
        if SPECS[item["key"]][0] in selectors.OPEN_MEASURES:
            # A count of now: an earlier period has no count of its own to compare with.
            item["previous"] = item["previous_text"] = None
            continue
        item["previous"] = previous[item["key"]]["value"]
        item["previous_text"] = previous[item["key"]]["text"]
    return {
        "area": {"code": f.area.code, "name": f.area.name, "level": f.area.level},
        "date_from": f.date_from,
        "date_to": f.date_to,
        "previous_from": f.previous().date_from,
        "previous_to": f.previous().date_to,
        "figures": figures,
        "command": _linked(f, selectors.figures(counts, selectors.COMMAND)),
        "settled": [
            {**s, "url": events_url(f, f"settled_{s['level']}")}
            for s in selectors.settled_levels(counts)
        ],
        "counts": counts,
    }


def _item(code: str, name: str, value: int, unit: str) -> dict[str, Any]:
    return {"code": code, "name": name, "unit": unit, "value": value, "text": f"{value:,}"}


def grid_modules(f: selectors.Filters, mark: Mark | None = None) -> list[dict[str, Any]]:
    """The 党建引领 and 网格联动 modules, from the grid activities (notices.activities) over
    the area and period, shaped like the fed modules. Three queries, kept per fill state like
    the fieldwork modules (`modules.all_modules`: as of the page's "figures as of")."""
    return once("activities", f, mark, lambda: _grid_modules(f))


def _grid_modules(f: selectors.Filters) -> list[dict[str, Any]]:
    grid = activities.figures(f.area, f.date_from, f.date_to, children=False)[0]
    party = activities.party_figures(f.area, f.date_from, f.date_to)
    times, people = _("times"), _("people")
    return [
        {
            "key": "party",
            "label": _("Party leadership"),
            "items": [
                _item("party_sessions", _("Activities with party members"), party.sessions, times),
                _item("party_members", _("Party members involved"), party.members, people),
                _item("report_ins", _("Report-ins at grids"), party.report_ins, times),
            ],
        },
        {
            "key": "linkage",
            "label": _("Grid linkage"),
            "items": [
                _item("sessions", _("Activities held"), grid.sessions, times),
                _item("grids_covered", _("Grids covered"), grid.grids_covered, _("grids")),
                _item(
                    "people_reached", _("People reached"), grid.people_reached, _("person-times")
                ),
                _item("participants", _("Participants"), grid.participants, _("person-times")),
            ],
        },
    ]


def children(f: selectors.Filters, mark: Mark | None = None) -> list[dict[str, Any]]:
    return once("children", f, mark, lambda: _children(f))


def _children(f: selectors.Filters) -> list[dict[str, Any]]:
    rows = []
    for area, counts in selectors.children(f):
        rows.append(
            {
                "code": area.code,
                "name": area.name,
                "figures": {x["key"]: x for x in _linked(f, selectors.figures(counts), area)},
                "counts": counts,
                "url": events_url(f, area=area),
            }
        )
    return rows


def trend(f: selectors.Filters, mark: Mark | None = None) -> list[dict[str, Any]]:
    return once("trend", f, mark, lambda: _trend(f))


# Stand-ins (quoted as %01 and %02) for a figure's flag and a day in one event-list URL
# built once, then filled for each day of a trend: a year's trend links ~1,100 lists.
_FLAG, _DAY = "\x01", "\x02"


def _trend(f: selectors.Filters) -> list[dict[str, Any]]:
    rows = []
    url = events_url(f, _FLAG, date_from=_DAY, date_to=_DAY)
    quoted_flag, quoted_day = _quoted(_FLAG), _quoted(_DAY)
    links = {flag: url.replace(quoted_flag, flag) for flag in ("reported", "accepted", "closed")}
    for day, c in selectors.trend(f):
        iso = day.isoformat()
        rows.append(
            {
                "day": day,
                "reported": c["reported"],
                "accepted": c["accepted"],
                "closed": c["closed"],
                "reported_url": links["reported"].replace(quoted_day, iso),
                "accepted_url": links["accepted"].replace(quoted_day, iso),
                "closed_url": links["closed"].replace(quoted_day, iso),
            }
        )
    return rows


def breakdown(
    f: selectors.Filters, dimension: str, mark: Mark | None = None
) -> list[dict[str, Any]]:
    """`selectors.breakdown` with each row's list of the events it counts (reported)."""
    return once(f"breakdown-{dimension}", f, mark, lambda: _breakdown(f, dimension))


def breakdowns(
    f: selectors.Filters, dimensions: list[str], mark: Mark | None = None
) -> dict[str, list[dict[str, Any]]]:
    """`breakdown` by each dimension, those not kept yet read in one statement."""

    def compute(items: list[tuple[selectors.Filters, str]]) -> list[list[dict[str, Any]]]:
        read = selectors.breakdowns(f, [name for _f, name in items])
        return [_breakdown(f, name, read[name]) for _f, name in items]

    rows = once_many(
        lambda _f, name: f"breakdown-{name}", [(f, d) for d in dimensions], mark, compute
    )
    return dict(zip(dimensions, rows, strict=True))


def _breakdown(
    f: selectors.Filters, dimension: str, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    if rows is None:
        rows = selectors.breakdown(f, dimension)
    for row in rows:
        if dimension == "department" and not row["key"]:
            continue  # not dispatched: no department to filter by
        row["url"] = events_url(f, "reported", **{dimension: row["key"]})
    return rows


DEPARTMENT_FLAGS = ("dispatched", "open", "dispatched_accurately", "handled", "handled_on_time")


def departments(
    f: selectors.Filters, mark: Mark | None = None, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """`rows`: the breakdown by department when already read (`breakdowns`)."""
    return once("departments", f, mark, lambda: _departments(f, rows))


def _departments(
    f: selectors.Filters, read: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Lead departments with their load, accurate-dispatch and on-time rates, each count
    linked to its cases."""
    rows = []
    for row in selectors.breakdown(f, "department") if read is None else read:
        if not row["key"]:
            continue  # not dispatched
        links = {
            f"{flag}_url": events_url(f, flag, department=row["key"]) for flag in DEPARTMENT_FLAGS
        }
        rows.append(
            {
                **row,
                **links,
                "accurate_text": selectors.rate_text(
                    row["dispatched_accurately"], row["dispatched"]
                ),
                "on_time_text": selectors.rate_text(row["handled_on_time"], row["handled"]),
                "url": links["dispatched_url"],
            }
        )
    return rows


def fed(f: selectors.Filters, mark: Mark | None = None) -> list[dict[str, Any]]:
    """`feeds.figures` of the area and period, once per fill state and push (a push moves
    `feeds.VERSION`, so a pushed value shows on the next view)."""
    version = cache.get(feeds.VERSION, 0)
    return once(f"fed-{version}", f, mark, lambda: feeds.figures(f.area, f.date_from, f.date_to))


def breadcrumb(f: selectors.Filters, user: Actor, mark: Mark | None = None) -> list[Any]:
    """`selectors.breadcrumb`: the area's chain kept per fill state (the names may lag a
    rename by CACHE_SECONDS, as beside the figures), the posts as `resolve` read them."""
    chain = once("chain", f, mark, lambda: selectors.chain(f.area))
    return selectors.breadcrumb(f.area, user, paths=f.paths, areas=chain)
