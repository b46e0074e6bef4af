"""Events over HTTP: queries scoped to the caller, and one endpoint per transition."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.accounts import audit
from wangge.accounts.actors import Actor
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.events import (
    duplicates,
    figures,
    notifications,
    privacy,
    routing,
    selectors,
    workflow,
)
from wangge.events.models import (
    BuiltinChannel,
    Category,
    Department,
    Event,
    Notification,
    Satisfaction,
)
from wangge.inputs import Day, Input, Int, Title
from wangge.regions import coords
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

router = Router(tags=["events"])


# -- output ----------------------------------------------------------------------------------
class EventOut(Schema):
    code: str
    title: str
    status: str
    status_name: str
    category: str
    category_name: str
    priority: str
    channel: str
    area: str
    area_name: str
    responsible_area: str
    lon: float | None
    lat: float | None
    address: str
    deadline: datetime | None
    alert: str
    supervised: bool
    reported_at: datetime
    version: int

    @staticmethod
    def of(e: Event) -> dict[str, Any]:
        return {
            "code": e.code,
            "title": e.title,
            "status": e.status,
            "status_name": e.get_status_display(),
            "category": e.category.code,
            "category_name": e.category.name,
            "priority": e.priority,
            "channel": e.channel,
            "area": e.area.code,
            "area_name": e.area.name,
            "responsible_area": e.responsible_area.code,
            "lon": e.lon,
            "lat": e.lat,
            "address": e.address,
            "deadline": e.deadline,
            "alert": e.alert,
            "supervised": e.supervised,
            "reported_at": e.reported_at,
            "version": e.version,
        }


class OrderOut(Schema):
    id: int
    department: str
    department_name: str
    role: str
    status: str
    sign_deadline: datetime | None
    handle_deadline: datetime | None
    feedback: str
    return_reason: str
    extension_requested_until: datetime | None


class TimelineOut(Schema):
    at: datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    comment: str
    data: dict[str, Any]


class FollowsOut(Schema):
    """The event a merged duplicate is followed in, with its progress."""

    code: str
    title: str
    status: str
    status_name: str


class EventDetailOut(EventOut):
    description: str
    orders: list[OrderOut]
    timeline: list[TimelineOut]
    actions: list[str]
    suggested_lead: str | None
    satisfaction: str
    rework_count: int
    parent: str | None
    follows: FollowsOut | None


def _detail(request: HttpRequest, e: Event) -> dict[str, Any]:
    suggestion = routing.suggest_lead(e)
    return {
        **EventOut.of(e),
        "description": e.description,
        "orders": [
            {
                "id": o.pk,
                "department": o.department.code,
                "department_name": o.department.name,
                "role": o.role,
                "status": o.status,
                "sign_deadline": o.sign_deadline,
                "handle_deadline": o.handle_deadline,
                "feedback": o.feedback,
                "return_reason": o.return_reason,
                "extension_requested_until": o.extension_requested_until,
            }
            for o in e.orders.select_related("department")
        ],
        "timeline": [
            {
                "at": t.at,
                "actor": (t.actor.get_full_name() or t.actor.username) if t.actor else "",
                "action": t.action,
                "from_status": t.from_status,
                "to_status": t.to_status,
                "comment": t.comment,
                "data": t.data,
            }
            for t in e.timeline.select_related("actor")
        ],
        "actions": workflow.allowed_actions(request.user, e),
        "suggested_lead": suggestion.code if suggestion else None,
        "satisfaction": e.satisfaction,
        "rework_count": e.rework_count,
        "parent": _visible_code(e.parent, request.user),
        "follows": _follows(e, request.user),
    }


def _visible_code(e: Event | None, user: Actor) -> str | None:
    if e is None or not selectors.visible_events(user).filter(pk=e.pk).exists():
        return None
    return e.code


def _follows(e: Event, user: Actor) -> dict[str, Any] | None:
    root = duplicates.followed(e, user=user)
    if root is None:
        return None
    return {
        "code": root.code,
        "title": root.title,
        "status": root.status,
        "status_name": root.get_status_display(),
    }


def _event(request: HttpRequest, code: str) -> Event:
    return selectors.event_get(user=request.user, code=code)


# -- queries ---------------------------------------------------------------------------------
class EventFilters(Input):
    tab: Literal[tuple(selectors.TABS)] | None = None  # type: ignore[valid-type]
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    area: str | None = None
    department: str | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


@router.get("/events", response=list[EventOut], summary="Events in the caller's scope, filtered")
@paged
def event_search(request: HttpRequest, filters: Query[EventFilters]) -> Rows:
    f = filters.dict()
    text = f.pop("q")
    return Rows(selectors.event_list(user=request.user, text=text, **f), each=EventOut.of)


@router.get("/events/counts", response=dict[str, int], summary="Queue counts per tab")
def event_counts(request: HttpRequest) -> dict[str, int]:
    return selectors.tab_counts(request.user)


@router.get("/events/figures", summary="受理量, 办结率, 按期办结率, 超期件, 返工率, 满意率")
def event_figures(
    request: HttpRequest, date_from: Day | None = None, date_to: Day | None = None
) -> dict[str, Any]:
    return figures.loop_figures(user=request.user, date_from=date_from, date_to=date_to)


@router.get("/events/{code}", response=EventDetailOut, summary="One event with its timeline")
def event_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(request, _event(request, code))


class ReporterPhoneIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/events/{code}/reporter-phone",
    response=dict[str, str],
    summary="The reporter's phone in full (reason, audited)",
)
def event_reporter_phone(request: HttpRequest, code: str, body: ReporterPhoneIn) -> dict[str, str]:
    event = _event(request, code)
    ip = audit.client_ip(request)
    return {"phone": privacy.reveal_reporter_phone(request.user, event, reason=body.reason, ip=ip)}


# -- report ----------------------------------------------------------------------------------
class ReportIn(Input):
    fits = Event  # lengths of the columns written

    title: Title = Field(..., max_length=200)
    category: str
    description: str = ""
    priority: Literal["normal", "urgent", "critical"] = "normal"
    channel: Literal[tuple(BuiltinChannel.values)] = "grid_app"  # type: ignore[valid-type]
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    area: str | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    client_key: str | None = Field(None, max_length=100)


@router.post(
    "/events", response={201: EventDetailOut}, summary="Report an event (idempotent by client_key)"
)
def event_report(request: HttpRequest, body: ReportIn) -> Status[dict[str, Any]]:
    category = Category.objects.filter(code=body.category).first()
    if category is None:
        raise DomainError.one(_("Unknown category %(c)s.") % {"c": body.category}, field="category")
    area = None
    if body.area:
        area = Area.objects.live().filter(code=body.area).first()
        if area is None:
            raise DomainError.one(_("Area %(code)s not found.") % {"code": body.area}, field="area")
    lon, lat = body.lon, body.lat
    if lon is not None and lat is not None:
        lon, lat = coords.to_wgs84(lon, lat, body.crs)
    event = workflow.event_report(
        actor=request.user,
        title=body.title,
        category=category,
        channel=body.channel,
        description=body.description,
        priority=body.priority,
        lon=lon,
        lat=lat,
        area=area,
        address=body.address,
        reporter_name=body.reporter_name,
        reporter_phone=body.reporter_phone,
        client_key=body.client_key,
    )
    return Status(201, _detail(request, event))


# -- transitions -----------------------------------------------------------------------------
class Base(Input):
    comment: str = ""
    expected_version: int | None = None


class ReasonIn(Input):
    reason: str = Field(..., min_length=1)
    expected_version: int | None = None


class MergeIn(Base):
    into: str


class DispatchIn(Base):
    lead: str
    assists: list[str] = []


class ExtensionIn(Input):
    until: datetime
    reason: str = Field(..., min_length=1)
    expected_version: int | None = None


class DecideIn(Base):
    order: int
    approve: bool


class FeedbackIn(Input):
    note: str = Field(..., min_length=1)
    expected_version: int | None = None


class VerifyIn(Base):
    passed: bool


class CallbackIn(Base):
    satisfaction: Literal[tuple(Satisfaction.values)]  # type: ignore[valid-type]


class SuperviseIn(Base):
    until: datetime


def _department(code: str, field: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise DomainError.one(_("Unknown department %(d)s.") % {"d": code}, field=field)
    return department


def _act(request: HttpRequest, code: str, fn: Any, body: Schema, **extra: Any) -> dict[str, Any]:
    data = body.dict()
    version = data.pop("expected_version", None)
    for key in extra:
        data.pop(key, None)
    event = fn(
        event=_event(request, code), actor=request.user, expected_version=version, **data, **extra
    )
    return _detail(
        request,
        without_geometry(
            Event.objects.select_related("category", "area", "responsible_area", "parent")
        ).get(pk=event.pk),
    )


@router.post("/events/{code}/accept", response=EventDetailOut, summary="立案")
def accept(request: HttpRequest, code: str, body: Base) -> dict[str, Any]:
    return _act(request, code, workflow.event_accept, body)


@router.post("/events/{code}/reject", response=EventDetailOut, summary="不予立案")
def reject(request: HttpRequest, code: str, body: ReasonIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_reject, body)


@router.post("/events/{code}/merge", response=EventDetailOut, summary="合并重复件")
def merge(request: HttpRequest, code: str, body: MergeIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_merge, body, into=_event(request, body.into))


@router.post("/events/{code}/self-handle", response=EventDetailOut, summary="网格自处置")
def self_handle(request: HttpRequest, code: str, body: Base) -> dict[str, Any]:
    return _act(request, code, workflow.event_self_handle, body)


@router.post(
    "/events/{code}/settle-on-spot", response=EventDetailOut, summary="上报并自行处置（小事不出格）"
)
def settle_on_spot(request: HttpRequest, code: str, body: FeedbackIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_settle_on_spot, body)


@router.post("/events/{code}/dispatch", response=EventDetailOut, summary="派遣 / 吹哨报到")
def dispatch(request: HttpRequest, code: str, body: DispatchIn) -> dict[str, Any]:
    lead = _department(body.lead, "lead")
    assists = [_department(c, "assists") for c in body.assists]
    return _act(request, code, workflow.event_dispatch, body, lead=lead, assists=assists)


@router.post("/events/{code}/sign", response=EventDetailOut, summary="签收")
def sign(request: HttpRequest, code: str, body: Base) -> dict[str, Any]:
    return _act(request, code, workflow.event_sign, body)


@router.post("/events/{code}/return", response=EventDetailOut, summary="退回")
def return_order(request: HttpRequest, code: str, body: ReasonIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_return, body)


@router.post("/events/{code}/extension", response=EventDetailOut, summary="延期申请")
def request_extension(request: HttpRequest, code: str, body: ExtensionIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_request_extension, body)


@router.post("/events/{code}/extension/decide", response=EventDetailOut, summary="延期审批")
def decide_extension(request: HttpRequest, code: str, body: DecideIn) -> dict[str, Any]:
    event = _event(request, code)
    order = event.orders.filter(pk=body.order).first()
    if order is None:
        raise DomainError.one(_("No such work order on this event."), field="order")
    return _act(request, code, workflow.event_decide_extension, body, order=order)


@router.post("/events/{code}/feedback", response=EventDetailOut, summary="处置反馈")
def feedback(request: HttpRequest, code: str, body: FeedbackIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_feedback, body)


@router.post("/events/{code}/verify", response=EventDetailOut, summary="核查")
def verify(request: HttpRequest, code: str, body: VerifyIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_verify, body)


@router.post("/events/{code}/close", response=EventDetailOut, summary="结案")
def close(request: HttpRequest, code: str, body: Base) -> dict[str, Any]:
    return _act(request, code, workflow.event_close, body)


@router.post("/events/{code}/callback", response=EventDetailOut, summary="回访")
def callback(request: HttpRequest, code: str, body: CallbackIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_callback, body)


@router.post("/events/{code}/reopen", response=EventDetailOut, summary="重办")
def reopen(request: HttpRequest, code: str, body: ReasonIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_reopen, body)


@router.post("/events/{code}/escalate", response=EventDetailOut, summary="上报上级")
def escalate(request: HttpRequest, code: str, body: ReasonIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_escalate, body)


@router.post("/events/{code}/supervise", response=EventDetailOut, summary="督办")
def supervise(request: HttpRequest, code: str, body: SuperviseIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_supervise, body)


@router.post("/events/{code}/cancel", response=EventDetailOut, summary="撤销 (administrators)")
def cancel(request: HttpRequest, code: str, body: ReasonIn) -> dict[str, Any]:
    return _act(request, code, workflow.event_cancel, body)


# -- duplicates ------------------------------------------------------------------------------
class DuplicateOut(Schema):
    code: str
    title: str
    status: str
    status_name: str
    category: str
    category_name: str
    reported_at: datetime
    score: float
    distance_m: float
    hours_apart: float
    text_similarity: float


@router.get(
    "/events/{code}/duplicates",
    response=list[DuplicateOut],
    summary="Likely duplicates of an event in the caller's scope, best first",
)
def duplicate_candidates(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    return [
        {
            "code": c.event.code,
            "title": c.event.title,
            "status": c.event.status,
            "status_name": c.event.get_status_display(),
            "category": c.event.category.code,
            "category_name": c.event.category.name,
            "reported_at": c.event.reported_at,
            "score": round(c.score, 3),
            "distance_m": round(c.distance_m, 1),
            "hours_apart": round(c.hours_apart, 2),
            "text_similarity": round(c.text, 3),
        }
        for c in duplicates.candidates(_event(request, code), user=request.user)
    ]


@router.post(
    "/events/{code}/duplicates/{other}/dismiss",
    response={204: None},
    summary="Keep two events apart: not duplicates, not offered again",
)
def duplicate_dismiss(request: HttpRequest, code: str, other: str) -> Status[None]:
    duplicates.keep_apart(
        event=_event(request, code), other=_event(request, other), actor=request.user
    )
    return Status(204, None)


# -- reference data and inbox ------------------------------------------------------------------
class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None
    grid_may_settle: bool


@router.get("/categories", response=list[CategoryOut], summary="The event catalogue")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "parent": c.parent.code if c.parent else None,
            "grid_may_settle": c.grid_may_settle,
        }
        for c in Category.objects.filter(active=True).select_related("parent")
    ]


class DepartmentOut(Schema):
    code: str
    name: str


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def departments(request: HttpRequest) -> list[Department]:
    return list(Department.objects.filter(active=True))


class NotificationOut(Schema):
    id: int
    kind: str
    event: str
    link: str
    text: str
    created_at: datetime
    read: bool


@router.get("/notifications", response=list[NotificationOut], summary="My inbox")
@paged
def inbox(request: HttpRequest, unread: bool = False) -> Rows:
    qs = Notification.objects.filter(user_id=_user_id(request)).select_related("event")
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return Rows(qs, each=_notification)


def _notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "event": n.event.code if n.event else "",
        "link": n.link,
        "text": n.text,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.post("/notifications/{nid}/read", response={204: None}, summary="Mark read")
def inbox_read(request: HttpRequest, nid: Int) -> Status[None]:
    notifications.notifications_mark_read(user=request.user, pk=nid)
    return Status(204, None)


def _user_id(request: HttpRequest) -> int:
    return int(request.user.pk or 0)  # django_auth admits only logged-in users here
