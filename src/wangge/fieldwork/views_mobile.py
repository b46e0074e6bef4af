"""The grid worker's phone home page (today's tasks) and the party report-in pages."""

import datetime as dt
import math
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.fieldwork import offline, today
from wangge.fieldwork.patrols import selectors as patrol_selectors
from wangge.pages import scoped_page
from wangge.people import scoping as people_scoping
from wangge.people.models import PartyMember
from wangge.people.party import selectors as people_party_selectors
from wangge.people.party import services as people_party_services
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

REPORT_IN_MINIMUM = 2  # in-service members report to their grid at least twice a year


def valid_position(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    """(lon, lat) when both are finite and in range, else (None, None): a bad position only
    loses the distance ordering (the API's /today uses this too)."""
    if lon is None or lat is None:
        return None, None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, None
    return lon, lat


def _position(request: HttpRequest) -> tuple[float | None, float | None]:
    """The worker's lon/lat from the query string, when the browser gave them."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return None, None
    return valid_position(lon, lat)


@scoped_page
def home(request: HttpRequest) -> HttpResponse:
    lon, lat = _position(request)
    day = timezone.localdate()
    placed = today.order(today.collect(request.user, day), lon, lat)
    groups = today.grouped(placed)
    shown = request.GET.get("kind", "")
    if shown not in {g.kind for g in groups}:
        shown = ""
    keep = {k: request.GET[k] for k in ("lon", "lat") if k in request.GET and lon is not None}
    return render(
        request,
        "fieldwork/mobile/today.html",
        {
            "groups": [g for g in groups if not shown or g.kind == shown],
            "chips": groups,
            "shown": shown,
            "position": urlencode(keep),
            "total": len(placed),
            "located": lon is not None,
            "current": patrol_selectors.open_patrol(request.user),
            "overdue": sum(p.item.overdue for p in placed),
            "day": day,
            "done": today.done_today(request.user, day),
        },
    )


# -- party report-ins (在职党员到网格报到) ------------------------------------------------------
@scoped_page
def party(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    return render(
        request,
        "fieldwork/mobile/party.html",
        {
            "below": people_party_selectors.report_in_below(request.user, year, REPORT_IN_MINIMUM),
            "check": people_party_selectors.report_in_check(request.user, year, REPORT_IN_MINIMUM),
            "year": year,
            "minimum": REPORT_IN_MINIMUM,
        },
    )


def _grids(request: HttpRequest) -> list[Area]:
    return patrol_selectors.patrol_areas(request.user)


@scoped_page
def party_report_in(request: HttpRequest, mid: int) -> HttpResponse:
    member = people_scoping.get_scoped(PartyMember, request.user, mid, "branch__area")
    error: DomainError | None = None
    grids = _grids(request)
    if request.method == "POST":
        post = request.POST

        def write() -> str:
            code = post.get("area", "").strip()
            area = Area.objects.live().filter(code=code).first() if code else None
            if code and area is None:
                raise DomainError.one(_("No area has this code."), field="area")
            try:
                on = dt.date.fromisoformat(post["on"]) if post.get("on") else None
            except ValueError:
                raise DomainError.one(_("Dates are written as YYYY-MM-DD."), field="on") from None
            people_party_services.report_in_record(
                actor=request.user,
                member=member,
                area=area,
                on=on,
                activity=post.get("activity", ""),
            )
            return reverse("fieldwork:party")

        try:
            url, created = offline.once(
                request.user, offline.request_key(request), "report_in", write
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            error = exc
        else:
            if created:
                messages.success(request, _("Report-in of %(name)s recorded.") % {"name": member})
            return offline.stored(request, url)
    return render(
        request,
        "fieldwork/mobile/report_in.html",
        {
            "member": member,
            "grids": grids,
            "history": without_geometry(member.report_ins.select_related("area"))[:10],
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "today": timezone.localdate(),
            "client_key": request.POST.get("client_key") or offline.new_client_key("party"),
        },
        status=error.status if error else 200,
    )
