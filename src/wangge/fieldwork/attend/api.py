"""Must attend (五必到) over HTTP, under /api/fieldwork/attend/…, within the caller's scope."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from wangge.api_pages import Rows, paged
from wangge.fieldwork.attend import selectors
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.attend.models import AttendRecord, AttendRule, AttendTask
from wangge.inputs import Input, Int

router = Router(tags=["fieldwork"])


class AttendRuleOut(Schema):
    id: int
    code: str
    name: str
    active: bool
    categories: list[str]
    responsible_role: str
    deadline_hours: int
    order: int

    @staticmethod
    def of(r: AttendRule) -> dict[str, Any]:
        return {
            "id": r.pk,
            "code": r.code,
            "name": r.name,
            "active": r.active,
            "categories": sorted(c.code for c in r.categories.all()),
            "responsible_role": r.responsible_role,
            "deadline_hours": r.deadline_hours,
            "order": r.order,
        }


class AttendRuleIn(Input):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    categories: list[str] = Field(description="event category codes; a class covers its subclasses")
    deadline_hours: int = 24
    responsible_role: str = "full_time"
    active: bool = True
    order: int = Field(0, ge=0, le=32767)


@router.get("/attend/rules", response=list[AttendRuleOut], summary="Must-attend rules")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [AttendRuleOut.of(r) for r in AttendRule.objects.prefetch_related("categories")]


@router.post(
    "/attend/rules", response={201: AttendRuleOut}, summary="Create a must-attend rule (admin)"
)
def rule_create(request: HttpRequest, body: AttendRuleIn) -> Status[Any]:
    return Status(201, AttendRuleOut.of(attend.rule_save(actor=request.user, **body.dict())))


@router.put(
    "/attend/rules/{rid}", response=AttendRuleOut, summary="Change a must-attend rule (admin)"
)
def rule_update(request: HttpRequest, rid: Int, body: AttendRuleIn) -> dict[str, Any]:
    attend.require_admin(request.user)
    rule = get_object_or_404(AttendRule, pk=rid)
    return AttendRuleOut.of(attend.rule_save(actor=request.user, rule=rule, **body.dict()))


@router.delete("/attend/rules/{rid}", response={204: None}, summary="Delete (or retire) a rule")
def rule_delete(request: HttpRequest, rid: Int) -> Status[Any]:
    attend.require_admin(request.user)
    attend.rule_delete(actor=request.user, rule=get_object_or_404(AttendRule, pk=rid))
    return Status(204, None)


class AttendRecordOut(Schema):
    id: int
    attendee: str
    attended_at: dt.datetime
    lon: float | None
    lat: float | None
    distance_m: float | None
    far: bool
    note: str

    @staticmethod
    def of(r: AttendRecord) -> dict[str, Any]:
        return {
            "id": r.pk,
            "attendee": r.attendee.username,
            "attended_at": r.attended_at,
            "lon": r.lon,
            "lat": r.lat,
            "distance_m": r.distance_m,
            "far": r.far,
            "note": r.note,
        }


class AttendTaskOut(Schema):
    id: int
    event: str
    event_title: str
    category: str
    rule: str
    area: str
    address: str
    lon: float | None
    lat: float | None
    deadline: dt.datetime
    status: str
    overdue: bool
    assignee: str | None
    done_at: dt.datetime | None

    @staticmethod
    def of(t: AttendTask) -> dict[str, Any]:
        e = t.event
        return {
            "id": t.pk,
            "event": e.code,
            "event_title": e.title,
            "category": e.category.code,
            "rule": t.rule.code,
            "area": t.area.code,
            "address": e.address,
            "lon": e.lon,
            "lat": e.lat,
            "deadline": t.deadline,
            "status": t.status,
            "overdue": t.overdue,
            "assignee": t.assignee.username if t.assignee else None,
            "done_at": t.done_at,
        }


class AttendTaskDetailOut(AttendTaskOut):
    records: list[AttendRecordOut]


class AttendTaskFilter(Input):
    status: str = ""
    mine: bool = False
    overdue: bool = False


@router.get("/attend/tasks", response=list[AttendTaskOut], summary="Attendance tasks in scope")
@paged
def task_list(request: HttpRequest, f: Query[AttendTaskFilter]) -> Rows:
    qs = selectors.task_search(request.user, status=f.status, mine=f.mine, overdue=f.overdue)
    return Rows(qs.select_related("event__category"), each=AttendTaskOut.of, keys_first=True)


def _detail(t: AttendTask) -> dict[str, Any]:
    return {
        **AttendTaskOut.of(t),
        "records": [AttendRecordOut.of(r) for r in t.records.select_related("attendee")],
    }


@router.get("/attend/tasks/{tid}", response=AttendTaskDetailOut, summary="An attendance task")
def task_get(request: HttpRequest, tid: Int) -> dict[str, Any]:
    return _detail(selectors.task_get(request.user, tid))


class AttendRecordIn(Input):
    note: str
    lon: float | None = None
    lat: float | None = None
    attended_at: dt.datetime | None = None
    client_key: str | None = Field(None, max_length=100)


@router.post(
    "/attend/tasks/{tid}/records",
    response={201: AttendTaskDetailOut},
    summary="Record the attendance",
)
def record_create(request: HttpRequest, tid: Int, body: AttendRecordIn) -> Status[Any]:
    task = selectors.task_get(request.user, tid)
    attend.attend_record(actor=request.user, task=task, **body.dict())
    return Status(201, _detail(selectors.task_get(request.user, tid)))


@router.post("/attend/sync", summary="Create the tasks of new must-attend events (admin)")
def sync(request: HttpRequest) -> dict[str, int]:
    attend.require_admin(request.user)
    return attend.sync().as_dict()
