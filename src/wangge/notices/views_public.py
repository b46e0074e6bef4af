"""The resident notice board (no account): per community or micro-grid, found by code, and
a printable A4 notice whose QR code leads back to it."""

import math

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from wangge.notices import selectors
from wangge.notices.models import Notice
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index


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


def _located(lon: str, lat: str) -> str | None:
    """The code of the deepest area at a WGS-84 point (the phone's position), if any."""
    try:
        x, y = float(lon), float(lat)
    except ValueError:
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    found = get_index().locate(x, y)
    return found.chain[0].code if found.chain else None


def find(request: HttpRequest) -> HttpResponse:
    """Find a board by code, or by the phone's position (lon, lat)."""
    code = request.GET.get("code", "").strip()
    if not code and "lon" in request.GET:
        code = _located(request.GET.get("lon", ""), request.GET.get("lat", "")) or ""
        if not code:
            return render(request, "notices/public_find.html", {"outside": True})
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
    # segno's own SVG of our URL (S308 reviewed)
    qr = mark_safe(segno.make(url, error="m").svg_inline(scale=4))  # noqa: S308
    return render(
        request,
        "notices/public_print.html",
        {"area": area, "notice": item, "qr": qr, "url": url},
    )
