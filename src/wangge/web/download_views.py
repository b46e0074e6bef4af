"""我的下载: the person's background exports, asked for from the queue and campaign pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wangge.accounts.audit import client_ip
from wangge.errors import DomainError
from wangge.web import downloads

SHOWN = 20


@login_required
@never_cache
def downloads_page(request: HttpRequest) -> HttpResponse:
    """The list; while one is being prepared its rows refresh by themselves (htmx)."""
    rows = downloads.downloads_listed(request.user, SHOWN)
    template = "web/downloads/_rows.html" if request.headers.get("HX-Request") else None
    context = {
        "downloads": rows,
        "pending": any(d.pending for d in rows),
        "days": settings.WANGGE_DOWNLOAD_DAYS,
    }
    return render(request, template or "web/downloads/page.html", context)


@login_required
@require_POST
def download_new(request: HttpRequest) -> HttpResponse:
    params = {k: str(request.POST.get(k, "")) for k in ("query", "campaign") if k in request.POST}
    try:
        download = downloads.download_start(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            params=params,
            ip=client_ip(request),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(str(exc)) from None
        messages.error(request, str(exc))
        return redirect("web:downloads")
    messages.success(request, download.title)
    return redirect("web:downloads")


@login_required
def download_fetch(request: HttpRequest, pk: int) -> FileResponse:
    try:
        path, filename = downloads.download_file(actor=request.user, pk=pk)
    except DomainError as exc:
        raise Http404(str(exc)) from None
    response = FileResponse(path.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"  # it may name residents
    return response
