"""Visits (三必访, 四必清) over HTTP, under /api/fieldwork/visits/…, always within the caller's
scope (a task or record outside it is 404). Rules are changed by administrators only."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.api_pages import Rows, paged
from wangge.fieldwork.alerts import FieldAlert
from wangge.fieldwork.visits import figures as visit_figures
from wangge.fieldwork.visits import rules as visit_rules
from wangge.fieldwork.visits import schedule, selectors
from wangge.fieldwork.visits import services as visits
from wangge.fieldwork.visits.models import VisitRecord, VisitRule, VisitTask
from wangge.inputs import Input, Int

router = Router(tags=["fieldwork"])


# -- rules -----------------------------------------------------------------------------------
class RuleOut(Schema):
    id: int
    code: str
    name: str
    active: bool
    all_households: bool
    tag_kinds: list[str]
    residence_types: list[str]
    frequency: str
    every_days: int | None
    anchor: dt.date
    checklist: list[dict[str, Any]]
    responsible_role: str
    order: int

    @staticmethod
    def of(r: VisitRule) -> dict[str, Any]:
        return {
            "id": r.pk,
            "code": r.code,
            "name": r.name,
            "active": r.active,
            "all_households": r.all_households,
            "tag_kinds": sorted(k.code for k in r.tag_kinds.all()),
            "residence_types": r.residence_types,
            "frequency": r.frequency,
            "every_days": r.every_days,
            "anchor": r.anchor,
            "checklist": r.checklist,
            "responsible_role": r.responsible_role,
            "order": r.order,
        }


class RuleIn(Input):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    frequency: str = Field(description="yearly | quarterly | monthly | weekly | days")
    every_days: int | None = Field(None, ge=1, le=3660)
    anchor: dt.date | None = None
    all_households: bool = False
    tag_kinds: list[str] = []
    residence_types: list[str] = []
    checklist: list[Any] = []
    responsible_role: str = "liaison"
    active: bool = True
    order: int = Field(0, ge=0, le=32767)


@router.get("/visits/rules", response=list[RuleOut], summary="Visit rules")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [RuleOut.of(r) for r in VisitRule.objects.prefetch_related("tag_kinds")]


@router.post("/visits/rules", response={201: RuleOut}, summary="Create a visit rule (admin)")
def rule_create(request: HttpRequest, body: RuleIn) -> Status[Any]:
    rule = visits.rule_save(actor=request.user, **body.dict())
    return Status(201, RuleOut.of(rule))


@router.get("/visits/rules/{rid}", response=RuleOut, summary="A visit rule")
def rule_get(request: HttpRequest, rid: Int) -> dict[str, Any]:
    return RuleOut.of(get_object_or_404(VisitRule, pk=rid))


@router.put("/visits/rules/{rid}", response=RuleOut, summary="Change a visit rule (admin)")
def rule_update(request: HttpRequest, rid: Int, body: RuleIn) -> dict[str, Any]:
    visit_rules.require_admin(request.user)
    rule = get_object_or_404(VisitRule, pk=rid)
    return RuleOut.of(visits.rule_save(actor=request.user, rule=rule, **body.dict()))


@router.delete("/visits/rules/{rid}", response={204: None}, summary="Delete (or retire) a rule")
def rule_delete(request: HttpRequest, rid: Int) -> Status[Any]:
    visit_rules.require_admin(request.user)
    visits.rule_delete(actor=request.user, rule=get_object_or_404(VisitRule, pk=rid))
    return Status(204, None)


# -- tasks -----------------------------------------------------------------------------------
class TaskOut(Schema):
    id: int
    household_id: int
    household: str
    address: str
    lon: float | None
    lat: float | None
    area: str
    area_name: str
    rule: str
    rule_name: str
    period: str
    period_start: dt.date
    due_on: dt.date
    status: str
    overdue: bool
    assignee: str | None
    done_at: dt.datetime | None

    @staticmethod
    def of(t: VisitTask, today: dt.date) -> dict[str, Any]:
        h = t.household
        return {
            "id": t.pk,
            "household_id": h.pk,
            "household": h.code,
            "address": h.address,
            "lon": h.lon,
            "lat": h.lat,
            "area": t.area.code,
            "area_name": t.area.name,
            "rule": t.rule.code,
            "rule_name": t.rule.name,
            "period": t.period,
            "period_start": t.period_start,
            "due_on": t.due_on,
            "status": t.status,
            "overdue": t.is_overdue(today),
            "assignee": t.assignee.username if t.assignee else None,
            "done_at": t.done_at,
        }


class TaskDetailOut(TaskOut):
    checklist: list[dict[str, Any]]


class TaskFilter(Input):
    status: str = ""
    mine: bool = False
    overdue: bool = False
    area: str = Field("", description="area code: its whole subtree")
    on: dt.date | None = Field(None, description="tasks whose period contains this day")
    household: int | None = None


@router.get("/visits/tasks", response=list[TaskOut], summary="Visit tasks in scope")
@paged
def task_list(request: HttpRequest, filters: Query[TaskFilter]) -> Rows:
    qs = selectors.task_search(
        request.user,
        status=filters.status,
        mine=filters.mine,
        overdue=filters.overdue,
        area_code=filters.area,
        on=filters.on,
        household=filters.household,
    )
    today = timezone.localdate()
    return Rows(qs, each=lambda t: TaskOut.of(t, today), keys_first=True)


@router.get("/visits/tasks/{tid}", response=TaskDetailOut, summary="A visit task")
def task_get(request: HttpRequest, tid: Int) -> dict[str, Any]:
    t = selectors.task_get(request.user, tid)
    return {**TaskOut.of(t, timezone.localdate()), "checklist": t.rule.checklist}


# -- records ---------------------------------------------------------------------------------
class RecordOut(Schema):
    id: int
    task_id: int
    household_id: int
    visitor: str
    visited_at: dt.datetime
    lon: float | None
    lat: float | None
    distance_m: float | None
    far: bool
    answers: dict[str, Any]
    notes: str
    findings: list[str]
    photos: int

    @staticmethod
    def of(r: VisitRecord) -> dict[str, Any]:
        return {
            "id": r.pk,
            "task_id": r.task_id,
            "household_id": r.household_id,
            "visitor": r.visitor.username,
            "visited_at": r.visited_at,
            "lon": r.lon,
            "lat": r.lat,
            "distance_m": r.distance_m,
            "far": r.far,
            "answers": r.answers,
            "notes": r.notes,
            "findings": [e.code for e in r.findings.all()],
            "photos": r.photos.count(),
        }


class FindingSchema(Input):
    title: str = Field(max_length=200)
    category: str = Field(description="event category code")
    description: str = ""


class RecordIn(Input):
    answers: dict[str, Any] = {}
    notes: str = ""
    lon: float | None = None
    lat: float | None = None
    visited_at: dt.datetime | None = None
    finding: FindingSchema | None = None
    client_key: str | None = Field(
        None, max_length=100, description="retries with the same key are one visit"
    )
    correction: bool = Field(
        False, description="another visit of a task already done (else 409 already_done)"
    )


@router.post("/visits/tasks/{tid}/records", response={201: RecordOut}, summary="Record the visit")
def record_create(request: HttpRequest, tid: Int, body: RecordIn) -> Status[Any]:
    task = selectors.task_get(request.user, tid)
    record = visits.visit_record(
        actor=request.user,
        task=task,
        answers=body.answers,
        notes=body.notes,
        lon=body.lon,
        lat=body.lat,
        visited_at=body.visited_at,
        finding=visits.FindingIn(**body.finding.dict()) if body.finding else None,
        client_key=body.client_key,
        correction=body.correction,
    )
    return Status(201, RecordOut.of(record))


@router.get("/visits/records", response=list[RecordOut], summary="Visit records in scope")
@paged
def record_list(
    request: HttpRequest, household: Int | None = None, task: Int | None = None
) -> Rows:
    qs = selectors.records(request.user).select_related("visitor").prefetch_related("findings")
    if household is not None:
        qs = qs.filter(household_id=household)
    if task is not None:
        qs = qs.filter(task_id=task)
    return Rows(qs.order_by("-visited_at"), each=RecordOut.of)


@router.get("/visits/records/{rid}", response=RecordOut, summary="A visit record")
def record_get(request: HttpRequest, rid: Int) -> dict[str, Any]:
    return RecordOut.of(selectors.record_get(request.user, rid))


@router.post("/visits/records/{rid}/photos", response={201: dict[str, int]}, summary="Add a photo")
def record_photo(request: HttpRequest, rid: Int, photo: File[UploadedFile]) -> Status[Any]:
    record = selectors.record_get(request.user, rid)
    item = visits.visit_add_photo(actor=request.user, record=record, file=photo.file or b"")
    return Status(201, {"id": item.pk})


class FindingIn(FindingSchema):
    client_key: str | None = Field(None, max_length=100)


class FindingOut(Schema):
    event: str
    status: str


@router.post(
    "/visits/records/{rid}/findings",
    response={201: FindingOut},
    summary="Report a finding of the visit as an event",
)
def record_finding(request: HttpRequest, rid: Int, body: FindingIn) -> Status[Any]:
    record = selectors.record_get(request.user, rid)
    category = visits.finding_category(
        visits.FindingIn(title=body.title, category=body.category, description=body.description)
    )
    event = visits.visit_finding(
        actor=request.user,
        record=record,
        title=body.title,
        category=category,
        description=body.description,
        client_key=body.client_key,
    )
    return Status(201, {"event": event.code, "status": event.status})


# -- figures, generation, alerts -------------------------------------------------------------
class FiguresFilter(Input):
    area: str = Field("", description="area code (default: the caller's first area)")
    start: dt.date | None = Field(None, description="default: first day of this month")
    end: dt.date | None = Field(None, description="default: last day of this month")


def _figures(request: HttpRequest, f: FiguresFilter) -> dict[str, Any]:
    first, last = visit_figures.month_bounds(timezone.localdate())
    return visit_figures.figures(
        request.user, start=f.start or first, end=f.end or last, area_code=f.area
    )


class Figures(Schema):
    due: int
    done: int
    open: int
    overdue: int
    coverage: float | None


class AreaFigures(Figures):
    code: str
    name: str
    level: int


class WorkerFigures(Figures):
    user_id: int | None
    name: str


class FiguresOut(Schema):
    area: str
    area_name: str
    start: dt.date
    end: dt.date
    total: Figures
    children: list[AreaFigures]
    workers: list[WorkerFigures]


@router.get(
    "/visits/figures",
    response=FiguresOut,
    summary="Visits due / done / overdue by child area and by worker",
)
def figures(request: HttpRequest, f: Query[FiguresFilter]) -> dict[str, Any]:
    data = _figures(request, f)
    return {
        "area": data["area"].code,
        "area_name": data["area"].name,
        "start": data["start"],
        "end": data["end"],
        "total": data["total"],
        "children": [
            {
                **{k: v for k, v in c.items() if k != "area"},
                "code": c["area"].code,
                "name": c["area"].name,
                "level": c["area"].level,
            }
            for c in data["children"]
        ],
        "workers": data["workers"],
    }


class GenerateIn(Input):
    on: dt.date | None = None


@router.post("/visits/generate", summary="Generate the tasks of a day's periods (admin)")
def generate(request: HttpRequest, body: GenerateIn) -> dict[str, Any]:
    visit_rules.require_admin(request.user)
    return schedule.generate(on=body.on).as_dict()


class AlertOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def of(a: FieldAlert) -> dict[str, Any]:
        return {
            "id": a.pk,
            "kind": a.kind,
            "text": a.text,
            "url": a.url,
            "created_at": a.created_at,
            "read_at": a.read_at,
        }


@router.get("/alerts", response=list[AlertOut], summary="My fieldwork alerts")
@paged
def alert_list(request: HttpRequest, unread: bool = False) -> Rows:
    return Rows(selectors.alerts(request.user, unread), each=AlertOut.of)


@router.post("/alerts/{aid}/read", response=AlertOut, summary="Mark an alert read")
def alert_read(request: HttpRequest, aid: Int) -> dict[str, Any]:
    return AlertOut.of(visits.alert_read(actor=request.user, pk=aid))
