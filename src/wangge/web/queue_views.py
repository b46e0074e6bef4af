"""The command centre's seat: the queue with its tabs, search, sort, export, bulk actions,
and the live counts that announce new reports.

Thin, like the event pages: filters through the selectors, every move through the workflow
(a bulk action is the single action once per event, each refused one named).
"""

import io
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from wangge.errors import DomainError
from wangge.events import figures, selectors, workflow
from wangge.events.models import (
    BuiltinChannel,
    Category,
    Department,
    Event,
    OrderRole,
    WorkOrder,
)
from wangge.intake.services import channel_label
from wangge.regions.models import Area
from wangge.stats import selectors as stats_selectors
from wangge.stats.models import MAX_LEVELS
from wangge.web import forms as web_forms

PAGE_SIZE = 50
EXPORT_LIMIT = 20000  # rows in one xlsx export: a wider list is narrowed by its filters first
BULK_LIMIT = 200

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
DEFAULT_TAB = "reported"
# Filters only a dashboard figure's link sets (no field of the form shows them).
FIGURE_FILTERS = ("fact", "area", "department", "status", "joint", "settled")
# Sortable columns: column → sort name (selectors.SORTS); a second click reverses it.
SORTABLE = ("code", "category", "priority", "channel", "area", "status", "deadline", "reported")


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def time_left(deadline: datetime | None, now: datetime) -> str:
    """ "2天3小时", "45分钟", "超期 1天2小时": the time to a deadline, as a seat reads it."""
    if deadline is None:
        return "—"
    seconds = int((deadline - now).total_seconds())
    span = timedelta(seconds=abs(seconds))
    days, hours, minutes = span.days, span.seconds // 3600, span.seconds % 3600 // 60
    if days:
        text = _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)sh %(m)smin") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)smin") % {"m": minutes}
    return _("overdue %(t)s") % {"t": text} if seconds < 0 else text


def _filtered(request: HttpRequest) -> tuple[web_forms.EventFilterForm, str, QuerySet[Event]]:
    """The filter form, the tab shown and the events it selects. A search spans every tab."""
    form = web_forms.EventFilterForm(request.GET)
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
        user=request.user,
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


def _holding(event: Event) -> str:
    """The department holding the event: its open lead order's (then the assists')."""
    orders = sorted(getattr(event, "open_orders", []), key=lambda o: o.role != OrderRole.LEAD)
    return "、".join(o.department.name for o in orders)


def _decorate(events: Any, now: datetime) -> None:
    for e in events:
        e.channel_label = channel_label(e.channel)
        e.time_left = time_left(e.deadline, now) if e.is_open else ""
        e.holding = _holding(e)


@login_required
def event_queue(request: HttpRequest) -> HttpResponse:
    form, tab, events = _filtered(request)
    f = form.cleaned_data
    text = (f.get("q") or "").strip()
    if text:  # a code, an order number, a phone naming one event: straight to it
        found = selectors.event_lookup(user=request.user, text=text)
        if len(found) == 1:
            return redirect("web:event", code=found[0])
    if request.GET.get("export") == "xlsx":
        return _export(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page, timezone.now())
    counts = selectors.tab_counts(request.user)
    figs = figures.loop_figures(
        user=request.user, date_from=f.get("date_from"), date_to=f.get("date_to")
    )
    strip = [  # 受理量 办结量 办结率 按期办结率 超期件 返工率 满意率
        (pgettext("figure", "Accepted"), figs["accepted"]),
        (pgettext("figure", "Closed"), figs["closed"]),
        (pgettext("figure", "Closed rate"), _rate(figs["closed_rate"])),
        (pgettext("figure", "Closed on time"), _rate(figs["on_time_rate"])),
        (pgettext("figure", "Overdue"), figs["overdue"]),
        (pgettext("figure", "Rework rate"), _rate(figs["rework_rate"])),
        (pgettext("figure", "Satisfaction"), _rate(figs["satisfaction_rate"])),
    ]
    sort = f.get("sort") or ""
    context: dict[str, Any] = {
        "form": form,
        "tab": tab,
        "tabs": [(name, TAB_LABELS[name], counts.get(name, 0)) for name in selectors.TABS],
        "page": page,
        "figures": strip,
        "categories": Category.objects.filter(active=True).select_related("parent"),
        "channels": BuiltinChannel.choices,
        "sort": sort,
        "sorts": {c: (f"-{c}" if sort == c else c) for c in SORTABLE},
        "bulk": tab in ("reported", "accepted"),
        "newest": selectors.newest_report_id(request.user),
        # A dashboard link's own filters, kept when the form is sent again.
        "figure_filters": (
            [(k, request.GET[k]) for k in FIGURE_FILTERS if request.GET.get(k)]
            if f.get("fact")
            else []
        ),
    }
    if context["bulk"]:
        context["departments"] = list(web_forms.active_departments())
    return render(request, "web/events/queue.html", context)


@login_required
def queue_counts(request: HttpRequest) -> JsonResponse:
    """The tabs' counts and the newest report's id, polled by the seat: a new id is a new
    report (the page then shows and sounds its alert)."""
    return JsonResponse(
        {
            "counts": selectors.tab_counts(request.user),
            "newest": selectors.newest_report_id(request.user),
        }
    )


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


def _export(events: QuerySet[Event]) -> HttpResponse:
    """The filtered list as an xlsx sheet, in the list's order (up to EXPORT_LIMIT rows)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Events"))
    sheet.append([str(c) for c in EXPORT_COLUMNS])

    def local(value: datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for e in events[:EXPORT_LIMIT]:
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
                _holding(e),
                local(e.deadline),
                local(e.reported_at),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="events-{stamp}.xlsx"'
    return response


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Accept, or dispatch to one lead department, the events ticked in the queue: the
    workflow's action once per event; what it refuses is named, the others go through."""
    action = request.POST.get("action")
    codes = list(dict.fromkeys(request.POST.getlist("codes")))[:BULK_LIMIT]
    back = request.POST.get("back") or "/events/"
    if not back.startswith("/") or back.startswith("//"):
        back = "/events/"
    lead = None
    if action == "dispatch":
        lead = web_forms.active_departments().filter(code=request.POST.get("lead", "")).first()
        if lead is None:
            messages.error(request, _("Choose the lead department to dispatch to."))
            return redirect(back)
    elif action != "accept":
        messages.error(request, _("Choose what to do with the selected events."))
        return redirect(back)
    if not codes:
        messages.error(request, _("Select the events first."))
        return redirect(back)
    done, refused = 0, []
    for code in codes:
        try:
            event = selectors.event_get(user=request.user, code=code)
            if lead is not None:
                workflow.event_dispatch(event=event, actor=request.user, lead=lead)
            else:
                workflow.event_accept(event=event, actor=request.user)
            done += 1
        except DomainError as error:
            refused.append(f"{code}: {error.problems[0].message}")
    if done:
        messages.success(request, _("Done for %(n)s events.") % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect(back)
