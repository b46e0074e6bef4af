"""Pages of the event loop: the command centre's queues, the event page and its actions, the
department handler's work orders, the grid worker's mobile pages, the inbox.

Thin: parse the input, call the workflow or a selector, render. Every list goes through the
selectors' scope. A refused action (DomainError, or input the form rejects) renders the page
again with the message and a 4xx status; nothing here decides who may do what.
"""

import json
import mimetypes
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from wangge.accounts.actors import Actor
from wangge.errors import DomainError, Problem
from wangge.events import duplicates, notifications, selectors, workflow
from wangge.events.models import (
    OPEN_STATUSES,
    Attachment,
    Event,
    Notification,
    OrderRole,
    OrderStatus,
    Priority,
    Satisfaction,
    Status,
)
from wangge.events.photos import CleanPhoto, attach_photo
from wangge.intake.services import channel_label
from wangge.people import access as people_access
from wangge.regions import selectors as area_selectors
from wangge.regions.models import Area
from wangge.suggest.services import suggest_for
from wangge.web import forms as web_forms

PAGE_SIZE = 50
MOBILE_PAGE_SIZE = 20


# -- helpers -------------------------------------------------------------------------------
def _visible_event(request: HttpRequest, code: str) -> Event:
    try:
        return selectors.event_get(user=request.user, code=code)
    except DomainError:
        raise Http404 from None


def _form_error(form: forms.Form) -> DomainError:
    problems = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for message in errors:
            problems.append(Problem(f"{label}: {message}" if label else str(message), field=name))
    return DomainError(problems, status=400)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("expected_version", ""))
    except ValueError:
        return None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# -- actions -------------------------------------------------------------------------------
Args = dict[str, Any]


def _merge_args(request: HttpRequest, event: Event, data: Args) -> Args:
    try:
        into = selectors.event_get(user=request.user, code=data["into"].strip(), field="into")
    except DomainError as error:
        raise DomainError(error.problems, 400) from None  # a field of the form, not the page
    return {"into": into, "comment": data["comment"]}


def _dispatch_args(request: HttpRequest, event: Event, data: Args) -> Args:
    return {"lead": data["lead"], "assists": list(data["assists"]), "comment": data["comment"]}


def _decide_args(request: HttpRequest, event: Event, data: Args) -> Args:
    order = event.orders.filter(pk=data["order"]).first()
    if order is None:
        raise DomainError.one(_("No such work order on this event."), field="order")
    return {"order": order, "approve": data["approve"], "comment": data["comment"]}


def _feedback_args(request: HttpRequest, event: Event, data: Args) -> Args:
    return {"note": data["note"]}


def _feedback_photo(request: HttpRequest, event: Event, data: Args) -> None:
    if data.get("photo"):
        _attach(request, event, data["photo"], Attachment.Kind.AFTER)


@dataclass(frozen=True)
class Action:
    label: str | Promise  # the button
    form: type[forms.Form]
    run: Callable[..., Event]  # the workflow function
    args: Callable[[HttpRequest, Event, Args], Args] | None = None  # form data → its kwargs
    after: Callable[[HttpRequest, Event, Args], None] | None = None  # once it succeeded


ACTIONS: dict[str, Action] = {
    "accept": Action(gettext_lazy("Accept"), web_forms.AcceptForm, workflow.event_accept),
    "reject": Action(gettext_lazy("Reject"), web_forms.ReasonForm, workflow.event_reject),
    "merge": Action(
        gettext_lazy("Merge as duplicate"), web_forms.MergeForm, workflow.event_merge, _merge_args
    ),
    "self_handle": Action(
        gettext_lazy("Handle it ourselves"), web_forms.CommentForm, workflow.event_self_handle
    ),
    "dispatch": Action(
        gettext_lazy("Dispatch"), web_forms.DispatchForm, workflow.event_dispatch, _dispatch_args
    ),
    "sign": Action(gettext_lazy("Sign for it"), web_forms.CommentForm, workflow.event_sign),
    "return": Action(gettext_lazy("Return it"), web_forms.ReasonForm, workflow.event_return),
    "request_extension": Action(
        gettext_lazy("Ask for more time"), web_forms.ExtensionForm, workflow.event_request_extension
    ),
    "decide_extension": Action(
        gettext_lazy("Decide on more time"),
        web_forms.DecideExtensionForm,
        workflow.event_decide_extension,
        _decide_args,
    ),
    "feedback": Action(
        gettext_lazy("Report it handled"),
        web_forms.FeedbackForm,
        workflow.event_feedback,
        _feedback_args,
        _feedback_photo,
    ),
    "settle_on_spot": Action(
        gettext_lazy("Settled it on the spot myself"),
        web_forms.SettleForm,
        workflow.event_settle_on_spot,
    ),
    "verify": Action(gettext_lazy("Verify"), web_forms.VerifyForm, workflow.event_verify),
    "close": Action(pgettext_lazy("event", "Close"), web_forms.CommentForm, workflow.event_close),
    "callback": Action(
        gettext_lazy("Record the call-back"), web_forms.CallbackForm, workflow.event_callback
    ),
    "reopen": Action(gettext_lazy("Reopen"), web_forms.ReasonForm, workflow.event_reopen),
    "escalate": Action(
        gettext_lazy("Escalate to the level above"), web_forms.ReasonForm, workflow.event_escalate
    ),
    "supervise": Action(
        gettext_lazy("Supervise"), web_forms.SuperviseForm, workflow.event_supervise
    ),
    "cancel": Action(gettext_lazy("Cancel the event"), web_forms.ReasonForm, workflow.event_cancel),
}

# What each timeline entry says happened.
TIMELINE_LABELS: dict[str, str | Promise] = {
    "report": gettext_lazy("Reported"),
    "accept": gettext_lazy("Accepted"),
    "reject": gettext_lazy("Rejected"),
    "merge": gettext_lazy("Merged as duplicate"),
    "self_handle": gettext_lazy("Taken on by the grid"),
    "settle_on_spot": gettext_lazy("Reported and settled on the spot by the grid"),
    "dispatch": gettext_lazy("Dispatched"),
    "sign": gettext_lazy("Signed for"),
    "return": gettext_lazy("Returned"),
    "request_extension": gettext_lazy("More time asked"),
    "decide_extension": gettext_lazy("More time decided"),
    "feedback": gettext_lazy("Fed back"),
    "verify": gettext_lazy("Verified"),
    "close": gettext_lazy("Closed"),
    "close_at_source": gettext_lazy("Closed at the source"),
    "callback": gettext_lazy("Called back"),
    "reopen": gettext_lazy("Reopened"),
    "escalate": gettext_lazy("Escalated to the level above"),
    "attend": gettext_lazy("Attended in person"),
    "supervise": gettext_lazy("Supervised"),
    "cancel": gettext_lazy("Cancelled"),
}


@login_required
@require_POST
def event_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    event = _visible_event(request, code)
    form = spec.form(request.POST, request.FILES)
    data: Args = {}
    try:
        if not form.is_valid():
            raise _form_error(form)
        data = form.cleaned_data
        kwargs = spec.args(request, event, data) if spec.args else dict(data)
        event = spec.run(
            event=event, actor=request.user, expected_version=_version(request), **kwargs
        )
    except DomainError as error:
        return _render_event(
            request, _visible_event(request, code), error=error, failed=action, status=error.status
        )
    if spec.after:
        spec.after(request, event, data)
    messages.success(request, _("Done: %(action)s.") % {"action": spec.label})
    if not selectors.visible_events(request.user).filter(pk=event.pk).exists():
        return redirect("web:events")  # out of sight after the move
    return redirect("web:event", code=event.code)


# -- the event page ------------------------------------------------------------------------
@login_required
def event_page(request: HttpRequest, code: str) -> HttpResponse:
    return _render_event(request, _visible_event(request, code))


def _render_event(
    request: HttpRequest,
    event: Event,
    *,
    error: DomainError | None = None,
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    orders = sorted(  # the lead first, then the assists in the order they were dispatched
        event.orders.select_related("department", "signed_by"),
        key=lambda o: (o.role != OrderRole.LEAD, o.pk),
    )
    actions = workflow.allowed_actions(request.user, event)
    timeline = [
        {
            "entry": t,
            "label": TIMELINE_LABELS.get(t.action, t.action),
            "from": Status(t.from_status).label if t.from_status in Status.values else "",
            "to": Status(t.to_status).label if t.to_status in Status.values else "",
            "actor": (t.actor.get_full_name() or t.actor.username) if t.actor else "",
            "detail": _timeline_detail(t.data),
        }
        for t in event.timeline.select_related("actor")
    ]
    context: dict[str, Any] = {
        "event": event,
        "orders": orders,
        "timeline": timeline,
        "attachments": list(event.attachments.all()),
        "actions": [(a, ACTIONS[a].label) for a in actions if a in ACTIONS],
        "error": error,
        "failed": failed,
        "posted": request.POST if error else {},
        "posted_assists": request.POST.getlist("assists") if error else [],
        "map_lon": "" if event.lon is None else repr(event.lon),
        "map_lat": "" if event.lat is None else repr(event.lat),
        "is_open": event.is_open,
        "channel_label": channel_label(event.channel),
        "can_reveal": people_access.can_reveal(request.user, event.area),
    }
    if "escalate" in actions:
        context["escalation_keeps"] = workflow.open_orders_on_escalation(event)
        context["escalate_to"] = (  # the level above, by name (never its boundary)
            Area.objects.filter(pk=event.responsible_area.parent_id or 0)
            .values_list("name", flat=True)
            .first()
        )
    if "accept" in actions:
        context["categories"] = list(web_forms.report_categories())
        context["priorities"] = Priority.choices
    if "accept" in actions or "dispatch" in actions:
        context["suggestions"] = suggest_for(event)
    if "dispatch" in actions:
        suggestion = context["suggestions"].lead  # the model's when confident, else routing's
        context["departments"] = list(web_forms.active_departments())
        context["suggested"] = suggestion
        context["suggested_code"] = suggestion.code if suggestion else ""
    if "decide_extension" in actions:
        context["pending_extensions"] = [o for o in orders if o.extension_requested_until]
    if "callback" in actions:
        context["satisfactions"] = Satisfaction.choices
    # Operators see likely duplicates while deciding whether to accept a report.
    context["show_duplicates"] = "merge" in actions and event.status == Status.REPORTED
    if context["show_duplicates"]:
        context["duplicates"] = duplicates.candidates(event, user=request.user)
    context["follows"] = duplicates.followed(event, user=request.user)
    return render(request, "web/events/event.html", context, status=status)


@login_required
@require_POST
def event_keep_apart(request: HttpRequest, code: str, other: str) -> HttpResponse:
    """The duplicates panel's "keep apart" (its "merge" goes through event_act)."""
    event = _visible_event(request, code)
    try:
        duplicates.keep_apart(event=event, other=_visible_event(request, other), actor=request.user)
    except DomainError as error:
        return _render_event(request, event, error=error, failed="keep_apart", status=error.status)
    messages.success(request, _("Kept apart from %(code)s.") % {"code": other})
    return redirect("web:event", code=event.code)


def _timeline_detail(data: dict[str, Any]) -> str:
    """The facts a timeline entry carries, in a line."""
    parts = []
    if data.get("lead"):
        parts.append(_("lead: %(d)s") % {"d": data["lead"]})
    if data.get("assists"):
        parts.append(_("assisting: %(d)s") % {"d": ", ".join(data["assists"])})
    if data.get("department"):
        parts.append(str(data["department"]))
    if data.get("into"):
        parts.append(_("into %(code)s") % {"code": data["into"]})
    if data.get("satisfaction") in Satisfaction.values:
        parts.append(str(Satisfaction(data["satisfaction"]).label))
    if data.get("passed") is False:
        parts.append(_("not passed"))
    if "approved" in data:
        parts.append(_("approved") if data["approved"] else _("refused"))
    if data.get("from_area") and data.get("to_area"):
        parts.append(f"{data['from_area']} → {data['to_area']}")
    if data.get("orders_kept"):
        parts.append(_("work orders kept: %(d)s") % {"d": "、".join(data["orders_kept"])})
    if data.get("own_check"):
        parts.append(_("checked by whoever handled it: the grid may settle this category itself"))
    if data.get("corrected"):
        parts.append(_("corrected: %(f)s") % {"f": "、".join(_corrected(data["corrected"]))})
    return " · ".join(parts)


CORRECTED_LABELS: dict[str, str | Promise] = {
    "title": gettext_lazy("Title"),
    "category": gettext_lazy("Category"),
    "priority": gettext_lazy("Priority"),
    "address": gettext_lazy("Address"),
}


def _corrected(changes: dict[str, dict[str, str]]) -> list[str]:
    """ "Category 暴露垃圾 → 占道经营" for each field corrected at acceptance."""

    def shown(name: str, value: str) -> str:
        if name == "priority" and value in Priority.values:
            return str(Priority(value).label)
        return value or "—"

    return [
        f"{CORRECTED_LABELS.get(name, name)} {shown(name, c.get('from', ''))} → "
        f"{shown(name, c.get('to', ''))}"
        for name, c in changes.items()
    ]


@login_required
def event_area(request: HttpRequest, code: str) -> JsonResponse:
    """The outline of the event's area, for the event page's map: to whoever may see the
    event — a department handler too, who has no post over the area (the areas API is
    scoped by posts)."""
    event = _visible_event(request, code)
    area = Area.objects.filter(pk=event.area_id).only("code", "name", "level", "geometry").get()
    features = []
    if area.geometry:
        features.append(
            {
                "type": "Feature",
                "id": area.code,
                "properties": {"code": area.code, "name": area.name, "level": area.level},
                "geometry": json.loads(area.geometry),
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def event_photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A photo of an event the user may see; `?size=thumb` gives its thumbnail."""
    event = _visible_event(request, code)
    attachment = event.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    stored = attachment.file
    if request.GET.get("size") == "thumb" and attachment.thumbnail:
        stored = attachment.thumbnail
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(stored.name or "")
    if not (content_type or "").startswith("image/"):
        return FileResponse(handle, as_attachment=True)
    return FileResponse(handle, content_type=content_type)


def _attach(request: HttpRequest, event: Event, photo: CleanPhoto, kind: str) -> None:
    attach_photo(event, photo, kind=kind, by_id=request.user.pk)


# -- department handler --------------------------------------------------------------------
ORDER_FILTERS: dict[str, tuple[str | Promise, str | None]] = {
    "open": (gettext_lazy("To do"), None),
    "fed_back": (gettext_lazy("Fed back"), OrderStatus.FED_BACK),
    "returned": (gettext_lazy("Returned"), OrderStatus.RETURNED),
}


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    if show not in ORDER_FILTERS:
        show = "open"
    orders = selectors.my_orders(user=request.user, status=ORDER_FILTERS[show][1])
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events/orders.html",
        {
            "page": page,
            "show": show,
            "filters": [(k, label) for k, (label, _s) in ORDER_FILTERS.items()],
            "now": timezone.now(),
        },
    )


# -- grid worker (mobile) ------------------------------------------------------------------
MOBILE_FILTERS: dict[str, str | Promise] = {
    "open": gettext_lazy("Open"),
    "verify": gettext_lazy("To verify"),
    "all": gettext_lazy("All"),
}


@login_required
def mobile_home(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    if show not in MOBILE_FILTERS:
        show = "open"
    events: QuerySet[Event]
    if show == "verify":
        events = selectors.event_list(user=request.user, tab="handled")
    else:
        events = selectors.event_list(user=request.user)
        if show == "open":
            events = events.filter(status__in=OPEN_STATUSES)
    page = Paginator(events, MOBILE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events/mobile.html",
        {"page": page, "show": show, "filters": list(MOBILE_FILTERS.items())},
    )


def _report_areas(user: Actor) -> list[Any]:
    """The grids and micro-grids in the user's scope, to pick from without geolocation."""
    return list(area_selectors.area_list(user=user).filter(level__gte=workflow.GRID_LEVEL))


@login_required
def mobile_report(request: HttpRequest) -> HttpResponse:
    areas = _report_areas(request.user)
    codes = [a.code for a in areas]
    error: DomainError | None = None
    if request.method == "POST":
        form = web_forms.ReportForm(request.POST, request.FILES, area_codes=codes)
        if form.is_valid():
            data = form.cleaned_data
            key = data["client_key"] or None
            try:
                event, created = _report(request, data, key, areas)
            except DomainError as e:
                error = e
            else:
                if created and data["photo"]:
                    _attach(request, event, data["photo"], Attachment.Kind.BEFORE)
                if created:
                    messages.success(request, _("Reported as %(code)s.") % {"code": event.code})
                return redirect("web:event", code=event.code)
        else:
            error = _form_error(form)
    else:
        form = web_forms.ReportForm(
            initial={"client_key": f"web-{uuid.uuid4().hex}"}, area_codes=codes
        )
    categories = list(web_forms.report_categories())
    groups = [
        (top, [c for c in categories if c.parent_id == top.pk])
        for top in categories
        if top.parent_id is None
    ]
    return render(
        request,
        "web/events/report.html",
        {
            "form": form,
            "areas": areas,
            "groups": groups,
            "error": error,
            "client_key": form["client_key"].value() or f"web-{uuid.uuid4().hex}",
        },
        status=error.status if error else 200,
    )


def _report(
    request: HttpRequest, data: Args, key: str | None, areas: list[Any]
) -> tuple[Event, bool]:
    """Report through the workflow; (event, whether this request made it). A picked area
    wins over the browser's location."""
    existed = bool(key) and Event.objects.filter(client_key=key).exists()
    area = next((a for a in areas if a.code == data["area"]), None) if data["area"] else None
    lon, lat = data["lon"], data["lat"]
    if lon is None and data["photo"] and data["photo"].gps:
        lon, lat = data["photo"].gps  # the camera's GPS when no other location is given
    with transaction.atomic():
        event = workflow.event_report(
            actor=request.user,
            title=data["title"],
            category=data["category"],
            description=data["description"],
            address=data["address"],
            lon=None if area else lon,
            lat=None if area else lat,
            area=area,
            client_key=key,
        )
        if data["settle"] and not existed:  # 上报并自行处置: both or neither
            event = workflow.event_settle_on_spot(
                event=event,
                actor=request.user,
                note=data["settle_note"] or data["description"] or _("Settled on the spot."),
            )
    return event, not existed


# -- inbox ---------------------------------------------------------------------------------
def _notifications(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=int(request.user.pk or 0)).select_related("event")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    items = _notifications(request)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/events/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user, pk=pk)
    if _is_htmx(request):
        note = _notifications(request).filter(pk=pk).first()
        if note is None:
            raise Http404
        response = render(request, "web/events/_notification.html", {"n": note})
        response["HX-Trigger"] = "inbox-changed"
        return response
    return redirect("web:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user)
    return redirect("web:inbox")


@login_required
def inbox_count(request: HttpRequest) -> HttpResponse:
    """htmx partial for the nav: the number of unread notifications."""
    count = _notifications(request).filter(read_at__isnull=True).count()
    return render(request, "web/events/_inbox_count.html", {"count": count})
