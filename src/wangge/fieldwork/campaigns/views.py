"""Campaign pages: the worker's phone pages (my campaigns, my targets, the target form with the
signature pad) and the command centre's (campaigns, coverage with drill-down and map, export).

Thin: reads through `campaigns` (scoped: a target outside the user's posts is 404), writes
through its services; a refused answer re-renders the form with each field's reason.
"""

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge import form_fields as forms
from wangge.accounts.actors import Actor
from wangge.accounts.audit import client_ip
from wangge.accounts.scope import can_see
from wangge.decoding import unstorable
from wangge.errors import DomainError
from wangge.fieldwork import offline
from wangge.fieldwork.campaigns import coverage as campaign_coverage
from wangge.fieldwork.campaigns import selectors as campaign_selectors
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.campaigns.models import Campaign, CampaignFile, CampaignTarget
from wangge.pages import optional_number, scoped_page
from wangge.people.scoping import MAX_PAGE
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
        (c, campaign_selectors.my_counts(request.user, c))
        for c in campaign_selectors.open_campaigns(request.user, today)
    ]
    return render(
        request,
        "fieldwork/campaigns/mine.html",
        {"rows": rows, "can_manage": campaign_selectors.can_manage(request.user)},
    )


@scoped_page
def my_targets(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_selectors.campaign_get(request.user, pk)
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404
    status = request.GET.get("status", "")
    if status not in ("", *CampaignTarget.Status.values):
        status = ""
    q = request.GET.get("q", "").strip()
    qs = campaign_selectors.targets(request.user, campaign, status=status, q=q)
    number = _int(request.GET.get("page"))
    items = list(qs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    return render(
        request,
        "fieldwork/campaigns/targets.html",
        {
            "campaign": campaign,
            "counts": campaign_selectors.my_counts(request.user, campaign),
            "items": [(t, campaign_selectors.target_label(t)) for t in items[:PAGE_SIZE]],
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
    target = campaign_selectors.target_get(request.user, pk)
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
                campaigns.target_unreachable(
                    actor=request.user, target=target, reason=reason, lon=lon, lat=lat
                )
                messages.success(request, _("Marked not reachable."))
            else:
                campaigns.target_answer(
                    actor=request.user, target=target, answers=values, lon=lon, lat=lat
                )
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
    files = campaign_selectors.files_of(target)
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
            "label": campaign_selectors.target_label(target),
            "fields": rendered,
            "errors": errors,
            # Problems not about one field of the form (e.g. a bad location) are shown on top.
            "general_errors": [
                m for k, m in errors.items() if k not in {f["name"] for f in fields} | {"reason"}
            ],
            "reason": reason,
            "history": campaign_selectors.submissions(target)[:10],
            "writable": target.campaign.status == Campaign.Status.OPEN and target.left_at is None,
        },
        status=status,
    )


# ---- command centre -------------------------------------------------------------------------


CENTRE_PAGE_SIZE = 20
STATE_NAMES = [
    (Campaign.Status.DRAFT.value, Campaign.Status.DRAFT.label),
    (Campaign.Status.OPEN.value, Campaign.Status.OPEN.label),
    (Campaign.Status.CLOSED.value, Campaign.Status.CLOSED.label),
    (campaign_selectors.CANCELLED, gettext_lazy("cancelled")),
]


@scoped_page
def centre(request: HttpRequest) -> HttpResponse:
    """The campaigns, filtered by state, area and period, a page at a time (the filters stay
    in the page links); coverage is counted for the page's campaigns only."""
    filters = {f: request.GET.get(f, "").strip() for f in ("status", "area", "since", "until")}
    error: DomainError | None = None
    try:
        found = campaign_selectors.campaign_list(
            request.user,
            status=filters["status"],
            area_code=filters["area"],
            since=_filter_day(filters["since"], "since"),
            until=_filter_day(filters["until"], "until"),
        )
    except DomainError as exc:
        found, error = [], exc
    number = _int(request.GET.get("page"))
    shown = found[(number - 1) * CENTRE_PAGE_SIZE : number * CENTRE_PAGE_SIZE]
    rows = []
    for c in shown:
        cov = campaign_coverage.coverage(c, request.user)
        rows.append((c, cov.total, campaign_selectors.covers(request.user, c)))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "fieldwork/campaigns/centre.html",
        {
            "rows": rows,
            "can_manage": campaign_selectors.can_manage(request.user),
            "filters": filters,
            "states": STATE_NAMES,
            "areas": _filter_areas(request.user),
            "page": number,
            "has_next": len(found) > number * CENTRE_PAGE_SIZE,
            "count": len(found),
            "query": query,
            "error": error,
        },
        status=error.status if error else 200,
    )


def _filter_areas(user: Actor, also: list[Area] | None = None) -> list[Area]:
    """The areas offered (filter, scope of an edited campaign): the user's highest areas,
    the ones just below, and `also` (a campaign's own areas)."""
    tops = list(region_selectors.top_areas(user=user))
    below = Area.objects.live().defer("geometry").filter(parent__in=[a.pk for a in tops])
    found = {a.pk: a for a in [*tops, *below, *(also or [])]}
    return sorted(found.values(), key=lambda a: a.path)


def _with_extras(posted: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A question the page shows only in part (label, type, choices, required) keeps the rest
    of its definition (a number's bounds …) while its type is unchanged."""
    before = {f["name"]: f for f in old}
    kept = []
    for f in posted:
        was = before.get(f["name"])
        if was is not None and was.get("type") == f["type"]:
            f = {**{k: v for k, v in was.items() if k not in ("choices",)}, **f}
        kept.append(f)
    return kept


def _filter_day(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = (
            _("The start of the period is not a valid date.")
            if field == "since"
            else _("The end of the period is not a valid date.")
        )
        raise DomainError.one(message, field=field) from None


@scoped_page
@require_POST
def manage(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    campaign = campaign_selectors.campaign_get(request.user, pk)
    try:
        if action == "open":
            n = campaigns.campaign_open(actor=request.user, campaign=campaign)
            messages.success(request, _("Opened with %(n)d targets.") % {"n": n})
        elif action == "refresh":
            r = campaigns.campaign_refresh(actor=request.user, campaign=campaign)
            messages.success(
                request,
                _("Refreshed: %(added)d added, %(left)d left scope, %(moved)d moved.")
                % {"added": r.added, "left": r.left, "moved": r.moved},
            )
        elif action == "close":
            campaigns.campaign_close(actor=request.user, campaign=campaign, ip=client_ip(request))
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
    campaign = campaign_selectors.campaign_get(request.user, pk)
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
    # The targets listed: those missing, or (?status=unreachable, the dashboard's "not
    # reachable" figure links here) those marked not reachable.
    unreachable = request.GET.get("status") == CampaignTarget.Status.UNREACHABLE
    area_code = area.code if area else ""
    listed = (
        campaign_selectors.targets(
            request.user, campaign, status=CampaignTarget.Status.UNREACHABLE, area_code=area_code
        ).order_by("area__path", "address", "id")
        if unreachable
        else campaign_selectors.missing(request.user, campaign, area_code=area_code)
    )
    missing = list(listed.select_related("area", "household", "resident")[: MISSING_SHOWN + 1])
    return render(
        request,
        "fieldwork/campaigns/coverage.html",
        {
            "campaign": campaign,
            "area": area,
            "chain": chain,
            "here": here,
            "rows": [(a, cov.of(a)) for a in children],
            "missing": [(t, campaign_selectors.target_label(t)) for t in missing[:MISSING_SHOWN]],
            "missing_more": len(missing) > MISSING_SHOWN,
            "unreachable": unreachable,
            "can_manage": campaign_selectors.covers(request.user, campaign),
        },
    )


@scoped_page
def coverage_geojson(request: HttpRequest, pk: int) -> JsonResponse:
    """The areas one level below `area` with their coverage, for the map."""
    campaign = campaign_selectors.campaign_get(request.user, pk)
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
    found = campaign_selectors.file_get(request.user, pk)
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
    forms.TEXT: gettext_lazy("text"),
    forms.NUMBER: gettext_lazy("number"),
    forms.CHOICE: gettext_lazy("one choice"),
    forms.MULTI: gettext_lazy("several choices"),
    forms.DATE: gettext_lazy("date"),
    forms.YES_NO: gettext_lazy("yes / no"),
    forms.PHOTO: gettext_lazy("photo"),
    forms.SIGNATURE: gettext_lazy("signature"),
}


def _posted_fields(post: Any) -> list[dict[str, Any]]:
    """The rows' fields; a row that came with a name (an edited campaign's question) keeps it,
    a new row gets an unused one."""
    kept = {post.get(f"name_{i}", "").strip() for i in range(FORM_ROWS)} - {""}
    fresh = (f"f{n}" for n in range(1, 2 * FORM_ROWS + len(kept) + 2) if f"f{n}" not in kept)
    fields = []
    for i in range(FORM_ROWS):
        label = post.get(f"label_{i}", "").strip()
        if not label:
            continue
        field: dict[str, Any] = {
            "name": post.get(f"name_{i}", "").strip() or next(fresh),
            "label": label,
            "type": post.get(f"type_{i}", forms.TEXT),
            "required": post.get(f"required_{i}") == "1",
        }
        choices = [c.strip() for c in post.get(f"choices_{i}", "").replace("，", ",").split(",")]
        if field["type"] in (forms.CHOICE, forms.MULTI):
            field["choices"] = [c for c in choices if c]
        fields.append(field)
    return fields


def _check_text(post: Any) -> None:
    """A field holding what cannot be stored (a NUL, a lone surrogate: a multipart body passes
    the NUL guard) is refused naming it."""
    for field, values in post.lists():
        if any(unstorable(v) for v in values):
            raise DomainError.one(
                _("This text holds characters that cannot be stored."), field=field, status=422
            )


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@scoped_page
def campaign_new(request: HttpRequest) -> HttpResponse:
    """New campaign (a draft): title, period, areas, who is visited and its form's fields."""
    if not campaign_selectors.can_manage(request.user):
        raise Http404
    error: DomainError | None = None
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            _check_text(post)
            campaign = campaigns.campaign_define(
                actor=request.user,
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


def _rows_of(fields: list[dict[str, Any]], post: Any) -> list[dict[str, Any]]:
    """The form's question rows: as posted, or the campaign's questions then empty rows."""
    rows = []
    for i in range(FORM_ROWS):
        if post is not None:
            rows.append(
                {
                    "i": i,
                    "name": post.get(f"name_{i}", ""),
                    "label": post.get(f"label_{i}", ""),
                    "type": post.get(f"type_{i}", forms.TEXT),
                    "choices": post.get(f"choices_{i}", ""),
                    "required": post.get(f"required_{i}") == "1",
                }
            )
            continue
        f = fields[i] if i < len(fields) else {}
        rows.append(
            {
                "i": i,
                "name": f.get("name", ""),
                "label": f.get("label", ""),
                "type": f.get("type", forms.TEXT),
                "choices": ", ".join(f.get("choices", [])),
                "required": bool(f.get("required")),
            }
        )
    return rows


@scoped_page
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a campaign: what may change depends on its state (`campaigns.editable_parts`),
    and the page says so; the locked parts are shown, not offered."""
    campaign = campaign_selectors.campaign_get(request.user, pk)
    if not campaign_selectors.covers(request.user, campaign):
        raise Http404
    answered = campaign_selectors.has_answers(campaign)
    allowed = campaigns.editable_parts(campaign, answered)
    error: DomainError | None = None
    post = request.POST if request.method == "POST" else None
    current_codes = [a.code for a in campaign.areas.all()]
    if post is not None:
        try:
            _check_text(post)
            saved = campaigns.campaign_update(
                actor=request.user,
                campaign=campaign,
                title=post.get("title", ""),
                description=post.get("description", ""),
                starts_on=_day(post.get("starts_on", "")),
                ends_on=_day(post.get("ends_on", "")),
                area_codes=[c for c in post.getlist("areas") if c]
                if "areas" in allowed
                else current_codes,
                target_kind=post.get("target_kind") if "target_kind" in allowed else None,
                fields=_with_extras(_posted_fields(post), campaign.fields)
                if "fields" in allowed
                else campaign.fields,
                ip=client_ip(request),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            error = exc
        else:
            messages.success(request, _("Campaign %(title)s saved.") % {"title": saved.title})
            return redirect("fieldwork:campaign_centre")
    values = post or {
        "title": campaign.title,
        "description": campaign.description,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "target_kind": campaign.target_kind,
    }
    return render(
        request,
        "fieldwork/campaigns/edit.html",
        {
            "campaign": campaign,
            "allowed": allowed,
            "answered": answered,
            "rows": _rows_of(campaign.fields, post),
            "types": list(TYPE_NAMES.items()),
            "type_names": dict(TYPE_NAMES),
            "kinds": Campaign.TargetKind.choices,
            "areas": _filter_areas(request.user, also=list(campaign.areas.all())),
            "posted": values,
            "chosen": post.getlist("areas") if post else current_codes,
            "error": error,
        },
        status=error.status if error else 200,
    )


@scoped_page
def campaign_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open campaign or cancel a draft, after a confirmation page saying what follows."""
    campaign = campaign_selectors.campaign_get(request.user, pk)
    if (
        not campaign_selectors.covers(request.user, campaign)
        or campaign.status == Campaign.Status.CLOSED
    ):
        raise Http404
    if request.method == "POST":
        try:
            if campaign.status == Campaign.Status.DRAFT:
                campaigns.campaign_cancel(
                    actor=request.user, campaign=campaign, ip=client_ip(request)
                )
                messages.success(request, _("Cancelled."))
            else:
                campaigns.campaign_close(
                    actor=request.user, campaign=campaign, ip=client_ip(request)
                )
                messages.success(request, _("Closed."))
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, str(exc))
        return redirect("fieldwork:campaign_centre")
    return render(
        request,
        "fieldwork/campaigns/end.html",
        {
            "campaign": campaign,
            "counts": campaign_coverage.coverage(campaign, request.user).total,
        },
    )
