"""The command centre's list as the queue selects it, and that list as an xlsx sheet: one
reading of the filters for the page and for the export the worker prepares."""

import io
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.actors import Actor
from wangge.events import selectors, workflow
from wangge.events.models import Category, Department, Event, OrderRole, WorkOrder
from wangge.intake.services import channel_label
from wangge.regions.models import Area
from wangge.stats import selectors as stats_selectors
from wangge.stats.models import MAX_LEVELS
from wangge.web import forms as web_forms

DEFAULT_TAB = "reported"
EXPORT_LIMIT = 20000  # rows in one xlsx export: a wider list is narrowed by its filters first
CHUNK = 1000

TAB_LABELS: dict[str, Any] = {
    "reported": gettext_lazy("To accept"),
    "accepted": gettext_lazy("To dispatch"),
    "handling": gettext_lazy("Being handled"),
    "handled": gettext_lazy("To verify"),
    "verified": gettext_lazy("To close"),
    "callback": gettext_lazy("To call back"),
    "overdue": gettext_lazy("Overdue"),
    "supervised": gettext_lazy("Supervised"),
    "all": gettext_lazy("All"),
}

EXPORT_COLUMNS = [
    gettext_lazy("Tracking code"),
    gettext_lazy("Title"),
    gettext_lazy("Category"),
    gettext_lazy("Priority"),
    gettext_lazy("Channel"),
    gettext_lazy("Source order number"),
    gettext_lazy("Grid area"),
    gettext_lazy("Status"),
    gettext_lazy("Holding department"),
    gettext_lazy("Deadline"),
    gettext_lazy("Reported at"),
]


def queue_events(
    user: Actor, data: Mapping[str, Any]
) -> tuple[web_forms.EventFilterForm, str, QuerySet[Event]]:
    """The filter form, the tab shown and the events it selects. A search spans every tab."""
    form = web_forms.EventFilterForm(data)
    form.is_valid()  # a bad field is dropped from cleaned_data and named on the page
    f = form.cleaned_data
    text = (f.get("q") or "").strip() or None
    tab = "all" if text else f.get("tab") or DEFAULT_TAB
    fact = f.get("fact") or None
    among = None
    by = {
        "category": f.get("category") or None,
        "channel": f.get("channel") or None,
        "date_from": f.get("date_from"),
        "date_to": f.get("date_to"),
        "area": f.get("area") or None,
        "department": f.get("department") or None,
    }
    if fact:  # the cases behind a dashboard figure: its filters apply to the figures' facts
        among, by = _fact_cases(fact, by)
    events = selectors.event_list(
        user=user,
        tab=tab,
        text=text,
        status=f.get("status") or None,
        joint=f.get("joint") or None,
        settled=f.get("settled") or None,
        among=among,
        **by,
    )
    events = selectors.sort_events(events, f.get("sort") or None).prefetch_related(
        Prefetch(
            "orders",
            queryset=WorkOrder.objects.filter(status__in=workflow.OPEN_ORDER_STATUSES)
            .select_related("department")
            .order_by("id"),
            to_attr="open_orders",
        )
    )
    return form, tab, events


def _fact_cases(fact: str, by: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The ids of the events the figure `fact` counts under the other filters (read from the
    figures' facts, as the figure was), and the filters left for the event list: an area
    deeper than the facts keep stays an event-list filter."""
    area = by["area"] and Area.objects.live().defer("geometry").filter(code=by["area"]).first()
    category = by["category"] and Category.objects.filter(code=by["category"]).first()
    department = by["department"] and Department.objects.filter(code=by["department"]).first()
    among = stats_selectors.fact_event_ids(
        flag=fact,
        area=area if area and area.level <= MAX_LEVELS else None,
        date_from=by["date_from"],
        date_to=by["date_to"],
        category=category or None,
        channel=by["channel"] or "",
        department=department or None,
    )
    left = dict.fromkeys(by)
    if by["area"] and not (area and area.level <= MAX_LEVELS):
        left["area"] = by["area"]  # unknown or deeper: the list filters it (or finds nothing)
    if by["category"] and not category:
        left["category"] = by["category"]
    if by["department"] and not department:
        left["department"] = by["department"]
    return among, left


def holding(event: Event) -> str:
    """The department holding the event: its open lead order's (then the assists')."""
    orders = sorted(getattr(event, "open_orders", []), key=lambda o: o.role != OrderRole.LEAD)
    return "、".join(o.department.name for o in orders)


def events_workbook(
    events: QuerySet[Event], progress: Callable[[int, int | None], None] | None = None
) -> bytes:
    """The list as an xlsx sheet, in the list's order (up to EXPORT_LIMIT rows); `progress`
    (rows done, rows in all) is told every CHUNK rows."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Events"))
    sheet.append([str(c) for c in EXPORT_COLUMNS])

    def local(value: datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    total = min(events.count(), EXPORT_LIMIT) if progress is not None else None
    done = 0
    for start in range(0, EXPORT_LIMIT, CHUNK):
        chunk = list(events[start : min(start + CHUNK, EXPORT_LIMIT)])
        for e in chunk:
            sheet.append(
                [
                    e.code,
                    e.title,
                    e.category.name,
                    str(e.get_priority_display()),
                    channel_label(e.channel),
                    e.source_ref,
                    e.area.name,
                    str(e.get_status_display()),
                    holding(e),
                    local(e.deadline),
                    local(e.reported_at),
                ]
            )
        done += len(chunk)
        if progress is not None:
            progress(done, total)
        if len(chunk) < CHUNK:
            break
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
