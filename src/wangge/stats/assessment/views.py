"""Assessment pages: runs, a run's ranking with red and black lists, a target's drill-down
to its cases. Thin over `selectors`."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.pages import scoped_page
from wangge.stats.assessment import bulletin, bulletins, disputes, editor, selectors, services
from wangge.stats.assessment.models import BulletinKind, Run, Scheme


@scoped_page
def runs_page(request: HttpRequest) -> HttpResponse:
    runs = Run.objects.select_related("scheme").order_by("-date_from", "scheme__code")[:100]
    return render(request, "assessment/runs.html", {"runs": runs})


@scoped_page
def ranking_page(request: HttpRequest, rid: int) -> HttpResponse:
    body = selectors.ranking(request.user, selectors.run_get(rid), 3)
    return render(request, "assessment/ranking.html", body)


@scoped_page
def result_page(request: HttpRequest, rid: int, target_id: int) -> HttpResponse:
    body = selectors.result_detail(request.user, selectors.run_get(rid), target_id)
    return render(request, "assessment/result.html", {"r": body})


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
def schemes_page(request: HttpRequest) -> HttpResponse:
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


def _form_edit(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    items = []
    for it in scheme.items.select_related("indicator"):
        code = it.indicator.code
        items.append(
            {
                "code": code,
                "weight": request.POST.get(f"weight_{code}", it.weight),
                "floor": request.POST.get(f"floor_{code}", it.floor),
                "target": request.POST.get(f"target_{code}", it.target),
                "bands": _json_field(request.POST.get(f"bands_{code}", ""), f"bands_{code}"),
            }
        )
    edit: dict[str, Any] = {"items": items}
    grades = _json_field(request.POST.get("grades", ""), "grades")
    if grades:
        edit["grades"] = grades
    return edit


@scoped_page
def scheme_page(request: HttpRequest, sid: int) -> HttpResponse:
    """The editor: the items' weights, floors, targets and bands and the grades, with a
    preview of the last closed month's scores under the edit (POST action=preview) before
    it is saved (action=save, permission assessment.change_scheme)."""
    scheme = editor.scheme_get(sid)
    edit: dict[str, Any] = {"items": []}
    if request.method == "POST":
        edit = _form_edit(request, scheme)
        if request.POST.get("action") == "save":
            editor.save(request.user, scheme, edit)
            return redirect("assessment:scheme", scheme.pk)
    period = request.POST.get("period") or request.GET.get("period") or ""
    body = editor.as_dict(scheme)
    if edit["items"]:  # show the edited values in the form
        by_code = {i["code"]: i for i in edit["items"]}
        for it in body["items"]:
            change = by_code.get(it["code"], {})
            it.update({k: change[k] for k in ("weight", "floor", "target", "bands") if k in change})
        if edit.get("grades"):
            body["grades"] = edit["grades"]
    for it in body["items"]:
        it["bands_json"] = json.dumps(it["bands"]) if it["bands"] else ""
    return render(
        request,
        "assessment/scheme.html",
        {
            "s": body,
            "grades_json": json.dumps(body["grades"]),
            "preview": editor.preview(request.user, scheme, edit, period),
            "may_save": request.user.has_perm("assessment.change_scheme"),
        },
    )
