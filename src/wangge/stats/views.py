"""The dashboard (/dashboard/) and the big screen (/dashboard/screen/): thin views over
`dashboard`, reading only rollups."""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.events.models import Category, Department
from wangge.intake.models import Channel
from wangge.pages import scoped_page
from wangge.stats import dashboard, export, modules, selectors

CHOROPLETH = selectors.CHOROPLETH
FILTER_KEYS = ("period", "date_from", "date_to", "category", "channel", "department")


def _date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError.one(_("Not a date (YYYY-MM-DD)."), field=field) from None


def _filters(request: HttpRequest) -> selectors.Filters:
    g = request.GET
    period = g.get("period", "month") or "month"
    if period not in selectors.PERIODS:
        raise DomainError.one(_("Unknown period %(p)s.") % {"p": period}, field="period")
    date_from, date_to = (
        _date(g.get("date_from", ""), "date_from"),
        _date(g.get("date_to", ""), "date_to"),
    )
    return selectors.resolve(
        request.user,
        area=g.get("area", "").strip(),
        period="custom" if period == "custom" else period,
        date_from=date_from if period == "custom" else None,
        date_to=date_to if period == "custom" else None,
        category=g.get("category", "").strip(),
        channel=g.get("channel", "").strip(),
        department=g.get("department", "").strip(),
    )


def _context(request: HttpRequest, f: selectors.Filters) -> dict[str, Any]:
    kept = {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
    mark = dashboard.fill_mark()  # read once: the figures below are kept per fill state
    children = dashboard.children(f, mark)
    trend = dashboard.trend(f, mark)
    # The three breakdowns in one statement (the departments' table is the third).
    by = dashboard.breakdowns(f, ["channel", "category", "department"], mark)
    # The charts show what was reported in the period (a row may hold only open-now cases).
    channels = [r for r in by["channel"] if r["reported"]]
    categories = [r for r in by["category"] if r["reported"]][:10]
    overview = dashboard.overview(f, mark)
    return {
        "f": f,
        "mark": mark,
        "overview": overview,
        "modules": modules.all_modules(f, overview["counts"], mark),
        "children": children,
        "channels": channels,
        "categories": categories,
        "departments": dashboard.departments(f, mark, by["department"]),
        "fed": dashboard.fed(f, mark),
        "grid_modules": dashboard.grid_modules(f, mark),
        "breadcrumb": dashboard.breadcrumb(f, request.user, mark),
        "kept": urlencode(kept),
        "choropleth_figures": CHOROPLETH,
        # The maps' caps, for the note shown when a layer holds only part of its points.
        "heat_limit": f"{selectors.HEAT_CELLS:,}",
        "open_limit": f"{selectors.OPEN_POINTS:,}",
        "period": request.GET.get("period", "month") or "month",
        "periods": [
            ("today", _("Today")),
            ("7d", _("7 days")),
            ("month", _("This month")),
            ("quarter", _("This quarter")),
            ("year", _("This year")),
            ("custom", _("Custom")),
        ],
        # For the ECharts charts (json_script).
        "chart": {
            "days": [str(r["day"]) for r in trend],
            "reported": [r["reported"] for r in trend],
            "closed": [r["closed"] for r in trend],
            "channels": [{"name": r["name"], "value": r["reported"]} for r in channels],
            "categories": [[r["name"], r["reported"]] for r in categories],
            "children": [
                [c["name"], c["counts"]["reported"], c["figures"]["closed_rate"]["value"]]
                for c in children
            ],
            # The list behind each chart element (a click on it opens the list).
            "urls": {
                "reported": [r["reported_url"] for r in trend],
                "closed": [r["closed_url"] for r in trend],
                "channels": [r["url"] for r in channels],
                "categories": [r["url"] for r in categories],
                "children": [c["url"] for c in children],
            },
            "labels": {"reported": _("Reported"), "closed": _("Closed")},
            # The choropleth: each child's figures by code (value and text).
            "areas": {
                c["code"]: {
                    "name": c["name"],
                    **{
                        k: [c["figures"][k]["value"], c["figures"][k]["text"]]
                        for k, _label, _rate in CHOROPLETH
                    },
                }
                for c in children
            },
        },
    }


def _choices() -> dict[str, list[dict[str, Any]]]:
    """The filter form's choices (category classes, channels, departments: id, code and
    name, by code) in one statement; the page keeps them per fill state like the names
    beside the figures (`dashboard.once`)."""
    found: dict[str, list[dict[str, Any]]] = {
        "category_choices": [],
        "channel_choices": [],
        "department_choices": [],
    }
    parts = [
        (Category.objects.filter(parent__isnull=True), "category_choices"),
        (Channel.objects.all(), "channel_choices"),
        (Department.objects.all(), "department_choices"),
    ]
    kinds = [
        qs.filter(active=True).order_by().values("pk", "code", "name", kind=Value(name))
        for qs, name in parts
    ]
    for row in kinds[0].union(*kinds[1:], all=True):
        found[row.pop("kind")].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r["code"])
    return found


@scoped_page
def dashboard_page(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    context = _context(request, f)
    context.update(dashboard.once("choices", f, context["mark"], _choices))
    template = (
        "stats/_dashboard.html" if request.headers.get("HX-Request") else "stats/dashboard.html"
    )
    return render(request, template, context)


@scoped_page
def screen_page(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/screen.html", _context(request, _filters(request)))


@scoped_page
def export_view(request: HttpRequest) -> HttpResponse:
    """The current view (same area and filters) as an xlsx workbook."""
    f = _filters(request)
    data = export.workbook(f, _context(request, f))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"dashboard-{f.area.code}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
