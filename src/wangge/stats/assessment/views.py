"""Assessment pages: runs, a run's ranking with red and black lists, a target's drill-down
to its cases. Thin over `selectors`."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.audit import client_ip
from wangge.pages import scoped_page
from wangge.stats.assessment import (
    bulletin,
    bulletins,
    disputes,
    editor,
    manual,
    selectors,
    services,
    subscriptions,
)
from wangge.stats.assessment.models import BulletinKind, DisputeStatus, Run, RunStatus, Scheme


@scoped_page
def runs_page(request: HttpRequest) -> HttpResponse:
    runs = Run.objects.select_related("scheme").order_by("-date_from", "scheme__code")[:100]
    return render(
        request, "assessment/runs.html", {"runs": runs, "may_edit": editor.may_open(request.user)}
    )


@scoped_page
def ranking_page(request: HttpRequest, rid: int) -> HttpResponse:
    body = selectors.ranking(request.user, selectors.run_get(rid), 3)
    return render(request, "assessment/ranking.html", body)


@scoped_page
def result_page(request: HttpRequest, rid: int, target_id: int) -> HttpResponse:
    """A target's result with its breakdown, its disputes (and the form to raise one within
    the window), and for assessors the manual items form while the run is a draft."""
    run = selectors.run_get(rid)
    body = selectors.result_detail(request.user, run, target_id)
    draft = run.status == RunStatus.DRAFT
    may_manual = draft and request.user.has_perm("assessment.add_manualitem")
    may_remove = draft and request.user.has_perm("assessment.delete_manualitem")
    upheld = [d for d in body["disputes"] if d["new_score"] is not None]
    return render(
        request,
        "assessment/result.html",
        {
            "r": body,
            "dispute_open": disputes.is_open(run)
            and not any(d["status"] == "open" for d in body["disputes"]),
            "dispute_deadline": disputes.deadline(run),
            "corrected": upheld[-1] if upheld else None,
            "may_manual": may_manual,
            "manual_items": manual.items_of(run, target_id) if may_remove else [],
            "may_decide": request.user.has_perm("assessment.change_dispute"),
        },
    )


@scoped_page
def xlsx_page(request: HttpRequest, rid: int) -> HttpResponse:
    run = selectors.run_get(rid)
    response = HttpResponse(
        bulletin.run_xlsx(request.user, run),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{run.pk}-{run.period}.xlsx"'
    )
    return response


@require_POST
@scoped_page
def dispute_post(request: HttpRequest, rid: int, target_id: int) -> HttpResponse:
    disputes.raise_dispute(
        selectors.run_get(rid),
        target_id=target_id,
        user=request.user,
        reason=request.POST.get("reason", ""),
        ip=client_ip(request),
    )
    return redirect("assessment:result", rid, target_id)


@scoped_page
def disputes_page(request: HttpRequest) -> HttpResponse:
    """Assessors: the open disputes to decide, and the latest decided; others: their own."""
    qs = disputes.visible(request.user)
    assessor = request.user.has_perm("assessment.change_dispute")
    return render(
        request,
        "assessment/disputes.html",
        {
            "open": qs.filter(status=DisputeStatus.OPEN).order_by("raised_at", "id")[:200],
            "decided": qs.exclude(status=DisputeStatus.OPEN).order_by("-decided_at", "-id")[:50],
            "assessor": assessor,
        },
    )


@require_POST
@scoped_page
def dispute_decide(request: HttpRequest, did: int) -> HttpResponse:
    services.require(request.user, "assessment.change_dispute")
    outcome = request.POST.get("outcome", "")
    if outcome not in ("upheld", "rejected"):
        raise services.invalid(_("Choose upheld or rejected."), field="outcome")
    disputes.decide(
        disputes.dispute_get(did),
        user=request.user,
        upheld=outcome == "upheld",
        decision=request.POST.get("decision", ""),
        new_score=request.POST.get("new_score", "") if outcome == "upheld" else None,
        ip=client_ip(request),
    )
    return redirect("assessment:disputes")


@require_POST
@scoped_page
def manual_post(request: HttpRequest, rid: int, target_id: int) -> HttpResponse:
    manual.manual_add(
        selectors.run_get(rid),
        user=request.user,
        target_id=target_id,
        points=request.POST.get("points", "").strip(),
        reason=request.POST.get("reason", ""),
        ip=client_ip(request),
    )
    return redirect("assessment:result", rid, target_id)


@require_POST
@scoped_page
def manual_remove(request: HttpRequest, rid: int, target_id: int, mid: int) -> HttpResponse:
    run = selectors.run_get(rid)
    manual.manual_remove(
        run, user=request.user, item=manual.manual_get(run, mid), ip=client_ip(request)
    )
    return redirect("assessment:result", rid, target_id)


@scoped_page
def bulletins_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    qs = bulletins.visible(request.user)
    if kind in BulletinKind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "assessment/bulletins.html",
        {"bulletins": qs[:200], "kinds": BulletinKind.choices, "kind": kind},
    )


@scoped_page
def bulletin_page(request: HttpRequest, bid: int) -> HttpResponse:
    """The print view: an A4 print stylesheet; the browser prints it to PDF."""
    b = bulletins.get(request.user, bid)
    return render(request, "assessment/bulletin.html", {"b": b, "d": b.data})


@scoped_page
def bulletin_xlsx(request: HttpRequest, bid: int) -> HttpResponse:
    b = bulletins.get(request.user, bid)
    response = HttpResponse(
        bulletins.xlsx(b),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{b.kind}-{b.period}.xlsx"'
    return response


@scoped_page
def subscriptions_page(request: HttpRequest) -> HttpResponse:
    """The user's bulletin subscriptions: subscribe to a kind of an area in their scope
    (POST action=add), or give one up (action=remove)."""
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            subscriptions.subscription_remove(
                user=request.user, pk=_int(request.POST.get("id"), "id")
            )
        else:
            subscriptions.subscription_add(
                user=request.user,
                kind=request.POST.get("kind", ""),
                area_code=request.POST.get("area", ""),
            )
        return redirect("assessment:subscriptions")
    return render(
        request,
        "assessment/subscriptions.html",
        {
            "subs": subscriptions.of(request.user),
            "areas": subscriptions.areas(request.user),
            "kinds": BulletinKind.choices,
        },
    )


def _int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise services.invalid(_("%(f)s must be a whole number.") % {"f": field}, field) from None


@scoped_page
def schemes_page(request: HttpRequest) -> HttpResponse:
    editor.require_open(request.user)
    schemes = Scheme.objects.order_by("code", "-valid_from")[:200]
    return render(request, "assessment/schemes.html", {"schemes": schemes})


def _json_field(text: str, field: str) -> Any:
    text = (text or "").strip()
    if not text:
        return []
    try:
        return json.loads(text)
    except ValueError:
        raise services.invalid(
            _("%(f)s: expected JSON, e.g. [[90, 1], [80, 0.5]].") % {"f": field}, field=field
        ) from None


def _form_adjustments(request: HttpRequest) -> list[dict[str, Any]]:
    """The adjustments' rows (the last one blank for a new one), less those ticked off."""
    out = []
    for n in range(_int(request.POST.get("adj_rows"), "adj_rows") + 1):
        name = request.POST.get(f"adj_name_{n}", "").strip()
        if not name or request.POST.get(f"adj_remove_{n}"):
            continue
        out.append(
            {
                "name": name,
                "flags": request.POST.get(f"adj_flags_{n}", ""),
                "points": request.POST.get(f"adj_points_{n}", ""),
                "cap": request.POST.get(f"adj_cap_{n}", ""),
            }
        )
    return out


def _form_edit(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    """The draft the form holds: its indicators (`codes`: those of the scheme and any added,
    less those removed), their values, the adjustments' rows and the grades."""
    current = [it.indicator.code for it in scheme.items.select_related("indicator")]
    codes = [c for c in request.POST.getlist("codes") if c] or current
    drop = set(request.POST.getlist("remove"))
    action = request.POST.get("action", "")
    if action == "add":
        new = request.POST.get("add_code", "").strip()
        if not new:
            raise services.invalid(_("Choose an indicator to add."), field="add_code")
        if new not in codes:
            codes.append(new)
    kept = [c for c in codes if c not in drop]
    items = []
    for code in kept:
        row: dict[str, Any] = {"code": code}
        for key in ("weight", "floor", "target"):
            value = request.POST.get(f"{key}_{code}")
            if value is not None:
                row[key] = value
        if code == request.POST.get("add_code") and action == "add":
            row.setdefault("weight", request.POST.get("add_weight", "") or "0")
        bands = request.POST.get(f"bands_{code}")
        if bands is not None:
            row["bands"] = _json_field(bands, f"bands_{code}")
        items.append(row)
    edit: dict[str, Any] = {
        "items": items,
        "remove": [c for c in current if c not in kept],
    }
    if "adj_rows" in request.POST:
        edit["adjustments"] = _form_adjustments(request)
    grades = _json_field(request.POST.get("grades", ""), "grades")
    if grades:
        edit["grades"] = grades
    return edit


@scoped_page
def scheme_page(request: HttpRequest, sid: int) -> HttpResponse:
    """The editor: add and remove indicators, their weights, floors, targets and bands, the
    deductions and bonuses with their caps, the grades; a preview of the last closed month's
    scores under the draft (POST action=preview or add) before it is saved (action=save,
    permission assessment.change_scheme) or made a new version from a period on
    (action=version, permission assessment.add_scheme)."""
    editor.require_open(request.user)
    scheme = editor.scheme_get(sid)
    edit: dict[str, Any] = {"items": []}
    if request.method == "POST":
        edit = _form_edit(request, scheme)
        action = request.POST.get("action")
        ip = client_ip(request)
        if action == "save":
            editor.save(request.user, scheme, edit, ip=ip)
            return redirect("assessment:scheme", scheme.pk)
        if action == "version":
            new = editor.version_new(
                request.user, scheme, edit, period=request.POST.get("from_period", ""), ip=ip
            )
            return redirect("assessment:scheme", new.pk)
    period = request.POST.get("period") or request.GET.get("period") or ""
    draft = editor.draft(scheme, edit)
    preview = editor.preview(request.user, scheme, edit, period)
    in_scheme = {it["code"] for it in draft["items"]}
    last = editor.last_published(scheme.code)
    return render(
        request,
        "assessment/scheme.html",
        {
            "s": draft,
            "grades_json": json.dumps(draft["grades"]),
            "preview": preview,
            "library": [i for i in editor.library(scheme) if i.code not in in_scheme],
            "versions": Scheme.objects.filter(code=scheme.code).order_by("-valid_from"),
            "last_published": last,
            "adj_rows": len(draft["adjustments"]),
            "may_save": request.user.has_perm("assessment.change_scheme"),
            "may_version": request.user.has_perm("assessment.add_scheme"),
        },
    )
