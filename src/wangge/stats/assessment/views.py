"""Assessment pages: runs, a run's ranking with red and black lists, a target's drill-down
to its cases. Thin over `selectors`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wangge.pages import scoped_page
from wangge.stats.assessment import bulletin, bulletins, disputes, selectors
from wangge.stats.assessment.models import BulletinKind, Run


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
