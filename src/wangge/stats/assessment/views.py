"""Assessment pages: runs, a run's ranking with red and black lists, a target's drill-down
to its cases. Thin over `selectors`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.pages import scoped_page
from wangge.stats.assessment import bulletin, selectors
from wangge.stats.assessment.models import Run


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
