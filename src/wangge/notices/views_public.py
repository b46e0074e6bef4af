"""The resident notice board (no account): per community or micro-grid, found by code, and
a printable A4 notice whose QR code leads back to it."""

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from wangge.notices import selectors
from wangge.notices.models import Notice
from wangge.regions.models import Area


def _area(code: str) -> Area:
    area = Area.objects.filter(code=code, valid_to__isnull=True).first()
    if area is None:
        raise Http404
    return area


def _notice(area: Area, pk: int) -> Notice:
    notice = selectors.resident_notices(area).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def find(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code and Area.objects.filter(code=code, valid_to__isnull=True).exists():
        return redirect("notices:public_board", code)
    return render(request, "notices/public_find.html", {"code": code, "missing": bool(code)})


def board(request: HttpRequest, code: str) -> HttpResponse:
    area = _area(code)
    return render(
        request,
        "notices/public_board.html",
        {"area": area, "notices": selectors.resident_notices(area)[:50]},
    )


def notice(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    area = _area(code)
    return render(
        request, "notices/public_notice.html", {"area": area, "notice": _notice(area, pk)}
    )


def printable(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    area = _area(code)
    item = _notice(area, pk)
    url = request.build_absolute_uri(reverse("notices:public_notice", args=[area.code, item.pk]))
    qr = segno.make(url, error="m").svg_inline(scale=4)
    return render(
        request,
        "notices/public_print.html",
        {"area": area, "notice": item, "qr": mark_safe(qr), "url": url},
    )
