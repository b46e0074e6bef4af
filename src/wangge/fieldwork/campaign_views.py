"""Campaign pages: the worker's phone pages (my campaigns, my targets, the target form with the
signature pad) and the command centre's (campaigns, coverage with drill-down and map, export).

Thin: reads through `campaigns` (scoped: a target outside the user's posts is 404), writes
through its services; a refused answer re-renders the form with each field's reason.
"""

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wangge import form_fields as forms
from wangge.accounts.scope import can_see
from wangge.errors import DomainError
from wangge.fieldwork import campaign_coverage, campaigns, offline
from wangge.fieldwork.models import Campaign, CampaignFile, CampaignTarget
from wangge.pages import optional_number, scoped_page
from wangge.people.selectors import MAX_PAGE
from wangge.regions import selectors as region_selectors
from wangge.regions.models import Area

PAGE_SIZE = 30
MISSING_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value: str | None, default: int = 1) -> int:
    """A page number: ASCII digits only ("²".isdigit() is True), capped."""
    if not (value and value.isascii() and value.isdigit()):
        return default
    return max(1, min(int(value), MAX_PAGE))


# ---- phone ----------------------------------------------------------------------------------


@scoped_page
def my_campaigns(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (c, campaigns.my_counts(request.user, c))
        for c in campaigns.open_campaigns(request.user, today)
    ]
    return render(
        request,
        "fieldwork/campaigns/mine.html",
        {"rows": rows, "can_manage": campaigns.can_manage(request.user)},
    )


@scoped_page
def my_targets(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns.campaign_get(request.user, pk)
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404
    status = request.GET.get("status", "")
    if status not in ("", *CampaignTarget.Status.values):
        status = ""
    q = request.GET.get("q", "").strip()
    qs = campaigns.targets(request.user, campaign, status=status, q=q)
    number = _int(request.GET.get("page"))
    items = list(qs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    return render(
        request,
        "fieldwork/campaigns/targets.html",
        {
            "campaign": campaign,
            "counts": campaigns.my_counts(request.user, campaign),
            "items": [(t, campaigns.target_label(t)) for t in items[:PAGE_SIZE]],
            "has_next": len(items) > PAGE_SIZE,
            "page": number,
            "status": status,
            "q": q,
            "statuses": CampaignTarget.Status.choices,
        },
    )


def _posted_answers(request: HttpRequest, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The form's values by field name, as the services take them."""
    answers: dict[str, Any] = {}
    for f in fields:
        name, kind = f["name"], f["type"]
        if kind == forms.MULTI:
            answers[name] = request.POST.getlist(name)
        elif kind == forms.PHOTO:
            upload = request.FILES.get(name)
            answers[name] = upload if upload is not None else request.POST.get(f"{name}__keep", "")
        elif kind == forms.SIGNATURE:
            drawn = request.POST.get(name, "")
            answers[name] = drawn or request.POST.get(f"{name}__keep", "")
        else:
            answers[name] = request.POST.get(name, "")
    return answers


@scoped_page
def target_form(request: HttpRequest, pk: int) -> HttpResponse:
    target = campaigns.target_get(request.user, pk)
    fields = target.campaign.fields
    errors: dict[str, str] = {}
    values: dict[str, Any] = dict(target.answers)
    reason = target.reason
    if request.method == "POST":
        done_url = reverse("fieldwork:campaign_targets", args=[target.campaign_id])

        def write() -> str:
            lon = optional_number(request.POST.get("lon"), "lon")
            lat = optional_number(request.POST.get("lat"), "lat")
            if request.POST.get("action") == "unreachable":
                campaigns.target_unreachable(request.user, target, reason, lon=lon, lat=lat)
                messages.success(request, _("Marked not reachable."))
            else:
                campaigns.target_answer(request.user, target, values, lon=lon, lat=lat)
                messages.success(request, _("Saved."))
            return done_url

        try:
            if request.POST.get("action") == "unreachable":
                reason = request.POST.get("reason", "")
            else:
                values = _posted_answers(request, fields)
            # A form queued offline may arrive twice: the second send stores nothing.
            url, _created = offline.once(
                request.user, offline.request_key(request), "campaign", write
            )
            return offline.stored(request, url)
        except DomainError as exc:
            if exc.status == 404:
                raise
            for p in exc.problems:
                errors[p.field or "__all__"] = p.message
    files = campaigns.files_of(target)
    rendered = []
    for f in fields:
        value = values.get(f["name"])
        kept = files.get(value) if isinstance(value, int) else None
        if kept is None and isinstance(value, str) and value.isdigit():
            kept = files.get(int(value))  # a "keep" id sent back with a refused form
        text = value.strip().lower() if isinstance(value, str) else None
        rendered.append(
            {
                **f,
                "value": value if isinstance(value, (str, int, float)) and not kept else "",
                "values": value if isinstance(value, list) else [],
                "yes": value is True or text in forms.YES,
                "no": value is False or text in forms.NO,
                "file": kept,
                "error": errors.get(f["name"], ""),
            }
        )
    status = 422 if errors else 200
    return render(
        request,
        "fieldwork/campaigns/target.html",
        {
            "target": target,
            "campaign": target.campaign,
            "client_key": request.POST.get("client_key") or offline.new_client_key("campaign"),
            "label": campaigns.target_label(target),
            "fields": rendered,
            "errors": errors,
            # Problems not about one field of the form (e.g. a bad location) are shown on top.
            "general_errors": [
                m for k, m in errors.items() if k not in {f["name"] for f in fields} | {"reason"}
            ],
            "reason": reason,
            "history": campaigns.submissions(target)[:10],
            "writable": target.campaign.status == Campaign.Status.OPEN and target.left_at is None,
        },
        status=status,
    )


# ---- command centre -------------------------------------------------------------------------


@scoped_page
def centre(request: HttpRequest) -> HttpResponse:
    rows = []
    for c in campaigns.campaigns(request.user, include_drafts=True):
        cov = campaign_coverage.coverage(c, request.user)
        rows.append((c, cov.total, campaigns.covers(request.user, c)))
    return render(
        request,
        "fieldwork/campaigns/centre.html",
        {"rows": rows, "can_manage": campaigns.can_manage(request.user)},
    )


@scoped_page
@require_POST
def manage(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = campaigns.campaign_get(request.user, pk)
    try:
        if action == "open":
            n = campaigns.campaign_open(request.user, campaign)
            messages.success(request, _("Opened with %(n)d targets.") % {"n": n})
        elif action == "refresh":
            r = campaigns.campaign_refresh(request.user, campaign)
            messages.success(
                request,
                _("Refreshed: %(added)d added, %(left)d left scope, %(moved)d moved.")
                % {"added": r.added, "left": r.left, "moved": r.moved},
            )
        elif action == "close":
            campaigns.campaign_close(request.user, campaign)
            messages.success(request, _("Closed."))
        else:
            raise Http404
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc))
    return redirect("fieldwork:campaign_centre")


def _area_param(request: HttpRequest) -> Area | None:
    code = request.GET.get("area", "").strip()
    if not code:
        return None
    area = Area.objects.filter(code=code).defer("geometry").order_by("-valid_from").first()
    if area is None or not can_see(request.user, area):
        raise Http404
    return area


@scoped_page
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaigns.campaign_get(request.user, pk)
    area = _area_param(request)
    cov = campaign_coverage.coverage(campaign, request.user)
    children = campaign_coverage.children(area, request.user, cov)
    here = cov.of(area) if area is not None else cov.total
    chain = []
    if area is not None:
        from wangge.accounts.scope import visible_paths

        paths = visible_paths(request.user)
        chain = [
            a
            for a in Area.objects.filter(path__in=area.chain_paths())
            .defer("geometry")
            .order_by("level")
            if paths is None or any(a.path.startswith(p) for p in paths)
        ]
    missing = list(
        campaigns.missing(
            request.user, campaign, area_code=area.code if area else ""
        ).select_related("area", "household", "resident")[: MISSING_SHOWN + 1]
    )
    return render(
        request,
        "fieldwork/campaigns/coverage.html",
        {
            "campaign": campaign,
            "area": area,
            "chain": chain,
            "here": here,
            "rows": [(a, cov.of(a)) for a in children],
            "missing": [(t, campaigns.target_label(t)) for t in missing[:MISSING_SHOWN]],
            "missing_more": len(missing) > MISSING_SHOWN,
            "can_manage": campaigns.covers(request.user, campaign),
        },
    )


@scoped_page
def coverage_geojson(request: HttpRequest, pk: int) -> JsonResponse:
    """The areas one level below `area` with their coverage, for the map."""
    campaign = campaigns.campaign_get(request.user, pk)
    area = _area_param(request)
    cov = campaign_coverage.coverage(campaign, request.user)
    ids = [a.pk for a in campaign_coverage.children(area, request.user, cov)]
    features = []
    for a in Area.objects.filter(pk__in=ids).order_by("code"):
        if not a.geometry:
            continue
        counts = cov.of(a)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(a.geometry),
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "level": a.level,
                    **counts.as_dict(),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@scoped_page
def campaign_file(request: HttpRequest, pk: int) -> FileResponse:
    """A photo or signature of a target in the user's scope (404 otherwise)."""
    found = campaigns.file_get(request.user, pk)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    kind = "image/png" if found.kind == CampaignFile.Kind.SIGNATURE else "image/jpeg"
    response = FileResponse(handle, content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- defining a campaign on the page (the API's POST /api/fieldwork/campaigns, as a form) ------
FORM_ROWS = 10  # field rows the page offers; empty rows are left out
TYPE_NAMES = {
    forms.TEXT: _lazy("text"),
    forms.NUMBER: _lazy("number"),
    forms.CHOICE: _lazy("one choice"),
    forms.MULTI: _lazy("several choices"),
    forms.DATE: _lazy("date"),
    forms.YES_NO: _lazy("yes / no"),
    forms.PHOTO: _lazy("photo"),
    forms.SIGNATURE: _lazy("signature"),
}


def _posted_fields(post: Any) -> list[dict[str, Any]]:
    fields = []
    for i in range(FORM_ROWS):
        label = post.get(f"label_{i}", "").strip()
        if not label:
            continue
        field: dict[str, Any] = {
            "name": f"f{i + 1}",
            "label": label,
            "type": post.get(f"type_{i}", forms.TEXT),
            "required": post.get(f"required_{i}") == "1",
        }
        choices = [c.strip() for c in post.get(f"choices_{i}", "").replace("，", ",").split(",")]
        if field["type"] in (forms.CHOICE, forms.MULTI):
            field["choices"] = [c for c in choices if c]
        fields.append(field)
    return fields


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@scoped_page
def campaign_new(request: HttpRequest) -> HttpResponse:
    """New campaign (a draft): title, period, areas, who is visited and its form's fields."""
    if not campaigns.can_manage(request.user):
        raise Http404
    error: DomainError | None = None
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            campaign = campaigns.campaign_define(
                request.user,
                title=post.get("title", ""),
                description=post.get("description", ""),
                starts_on=_day(post.get("starts_on", "")),
                ends_on=_day(post.get("ends_on", "")),
                area_codes=[c for c in post.getlist("areas") if c],
                target_kind=post.get("target_kind", Campaign.TargetKind.HOUSEHOLD),
                fields=_posted_fields(post),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request, _("Campaign %(title)s saved as a draft.") % {"title": campaign.title}
            )
            return redirect("fieldwork:campaign_centre")
    rows = [
        {
            "i": i,
            "label": post.get(f"label_{i}", "") if post else "",
            "type": post.get(f"type_{i}", forms.TEXT) if post else forms.TEXT,
            "choices": post.get(f"choices_{i}", "") if post else "",
            "required": bool(post and post.get(f"required_{i}") == "1"),
        }
        for i in range(FORM_ROWS)
    ]
    return render(
        request,
        "fieldwork/campaigns/new.html",
        {
            "rows": rows,
            "types": list(TYPE_NAMES.items()),
            "kinds": Campaign.TargetKind.choices,
            "areas": region_selectors.top_areas(user=request.user),
            "posted": post or {},
            "chosen": post.getlist("areas") if post else [],
            "error": error,
        },
        status=error.status if error else 200,
    )
