"""Patrols, track points, inspections, findings and figures over HTTP.

Every read is scoped: a patrol is seen by its worker and by posts over its area, an inspection
by its inspector and posts over the point; anything else is 404.
"""

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.accounts.scope import can_see
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.fieldwork import offline
from wangge.fieldwork.patrols import figures as patrol_figures
from wangge.fieldwork.patrols import rounds, selectors
from wangge.fieldwork.patrols import services as patrols
from wangge.fieldwork.patrols.models import Inspection, Patrol
from wangge.inputs import Day, Input, Int
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

router = Router(tags=["fieldwork"])


def _area(code: str) -> Area | None:
    if not code:
        return None
    found = Area.objects.live().filter(code=code).first()
    if found is None:
        raise DomainError.one(_("No area has this code."), field="area")
    return found


# -- patrols -------------------------------------------------------------------------------
class PatrolOut(Schema):
    id: int
    worker: str
    area: str
    area_name: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    distance_m: float
    point_count: int
    note: str

    @staticmethod
    def of(p: Patrol) -> dict[str, Any]:
        return {
            "id": p.pk,
            "worker": p.worker.get_username(),
            "area": p.area.code,
            "area_name": p.area.name,
            "started_at": p.started_at,
            "ended_at": p.ended_at,
            "distance_m": p.distance_m,
            "point_count": p.point_count,
            "note": p.note,
        }


class StartIn(Input):
    area: str = ""
    note: str = ""


@router.get("/patrols", response=list[PatrolOut], summary="Patrols in my areas")
@paged
def patrol_list(
    request: HttpRequest,
    since: Day | None = None,
    until: Day | None = None,
    worker: str = "",
    open: bool | None = None,
) -> Rows:
    qs = without_geometry(selectors.patrols_visible(request.user).select_related("worker", "area"))
    if since:
        qs = qs.filter(started_at__date__gte=since)
    if until:
        qs = qs.filter(started_at__date__lte=until)
    if worker:
        qs = qs.filter(worker__username=worker)
    if open is not None:
        qs = qs.filter(ended_at__isnull=open)
    return Rows(qs, each=PatrolOut.of)


@router.post("/patrols", response={201: PatrolOut}, summary="Start a patrol")
def patrol_start(request: HttpRequest, body: StartIn) -> Status[Any]:
    p = patrols.patrol_start(actor=request.user, area=_area(body.area), note=body.note)
    return Status(201, PatrolOut.of(p))


@router.get("/patrols/{int:pid}", response=PatrolOut, summary="A patrol")
def patrol_get(request: HttpRequest, pid: Int) -> dict[str, Any]:
    return PatrolOut.of(selectors.patrol_get(request.user, pid))


@router.get("/patrols/{int:pid}/track", response=dict[str, Any], summary="The track (GeoJSON)")
def patrol_track(request: HttpRequest, pid: Int) -> dict[str, Any]:
    return selectors.track_geojson(selectors.patrol_get(request.user, pid))


class PointIn(Input):
    at: dt.datetime
    lon: float
    lat: float
    accuracy_m: float | None = None


class PointsIn(Input):
    points: list[PointIn]
    crs: str = "wgs84"
    skip_invalid: bool = False


class PatrolProblemOut(Schema):
    item: str
    field: str
    code: str
    message: str


class PointsOut(Schema):
    added: int
    duplicates: int
    point_count: int
    distance_m: float
    rejected: list[PatrolProblemOut]


@router.post("/patrols/{int:pid}/points", response=PointsOut, summary="Send track points")
def patrol_points(request: HttpRequest, pid: Int, body: PointsIn) -> dict[str, Any]:
    p = selectors.patrol_get(request.user, pid)
    added = patrols.patrol_add_points(
        actor=request.user,
        patrol=p,
        points=[pt.dict() for pt in body.points],
        crs=body.crs,
        skip_invalid=body.skip_invalid,
    )
    return {
        "added": added.added,
        "duplicates": added.duplicates,
        "point_count": added.point_count,
        "distance_m": added.distance_m,
        "rejected": [r.as_dict() for r in added.rejected],
    }


class EndIn(Input):
    note: str = ""


@router.post("/patrols/{int:pid}/end", response=PatrolOut, summary="End a patrol")
def patrol_end(request: HttpRequest, pid: Int, body: EndIn) -> dict[str, Any]:
    p = selectors.patrol_get(request.user, pid)
    return PatrolOut.of(patrols.patrol_end(actor=request.user, patrol=p, note=body.note))


# -- inspections and findings ---------------------------------------------------------------
class InspectionOut(Schema):
    id: int
    target_kind: str
    target_id: int
    target: str
    area: str
    inspector: str
    done_on: dt.date
    result: str
    note: str
    patrol_id: int | None
    distance_m: float | None
    photo: str
    events: list[str]

    @staticmethod
    def of(i: Inspection) -> dict[str, Any]:
        target = i.hazard or i.facility
        return {
            "id": i.pk,
            "target_kind": "hazard" if i.hazard_id else "facility",
            "target_id": target.pk if target else 0,
            "target": str(target),
            "area": i.area.code,
            "inspector": i.inspector.get_username(),
            "done_on": i.done_on,
            "result": i.result,
            "note": i.note,
            "patrol_id": i.patrol_id,
            "distance_m": i.distance_m,
            # The scoped download (login and scope), not the unserved /media/.
            "photo": reverse("fieldwork:inspection_photo", args=[i.pk]) if i.photo else "",
            "events": [f.event.code for f in i.findings.all()],
        }


@router.get("/patrols/inspections", response=list[InspectionOut], summary="Inspections in my areas")
@paged
def inspection_list(
    request: HttpRequest, since: Day | None = None, until: Day | None = None
) -> Rows:
    qs = without_geometry(
        rounds.inspections_visible(request.user).select_related(
            "hazard", "facility", "area", "inspector"
        )
    )
    if since:
        qs = qs.filter(done_on__gte=since)
    if until:
        qs = qs.filter(done_on__lte=until)
    return Rows(qs.prefetch_related("findings__event"), each=InspectionOut.of)


def _inspection_in(url: str) -> int | None:
    """The inspection id an earlier send of this API stored in its URL."""
    value = parse_qs(urlsplit(url).query).get("inspection", [""])[0]
    return int(value) if value.isascii() and value.isdigit() else None


class InspectionCreated(Schema):
    inspection: InspectionOut
    event: str | None


@router.post(
    "/patrols/inspections",
    response={201: InspectionCreated, 200: InspectionCreated},
    summary="Record an inspection (multipart; with `category`, its problem becomes an event)",
)
def inspection_create(
    request: HttpRequest,
    target_kind: Form[str],
    target_id: Form[int],
    result: Form[str],
    note: Form[str] = "",
    lon: Form[float | None] = None,
    lat: Form[float | None] = None,
    patrol: Form[int | None] = None,
    category: Form[str] = "",
    title: Form[str] = "",
    client_key: Form[str] = "",
    photo: File[UploadedFile | None] = None,
) -> Status[Any]:
    target = selectors.target_get(request.user, target_kind, target_id)
    round_ = selectors.patrol_get(request.user, patrol) if patrol else None
    made: dict[str, Any] = {}

    def write() -> str:
        inspection, event = patrols.inspection_with_finding(
            actor=request.user,
            target=target,
            result=result,
            note=note,
            photo=photo.read() if photo else None,
            lon=lon,
            lat=lat,
            patrol=round_,
            category=selectors.category_of(category),
            title=title,
        )
        made["inspection"], made["event"] = inspection.pk, event.code if event else None
        # A real page URL (the point's form), naming the inspection for a replay.
        url = reverse("fieldwork:inspect", args=[target_kind, target_id])
        return f"{url}?{urlencode({'inspection': inspection.pk})}"

    # Its own kind: a key the phone page stored (with another URL) is refused, not parsed.
    url, created = offline.once(request.user, client_key, "inspection_api", write)
    pk: int = made.get("inspection") or _inspection_in(url) or 0
    inspection = (
        without_geometry(
            Inspection.objects.select_related("hazard", "facility", "area", "inspector")
        )
        .filter(pk=pk, inspector_id=request.user.pk)  # the key is the caller's (offline.once)
        .first()
    )
    if inspection is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    event = made.get("event") or next((f.event.code for f in inspection.findings.all()), None)
    return Status(
        201 if created else 200, {"inspection": InspectionOut.of(inspection), "event": event}
    )


class PatrolFindingIn(Input):
    category: str
    title: str = Field(max_length=patrols.MAX_TITLE)
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    client_key: str = Field("", max_length=patrols.MAX_CLIENT_KEY)


@router.post(
    "/patrols/{int:pid}/findings", response={201: dict[str, Any]}, summary="Report a finding"
)
def finding_create(request: HttpRequest, pid: Int, body: PatrolFindingIn) -> Status[Any]:
    p = selectors.patrol_get(request.user, pid)
    category = selectors.category_of(body.category)
    if category is None:
        raise DomainError.one(_("Choose a category."), field="category", code="required")
    event = patrols.finding_report(
        actor=request.user,
        category=category,
        title=body.title,
        description=body.description,
        patrol=p,
        lon=body.lon,
        lat=body.lat,
        client_key=body.client_key or None,
    )
    return Status(201, {"event": event.code, "patrol": p.pk})


class PatrolTaskOut(Schema):
    kind: str
    id: int
    name: str
    area: str
    address: str
    lon: float | None
    lat: float | None
    due_on: dt.date
    overdue: bool


@router.get(
    "/patrols/inspections/due",
    response=list[PatrolTaskOut],
    summary="Inspections due (mine; `all=true`: every due point in my areas)",
)
@paged
def inspections_due(request: HttpRequest, all: bool = False) -> Rows:
    day = timezone.localdate()
    tasks = rounds.tasks_in_scope(request.user, day) if all else rounds.tasks_for(request.user, day)
    return Rows(
        sorted(tasks, key=lambda t: (t.due_on, str(t.target))),
        each=lambda t: {
            "kind": t.kind,
            "id": t.target.pk,
            "name": str(t.target),
            "area": t.target.area.code if t.target.area else "",
            "address": t.target.address,
            "lon": t.target.lon,
            "lat": t.target.lat,
            "due_on": t.due_on,
            "overdue": t.overdue(day),
        },
    )


# -- figures -----------------------------------------------------------------------------
@router.get("/patrols/figures", response=dict[str, Any], summary="Patrol and inspection figures")
def figures(
    request: HttpRequest, since: str = "", until: str = "", area: str = ""
) -> dict[str, Any]:
    where = _area(area)
    if where is not None and not can_see(request.user, where):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    start, end = patrol_figures.parse_period(since, until)
    f = patrol_figures.figures(request.user, start, end, where)
    return {
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
        "area": f.area.code if f.area else "",
        "total": f.total.as_dict(),
        "areas": [r.as_dict() for r in f.areas],
        "workers": [r.as_dict() for r in f.workers],
    }
