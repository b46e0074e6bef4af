"""Pages of patrols: the round (start, track, end) and inspection forms on the phone, the
figures in the command centre. Thin: parse, call the services, selectors and `rounds`, render."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.scope import can_see
from wangge.errors import DomainError
from wangge.events.models import Category
from wangge.fieldwork import offline
from wangge.fieldwork.patrols import figures as patrol_figures
from wangge.fieldwork.patrols import rounds, selectors
from wangge.fieldwork.patrols import services as patrols
from wangge.fieldwork.patrols.models import Inspection
from wangge.pages import optional_number, scoped_page
from wangge.regions.models import Area


def categories() -> list[tuple[Category, list[Category]]]:
    every = list(Category.objects.filter(active=True).select_related("parent"))
    return [
        (top, [c for c in every if c.parent_id == top.pk]) for top in every if not top.parent_id
    ]


def _photo(request: HttpRequest) -> bytes | None:
    upload = request.FILES.get("photo")
    return upload.read() if upload is not None and upload.size else None


# -- the round -----------------------------------------------------------------------------
@scoped_page
def patrol_home(request: HttpRequest) -> HttpResponse:
    """Start or continue a round; the page sends the track while it is open."""
    current = selectors.open_patrol(request.user)
    recent = selectors.patrols_visible(request.user).filter(worker_id=request.user.pk)[:10]
    tasks = rounds.tasks_for(request.user, timezone.localdate())
    return render(
        request,
        "fieldwork/patrols/home.html",
        {
            "current": current,
            "recent": recent,
            "areas": selectors.patrol_areas(request.user),
            "tasks": tasks,
            "today": timezone.localdate(),
            "client_key": offline.new_client_key("patrol"),
            "track": selectors.track_geojson(current) if current else None,
        },
    )


@require_POST
@scoped_page
def patrol_start(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("area", "").strip()
    area = Area.objects.live().filter(code=code).first() if code else None
    if code and area is None:
        raise Http404

    def write() -> str:
        patrols.patrol_start(actor=request.user, area=area)
        return reverse("fieldwork:patrol")

    try:
        url, _created = offline.once(
            request.user, offline.request_key(request), "patrol_start", write
        )
    except DomainError as exc:
        messages.error(request, "; ".join(p.message for p in exc.problems))
        return offline.stored(request, reverse("fieldwork:patrol"))
    messages.success(request, _("Patrol started. Keep this page open while you walk."))
    return offline.stored(request, url)


@require_POST
@scoped_page
def patrol_end(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = selectors.patrol_get(request.user, pk)

    def write() -> str:
        ended = patrols.patrol_end(
            actor=request.user, patrol=patrol, note=request.POST.get("note", "")
        )
        return reverse("fieldwork:patrol_detail", args=[ended.pk])

    try:
        url, _created = offline.once(
            request.user, offline.request_key(request), "patrol_end", write
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, "; ".join(p.message for p in exc.problems))
        return offline.stored(request, reverse("fieldwork:patrol_detail", args=[patrol.pk]))
    messages.success(request, _("Patrol ended."))
    return offline.stored(request, url)


@scoped_page
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = selectors.patrol_get(request.user, pk)
    return render(
        request,
        "fieldwork/patrols/detail.html",
        {
            "patrol": patrol,
            "inspections": patrol.inspections.select_related("hazard", "facility"),
            "findings": patrol.findings.select_related("event"),
            "track": selectors.track_geojson(patrol),
        },
    )


# -- inspections and findings ---------------------------------------------------------------
def _inspect_form(
    request: HttpRequest, target: selectors.Target, kind: str, *, error: DomainError | None = None
) -> HttpResponse:
    return render(
        request,
        "fieldwork/patrols/inspect.html",
        {
            "target": target,
            "kind": kind,
            "current": selectors.open_patrol(request.user),
            "groups": categories(),
            "history": Inspection.objects.filter(**{kind: target}).select_related("inspector")[:5],
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "client_key": request.POST.get("client_key") or offline.new_client_key("insp"),
        },
        status=error.status if error else 200,
    )


@scoped_page
def inspect(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    target = selectors.target_get(request.user, kind, pk)
    if request.method != "POST":
        return _inspect_form(request, target, kind)
    post = request.POST
    current = selectors.open_patrol(request.user)

    def write() -> str:
        category = selectors.category_of(post.get("category", "")) if post.get("report") else None
        if post.get("report") and category is None:
            raise DomainError.one(_("Choose a category."), field="category", code="required")
        inspection, event = patrols.inspection_with_finding(
            actor=request.user,
            target=target,
            result=post.get("result", ""),
            note=post.get("note", ""),
            photo=_photo(request),
            lon=optional_number(post.get("lon"), "lon"),
            lat=optional_number(post.get("lat"), "lat"),
            patrol=current if post.get("on_patrol", "1") == "1" else None,
            category=category,
            title=post.get("title", ""),
        )
        if event is not None:
            return reverse("web:event", args=[event.code])
        if inspection.patrol_id:
            return reverse("fieldwork:patrol")
        return reverse("fieldwork:today")

    try:
        url, created = offline.once(request.user, offline.request_key(request), "inspection", write)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _inspect_form(request, target, kind, error=exc)
    if created:
        messages.success(request, _("Inspection of %(t)s recorded.") % {"t": target})
    return offline.stored(request, url)


@scoped_page
def finding(request: HttpRequest) -> HttpResponse:
    """Report something found on the round (not at a listed point) as an event."""
    current = selectors.open_patrol(request.user)
    error: DomainError | None = None
    if request.method == "POST":
        post = request.POST

        def write() -> str:
            category = selectors.category_of(post.get("category", ""))
            if category is None:
                raise DomainError.one(_("Choose a category."), field="category", code="required")
            event = patrols.finding_report(
                actor=request.user,
                category=category,
                title=post.get("title", ""),
                description=post.get("description", ""),
                patrol=current,
                lon=optional_number(post.get("lon"), "lon"),
                lat=optional_number(post.get("lat"), "lat"),
                photo=_photo(request),
            )
            return reverse("web:event", args=[event.code])

        try:
            url, created = offline.once(
                request.user, offline.request_key(request), "finding", write
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            error = exc
        else:
            if created:
                messages.success(request, _("Finding reported."))
            return offline.stored(request, url)
    return render(
        request,
        "fieldwork/patrols/finding.html",
        {
            "current": current,
            "groups": categories(),
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "client_key": request.POST.get("client_key") or offline.new_client_key("find"),
        },
        status=error.status if error else 200,
    )


# -- command centre --------------------------------------------------------------------------
@scoped_page
def figures_page(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area", "").strip()
    area = Area.objects.live().filter(code=code).first() if code else None
    if code and (area is None or not can_see(request.user, area)):
        raise Http404
    error = None
    try:
        since, until = patrol_figures.parse_period(
            request.GET.get("since", ""), request.GET.get("until", "")
        )
        result = patrol_figures.figures(request.user, since, until, area)
    except DomainError as exc:
        if exc.status == 404:
            raise
        error, result = exc, None
    return render(
        request,
        "fieldwork/patrols/figures.html",
        {
            "figures": result,
            "error": error,
            "area": area,
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
        },
        status=error.status if error else 200,
    )


@scoped_page
def inspection_photo(request: HttpRequest, pk: int) -> FileResponse:
    """An inspection's photo (`?size=thumb` for the thumbnail), only through the point's area
    or to its inspector (404 otherwise)."""
    found = rounds.inspections_visible(request.user).filter(pk=pk).first()
    if found is None or not found.photo:
        raise Http404
    stored = (
        found.thumbnail if request.GET.get("size") == "thumb" and found.thumbnail else found.photo
    )
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
