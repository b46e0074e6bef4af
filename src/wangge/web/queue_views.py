"""The command centre's seat: the queue with its tabs, search, sort, export, bulk actions,
and the live counts that announce new reports.

Thin, like the event pages: filters through the selectors, every move through the workflow
(a bulk action is the single action once per event, each refused one named).
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from wangge.errors import DomainError
from wangge.events import figures, selectors, workflow
from wangge.events.models import BuiltinChannel, Category, Event
from wangge.intake.services import channel_label
from wangge.stats import dashboard
from wangge.web import forms as web_forms
from wangge.web import queue_export

PAGE_SIZE = 50
BULK_LIMIT = 200

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
    return queue_export.queue_events(request.user, request.GET)


def _decorate(events: Any, now: datetime) -> None:
    for e in events:
        e.channel_label = channel_label(e.channel)
        e.time_left = time_left(e.deadline, now) if e.is_open else ""
        e.holding = queue_export.holding(e)


@login_required
def event_queue(request: HttpRequest) -> HttpResponse:
    form, tab, events = _filtered(request)
    f = form.cleaned_data
    text = (f.get("q") or "").strip()
    if text:  # a code, an order number, a phone naming one event: straight to it
        found = selectors.event_lookup(user=request.user, text=text)
        if len(found) == 1:
            return redirect("web:event", code=found[0])
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
        "tabs": [
            (name, queue_export.TAB_LABELS[name], counts.get(name, 0)) for name in selectors.TABS
        ],
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
        # A figure's cases are read from its facts: the time they are filled to.
        "asof": dashboard.asof_local() if f.get("fact") else None,
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
