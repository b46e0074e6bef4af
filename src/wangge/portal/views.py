"""Pages of the resident portal (随手拍): no account. Report, look up a code, follow one's
own report by its private link and rate the result. Thin: parse, call services, render."""

import json
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wangge.accounts.clients import client_address
from wangge.accounts.ratelimit import rate_limited
from wangge.errors import DomainError
from wangge.events.models import Satisfaction, Status
from wangge.portal import selectors, services
from wangge.regions.models import Area
from wangge.regions.spatial_index import tree_version

OUTLINE_LEVELS = 2  # the district and its streets: enough to place a pin without tiles
FIELDS = ("text", "category", "lon", "lat", "address", "name", "phone")


def _body_limit() -> int:
    photos = settings.WANGGE_PORTAL_MAX_PHOTOS * settings.WANGGE_PORTAL_MAX_PHOTO_MB
    return (photos + 1) * 1024 * 1024  # the photos and a megabyte of form


def _too_big() -> DomainError:
    return DomainError.one(
        _("The report is too large: at most %(n)s photos of %(mb)s MB each.")
        % {"n": settings.WANGGE_PORTAL_MAX_PHOTOS, "mb": settings.WANGGE_PORTAL_MAX_PHOTO_MB},
        field="photos",
        code="too_large",
        status=413,
    )


def _report_form(
    request: HttpRequest, posted: dict[str, str], error: DomainError | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/report.html",
        {
            "categories": services.offered_categories(),
            "posted": posted,
            "error": error,
            "fields_in_error": {p.field for p in error.problems} if error else set(),
            "max_photos": settings.WANGGE_PORTAL_MAX_PHOTOS,
            "max_photo_mb": settings.WANGGE_PORTAL_MAX_PHOTO_MB,
            "text_max": services.TEXT_MAX,
            "address_max": services.ADDRESS_MAX,
            "name_max": services.NAME_MAX,
            "honeypot": services.HONEYPOT,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _report_form(request, {}, None)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _body_limit():  # refused before the body is read
        return _report_form(request, {}, _too_big(), status=413)
    posted = {name: request.POST.get(name, "") for name in FIELDS}
    data = services.ReportInput(
        **posted,
        honeypot=request.POST.get(services.HONEYPOT, ""),
        photos=[f for f in request.FILES.getlist("photos") if f.size],
    )
    try:
        done = services.portal_report(data=data, client=client_address(request))
    except DomainError as error:
        return _report_form(request, posted, error, status=error.status)
    url = reverse("portal:follow", args=[done.event.code, done.token])
    return redirect(f"{url}?new=1", permanent=False)


@rate_limited("WANGGE_RATE_PORTAL_LOOKUP", methods=("GET",), when=lambda r: "code" in r.GET)
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    if code:
        event = selectors.resident_event(code)
        if event is not None:
            return redirect("portal:status", code=event.code)
    return render(
        request,
        "portal/lookup.html",
        {"code": code, "not_found": bool(code)},
        status=404 if code else 200,
    )


def _case_context(event: Any) -> dict[str, Any]:
    case = selectors.public_case(event)
    return {
        "after_photos": list(
            case.current.attachments.filter(kind="after").exclude(thumbnail="")[:9]
        ),
        "case": case,
        "event": event,
        "current": case.current,
        "closed": case.current.status == Status.CLOSED,
        "steps": list(reversed(case.steps)),  # the newest first
    }


@never_cache
@rate_limited("WANGGE_RATE_PORTAL_LOOKUP", methods=("GET", "POST"))
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The public progress of a report; its reporter may rate it here with the last four
    digits of the phone they gave (when the follow link is lost)."""
    event = selectors.resident_event(code)
    if event is None:
        raise Http404
    error: DomainError | None = None
    if request.method == "POST":
        try:
            services.portal_rate_by_phone(
                code=code,
                last4=request.POST.get("last4", ""),
                satisfaction=request.POST.get("satisfaction", ""),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            error = exc
            event.refresh_from_db()
        else:
            return redirect("portal:status", code=code)
    context = _case_context(event)
    rated = bool(event.satisfaction)
    context.update(
        {
            "may_rate_by_phone": event.status == Status.CLOSED
            and not rated
            and bool(event.reporter_phone_masked),
            "rated_public": rated,
            "satisfactions": Satisfaction.choices,
            "error": error,
            "posted": request.POST if error else {},
        }
    )
    return render(request, "portal/status.html", context, status=error.status if error else 200)


@require_GET
def after_photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A photo the department took after handling, on the public page."""
    event = selectors.resident_event(code)
    current = selectors.public_case(event).current if event else None
    handle = (
        services.after_photo_file(current, pk, request.GET.get("size") == "thumb")
        if current
        else None
    )
    if handle is None:
        raise Http404
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _follow_page(
    request: HttpRequest, event: Any, token: str, error: DomainError | None, status: int = 200
) -> HttpResponse:
    context = _case_context(event)
    rated = bool(event.satisfaction)
    context.update(
        {
            "private": True,
            "token": token,
            "new": request.GET.get("new") == "1",
            "follow_url": request.build_absolute_uri(
                reverse("portal:follow", args=[event.code, token])
            ),
            "photos": list(event.attachments.filter(kind="before").exclude(thumbnail="")),
            "may_rate": event.status == Status.CLOSED and not rated,
            "rated": rated,
            "satisfactions": Satisfaction.choices,
            "error": error,
            "posted": request.POST if error else {},
        }
    )
    response = render(request, "portal/status.html", context, status=status)
    # The link is the key: never passed to another site (same-origin, not no-referrer,
    # under which browsers send "Origin: null" and the CSRF check refuses the rating).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@rate_limited("WANGGE_RATE_PORTAL_FOLLOW", methods=("GET", "POST"))
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, code: str, token: str) -> HttpResponse:
    event = services.follow_event(code, token)
    if event is None:
        raise Http404
    if request.method != "POST":
        return _follow_page(request, event, token, None)
    try:
        services.portal_rate(
            code=code,
            token=token,
            satisfaction=request.POST.get("satisfaction", ""),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as error:
        event.refresh_from_db()
        return _follow_page(request, event, token, error, status=error.status)
    return redirect("portal:follow", code=code, token=token)


@require_GET
def follow_photo(request: HttpRequest, code: str, token: str, pk: int) -> FileResponse:
    """The reporter's own photos, for the holder of the follow link only."""
    event = services.follow_event(code, token)
    handle = services.photo_file(event, pk, request.GET.get("size") == "thumb") if event else None
    if handle is None:
        raise Http404
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


_outline: tuple[int, bytes] | None = None


@require_GET
def outline(request: HttpRequest) -> HttpResponse:
    """The jurisdiction's top levels as GeoJSON, to place a pin on without map tiles.
    Administrative boundaries are public; kept per process until the tree changes."""
    global _outline
    version = tree_version()
    if _outline is None or _outline[0] != version:
        areas = Area.objects.live().filter(level__lte=OUTLINE_LEVELS).exclude(Q(geometry=""))
        features = [
            {
                "type": "Feature",
                "properties": {"name": a.name, "level": a.level},
                "geometry": json.loads(a.geometry),
            }
            for a in areas.only("name", "level", "geometry")
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        _outline = (version, body)
    response = HttpResponse(_outline[1], content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    return response
