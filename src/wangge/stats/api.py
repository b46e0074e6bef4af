"""Figures over HTTP: the same filters and numbers as the dashboard (all from rollups)."""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.renderers import JSONRenderer

from wangge.intake.api import KEY_PARAMETER, _body, _channel, _json_object
from wangge.stats import dashboard, feeds, modules, selectors

router = Router(tags=["stats"])


class StatsFilters(Schema):
    area: str = ""  # an area code; default: the area of the user's widest post
    period: Literal["today", "7d", "month", "quarter", "year", "custom"] = "month"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category: str = ""  # a category class (大类) code
    channel: str = ""
    department: str = ""  # the lead department's code


def _filters(request: HttpRequest, q: StatsFilters) -> selectors.Filters:
    return selectors.resolve(request.user, **q.dict())


@router.get("/stats/overview")
def stats_overview(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """总体态势 and 指挥调度 of an area: counts, rates written as "a / b = r%", the previous
    period's values, closed events by the level that settled them, and each figure's event
    list URL."""
    return dashboard.overview(_filters(request, q))


@router.get("/stats/children")
def stats_children(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """The same figures for each child area (drill-down, choropleth)."""
    return {"items": dashboard.children(_filters(request, q))}


@router.get("/stats/trend")
def stats_trend(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """Reported, accepted and closed per day of the period."""
    return {"items": dashboard.trend(_filters(request, q))}


@router.get("/stats/breakdown/{dimension}")
def stats_breakdown(
    request: HttpRequest,
    dimension: Literal["category", "channel", "department"],
    q: Query[StatsFilters],
) -> dict[str, Any]:
    """Counts by category class, channel (多网合一) or lead department, largest first, each
    with the URL of the events it counts."""
    return {"items": dashboard.breakdown(_filters(request, q), dimension)}


@router.get("/stats/modules")
def stats_modules(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """网格联动 (1+1+N staffing, visits, patrols, inspections, must-attend on time, self-settled
    share), 党建引领 (branches, members, report-ins this year, members below two), 专项行动
    (campaigns in progress: coverage, missing) and 综合执法 (law-enforcement events, joint
    dispatches and their on-time rates); each figure with the URL of the list behind it."""
    f = _filters(request, q)
    mark = dashboard.fill_mark()
    # The law-enforcement totals (综合执法) are read along, in the same statement.
    counts, _law = dashboard.totals_of([f, dashboard.law_enforcement(f)], mark)
    return modules.all_modules(f, counts, mark)


@router.get("/stats/heat")
def stats_heat(request: HttpRequest, q: Query[StatsFilters]) -> HttpResponse:
    """The heat map of the events reported in the period: `points`, `[lat, lon, weight]` of
    the densest cells (~200 m, `limit` = 5,000 at most), weight 1 for the densest; `capped`
    is true when more cells had events (the map says so)."""
    f = _filters(request, q)
    return _json(request, "heat", f, lambda: selectors.heat(f))


@router.get("/stats/open-events")
def stats_open_events(request: HttpRequest, area: str = "") -> HttpResponse:
    """The open events of an area with a place (`items`, the newest `limit` = 2,000): code,
    lon, lat, status and alert (red, yellow or none), for the map's clustered event layer;
    `capped` is true when there are more (the map says so)."""
    f = selectors.resolve(request.user, area=area)
    return _json(request, "open-events", f, lambda: selectors.open_points(f.area))


def _json(
    request: HttpRequest, kind: str, f: selectors.Filters, compute: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """A map layer's answer kept as its JSON per fill state (`dashboard.once`): its
    thousands of points are not checked and encoded again on every view."""
    renderer = JSONRenderer()
    content = dashboard.once(
        f"{kind}-json", f, None, lambda: renderer.render(request, compute(), response_status=200)
    )
    return HttpResponse(content, content_type=f"{renderer.media_type}; charset={renderer.charset}")


@router.get("/stats/status")
def stats_status(request: HttpRequest) -> dict[str, Any]:
    """How far the figures are filled, and whether they lag past the limit."""
    from wangge.stats import fill

    state = fill.status()
    return {k: v for k, v in state.items() if k != "position"}


@router.post(
    "/stats/indicators",
    auth=None,
    summary="Push daily values of an indicator per area (channel API key); the same"
    " indicator, area and day again replaces the value",
    openapi_extra=KEY_PARAMETER,
)
def push_indicator(request: HttpRequest) -> dict[str, Any]:
    """Body: `{"indicator": CODE, "values": [{"area": CODE, "day": "YYYY-MM-DD", "value": 12.5},
    …]}` (1,000 values at most). All or nothing: a bad value is 422 naming it and why."""
    channel = _channel(request)
    return feeds.push(channel, _json_object(_body(request)))


@router.get("/stats/indicators")
def stats_indicators(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """审批服务, 经济发展, 智慧文旅, 综合执法: the fed indicators of the area and period,
    added up as each declares (category, channel and department do not apply)."""
    f = _filters(request, q)
    return {"modules": feeds.figures(f.area, f.date_from, f.date_to)}


@router.get("/stats/activities")
def stats_activities(request: HttpRequest, q: Query[StatsFilters]) -> dict[str, Any]:
    """党建引领, 网格联动: the grid activities of the area and period (category, channel and
    department do not apply)."""
    return {"modules": dashboard.grid_modules(_filters(request, q))}
