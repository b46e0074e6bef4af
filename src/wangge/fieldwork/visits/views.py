"""Pages of visits (三必访): the grid worker's phone pages (task list, the visit form, alerts)
and the command centre's coverage page. Thin: every rule is in the services and selectors."""

import datetime as dt
import json
import mimetypes
import uuid
from typing import Any

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge import form_fields as forms
from wangge.accounts.scope import area_q
from wangge.errors import DomainError
from wangge.events.models import Category
from wangge.fieldwork import checkin, offline
from wangge.fieldwork.attend import selectors as attend_selectors
from wangge.fieldwork.attend.models import AttendTask
from wangge.fieldwork.visits import figures, selectors
from wangge.fieldwork.visits import services as visits
from wangge.fieldwork.visits.models import VisitPhoto, VisitTask
from wangge.pages import optional_number, scoped_page


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# -- the worker's lists ----------------------------------------------------------------------
@scoped_page
def visit_mine(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    qs = (
        VisitTask.objects.filter(
            area_q(request.user, "area"),
            assignee_id=request.user.pk,
            status=VisitTask.Status.OPEN,
        )
        .filter(period_start__lte=today)
        .select_related("household", "rule")
        .order_by("due_on", "id")
    )
    if overdue:
        qs = qs.filter(due_on__lt=today)
    return render(
        request,
        "fieldwork/visits/mine.html",
        {
            "tasks": list(qs[:300]),
            "today": today,
            "overdue": overdue,
            "attend_open": attend_selectors.tasks(request.user)
            .filter(assignee_id=request.user.pk, status=AttendTask.Status.OPEN)
            .count(),
            "alerts": list(selectors.alerts(request.user, unread_only=True)[:10]),
        },
    )


@scoped_page
@require_http_methods(["GET", "POST"])
def visit_alerts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        alert = visits.alert_read(actor=request.user, pk=request.POST.get("alert", ""))
        return HttpResponseRedirect(alert.url or reverse("fieldwork:visit_alerts"))
    return render(
        request,
        "fieldwork/visits/alerts.html",
        {"alerts": list(selectors.alerts(request.user)[:100])},
    )


# -- the visit form --------------------------------------------------------------------------
def _answers(request: HttpRequest, checklist: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in checklist:
        key = f"a_{item['name']}"
        if item["type"] == forms.MULTI:
            out[item["name"]] = request.POST.getlist(key)
        else:
            out[item["name"]] = request.POST.get(key, "")
    return out


@scoped_page
@require_http_methods(["GET", "POST"])
def visit_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(request.user, pk)
    error = None
    if request.method == "POST":
        finding = None
        if request.POST.get("finding_title", "").strip():
            finding = visits.FindingIn(
                title=request.POST["finding_title"],
                category=request.POST.get("finding_category", ""),
                description=request.POST.get("finding_description", ""),
            )
        try:
            record = visits.visit_record(
                actor=request.user,
                task=task,
                answers=_answers(request, task.rule.checklist),
                notes=request.POST.get("notes", ""),
                lon=optional_number(request.POST.get("lon"), "lon"),
                lat=optional_number(request.POST.get("lat"), "lat"),
                photo_files=[f for f in request.FILES.getlist("photo")],
                finding=finding,
                client_key=request.POST.get("client_key") or None,
                correction=request.POST.get("correction") == "1",
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Visit recorded."))
            if record.far:
                messages.warning(
                    request,
                    _("Checked in %(m)d m from the household: the visit is flagged.")
                    % {"m": record.distance_m or 0},
                )
            return offline.stored(request, reverse("fieldwork:visit_record", args=[record.pk]))
    posted = request.POST if error else None
    items = []
    for item in task.rule.checklist:
        key = f"a_{item['name']}"
        multi = item["type"] == forms.MULTI
        value: Any = [] if multi else ""
        if posted is not None:
            value = posted.getlist(key) if multi else posted.get(key, "")
        problem = next(
            (
                p.message
                for p in (error.problems if error else [])
                if p.field == f"answers.{item['name']}"
            ),
            "",
        )
        items.append({**item, "key": key, "value": value, "problem": problem})
    return render(
        request,
        "fieldwork/visits/task.html",
        {
            "task": task,
            "household": task.household,
            "items": items,
            "error": error,
            "posted": posted or {},
            "client_key": (posted.get("client_key") if posted else None) or uuid.uuid4().hex,
            "categories": Category.objects.filter(active=True, parent__isnull=False).order_by(
                "code"
            ),
            "records": list(task.records.select_related("visitor").order_by("-visited_at")[:5]),
            "overdue": task.is_overdue(),
            "far_metres": int(checkin.far_metres()),
        },
        status=error.status if error else 200,
    )


@scoped_page
def visit_record_page(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    labels = {i["name"]: i.get("label") or i["name"] for i in record.task.rule.checklist}
    answers = [
        (labels.get(name, name), forms.display(value)) for name, value in record.answers.items()
    ]
    return render(
        request,
        "fieldwork/visits/record.html",
        {
            "record": record,
            "answers": answers,
            "photos": list(record.photos.all()),
            "findings": list(record.findings.all()),
        },
    )


@scoped_page
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = VisitPhoto.objects.filter(pk=pk).select_related("record").first()
    if photo is None or not selectors.records(request.user).filter(pk=photo.record_id).exists():
        raise Http404
    stored = (
        photo.thumbnail if request.GET.get("size") == "thumb" and photo.thumbnail else photo.file
    )
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(stored.name or "")
    return FileResponse(handle, content_type=content_type or "image/jpeg")


@scoped_page
def visit_household(request: HttpRequest, pk: int) -> HttpResponse:
    """The visits block of a household's page (loaded with htmx by the people app)."""
    data = selectors.household_visits(request.user, pk)
    return render(
        request, "fieldwork/visits/_household.html", {**data, "today": timezone.localdate()}
    )


# -- the command centre's coverage -----------------------------------------------------------
def _figures(request: HttpRequest) -> dict[str, Any]:
    first, last = figures.month_bounds(timezone.localdate())
    start = _date(request.GET.get("start"), first)
    end = _date(request.GET.get("end"), last)
    return figures.figures(
        request.user, start=start, end=end, area_code=request.GET.get("area", "")
    )


@scoped_page
def visit_figures(request: HttpRequest) -> HttpResponse:
    try:
        data = _figures(request)
    except DomainError as exc:
        if exc.status == 404:
            raise  # out of scope: a plain 404 page
        return render(request, "fieldwork/visits/figures.html", {"error": exc}, status=exc.status)
    query = f"start={data['start']}&end={data['end']}"
    return render(request, "fieldwork/visits/figures.html", {**data, "query": query})


@scoped_page
def visit_figures_map(request: HttpRequest) -> JsonResponse:
    """The child areas as GeoJSON, each with its figures (the map colours by coverage)."""
    try:
        data = _figures(request)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return JsonResponse({"errors": [p.as_dict() for p in exc.problems]}, status=exc.status)
    rows = data["children"] or [{"area": data["area"], **data["total"]}]
    from wangge.regions.models import Area

    shapes = dict(
        Area.objects.filter(pk__in=[r["area"].pk for r in rows]).values_list("pk", "geometry")
    )
    features = []
    for row in rows:
        area = row["area"]
        geometry = shapes.get(area.pk)
        if not geometry:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometry),
                "properties": {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    **{k: v for k, v in row.items() if k != "area"},
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})
