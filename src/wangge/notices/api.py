"""Notices, receipts and activities over HTTP (under /api/notices/… and /api/activities/…)."""

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.events.photos import clean_photo
from wangge.notices import activities as acts
from wangge.notices import forms, selectors, services
from wangge.notices.models import Activity, ActivityKind, Notice, Receipt

router = Router(tags=["notices"])


class NoticeIn(Schema):
    title: str = Field(max_length=200)
    body: str = ""
    kind: str = Notice.Kind.CONFIRM
    audience: str = Notice.Audience.STAFF
    urgency: str = Notice.Urgency.NORMAL
    areas: list[str] = Field(default_factory=list, description="area codes (subtree roots)")
    roles: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list, description="named people (usernames)")
    deadline: datetime | None = None
    send_at: datetime | None = None
    remind_work_hours: float | None = None
    form: list[Any] = Field(
        default_factory=list,
        description="kind form: the fields to fill in, like a campaign's form (value types)",
    )


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    kind: str
    audience: str
    urgency: str
    status: str
    version: int
    areas: list[str]
    roles: list[str]
    deadline: datetime | None
    send_at: datetime
    sent_at: datetime | None
    recalled_at: datetime | None
    edited_at: datetime | None
    recipient_count: int
    remind_at: datetime | None
    escalate_at: datetime | None
    form: list[dict[str, Any]]

    @staticmethod
    def of(n: Notice) -> dict[str, Any]:
        return {
            **{f: getattr(n, f) for f in NoticeOut.model_fields if f != "areas"},
            "areas": [a.code for a in n.areas.all()],
        }


class ReceiptOut(Schema):
    notice: int
    title: str
    kind: str
    urgency: str
    status: str
    version: int
    changed: bool = Field(description="the notice changed since this recipient read it")
    sent_at: datetime | None
    deadline: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    confirmed_at: datetime | None
    answered_at: datetime | None
    answer: str
    answer_photo: str = Field("", description="the photo answer's address (kind photo), or empty")
    form: list[dict[str, Any]] = Field(description="kind form: the fields to fill in")
    answers: dict[str, Any] = Field(description="kind form: the answers by field name")
    done: bool

    @staticmethod
    def of(r: Receipt) -> dict[str, Any]:
        n = r.notice
        return {
            "notice": n.pk,
            "title": n.title,
            "kind": n.kind,
            "urgency": n.urgency,
            "status": n.status,
            "version": n.version,
            "changed": 0 < r.seen_version < n.version,
            "sent_at": n.sent_at,
            "deadline": n.deadline,
            "delivered_at": r.delivered_at,
            "read_at": r.read_at,
            "confirmed_at": r.confirmed_at,
            "answered_at": r.answered_at,
            "answer": r.answer,
            "answer_photo": (
                reverse("notices:answer_photo", args=[r.notice_id, r.user_id])
                if r.answer_photo
                else ""
            ),
            "form": n.form,
            "answers": r.answers,
            "done": r.done_at is not None,
        }


class KeyIn(Schema):
    client_key: str = Field("", max_length=80, description="the phone's key: a resend counts once")


class NoticeAnswerIn(KeyIn):
    text: str = Field("", description="the answer (kind answer), or a note")
    answers: dict[str, Any] | None = Field(None, description="kind form: the answers by field name")


class EditIn(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    deadline: datetime | None = None


class AreaRowOut(Schema):
    area: str | None
    name: str
    total: int
    read: int
    done: int
    not_yet: int


class BoardOut(Schema):
    area: str | None
    total: int
    read: int
    done: int
    rows: list[AreaRowOut]


class PendingOut(Schema):
    user: str
    name: str
    area: str | None
    role: str
    read_at: datetime | None
    reminded_at: datetime | None


def _notice(pk: int) -> Notice:
    notice = Notice.objects.filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


@router.post("/notices", response={201: NoticeOut}, summary="Send (or schedule) a notice")
def notice_send(request: HttpRequest, body: NoticeIn) -> Status[dict[str, Any]]:
    data = body.dict()
    notice = services.notice_send(
        sender=request.user,
        title=data["title"],
        body=data["body"],
        kind=data["kind"],
        audience=data["audience"],
        urgency=data["urgency"],
        areas=forms.areas_by_code(data["areas"]),
        roles=data["roles"],
        user_ids=forms.users_by_name(data["users"]),
        deadline=data["deadline"],
        send_at=data["send_at"],
        remind_work_hours=data["remind_work_hours"],
        form=data["form"],
    )
    return Status(201, NoticeOut.of(notice))


@router.get("/notices/inbox", response=list[ReceiptOut], summary="My notices (delivers them)")
@paged
def notice_inbox(request: HttpRequest) -> Rows:
    services.mark_delivered(request.user)
    return Rows(selectors.inbox(request.user), each=ReceiptOut.of, keys_first=True)


@router.get(
    "/notices/sent", response=list[NoticeOut], summary="Notices I sent or follow (levels between)"
)
@paged
def notice_sent(request: HttpRequest) -> Rows:
    qs = selectors.sent_by(request.user).prefetch_related("areas")
    return Rows(qs, each=NoticeOut.of, keys_first=True)


@router.post("/notices/{pk}/read", response=ReceiptOut, summary="Open a notice (my receipt)")
def notice_read(request: HttpRequest, pk: int) -> dict[str, Any]:
    return ReceiptOut.of(services.receipt_read(notice=_notice(pk), user=request.user))


@router.post("/notices/{pk}/confirm", response=ReceiptOut, summary="Confirm (收到)")
def notice_confirm(request: HttpRequest, pk: int, body: KeyIn) -> dict[str, Any]:
    receipt, _changed = services.receipt_confirm(
        notice=_notice(pk), user=request.user, client_key=body.client_key
    )
    return ReceiptOut.of(receipt)


@router.post("/notices/{pk}/answer", response=ReceiptOut, summary="Answer a notice")
def notice_answer(request: HttpRequest, pk: int, body: NoticeAnswerIn) -> dict[str, Any]:
    receipt, _changed = services.receipt_answer(
        notice=_notice(pk),
        user=request.user,
        text=body.text,
        answers=body.answers,
        client_key=body.client_key,
    )
    return ReceiptOut.of(receipt)


def _managed(request: HttpRequest, pk: int) -> Notice:
    notice, _paths = selectors.notice_for_board(request.user, pk)
    return notice


@router.post("/notices/{pk}/recall", response=NoticeOut, summary="Recall a notice (sender)")
def notice_recall(request: HttpRequest, pk: int) -> dict[str, Any]:
    return NoticeOut.of(services.notice_recall(notice=_managed(request, pk), actor=request.user))


@router.patch("/notices/{pk}", response=NoticeOut, summary="Edit a notice (a new version)")
def notice_edit(request: HttpRequest, pk: int, body: EditIn) -> dict[str, Any]:
    notice = services.notice_edit(notice=_managed(request, pk), actor=request.user, **body.dict())
    return NoticeOut.of(notice)


@router.get("/notices/{pk}", response=NoticeOut, summary="A notice (its sender and levels between)")
def notice_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    return NoticeOut.of(_managed(request, pk))


@router.get("/notices/{pk}/board", response=BoardOut, summary="Completion per area")
def notice_board(request: HttpRequest, pk: int, area: str = "") -> dict[str, Any]:
    notice, paths = selectors.notice_for_board(request.user, pk)
    under = selectors.board_area(paths, area)
    result = selectors.board(notice, paths, under)
    return {
        "area": under.code if under else None,
        "total": result.total.total,
        "read": result.total.read,
        "done": result.total.done,
        "rows": [
            {
                "area": r.area.code if r.area else None,
                "name": r.area.name if r.area else "",
                "total": r.total,
                "read": r.read,
                "done": r.done,
                "not_yet": r.not_yet,
            }
            for r in result.rows
        ],
    }


@router.get("/notices/{pk}/not-yet", response=list[PendingOut], summary="Who has not done it yet")
@paged
def notice_not_yet(request: HttpRequest, pk: int, area: str = "") -> Rows:
    notice, paths = selectors.notice_for_board(request.user, pk)
    under = selectors.board_area(paths, area)
    return Rows(
        selectors.not_yet(notice, paths, under),
        each=lambda r: {
            "user": r.username,
            "name": r.name,
            "area": selectors.area_code(r.path) or None,
            "role": r.role,
            "read_at": r.read_at,
            "reminded_at": r.reminded_at,
        },
        keys_first=True,
    )


class AnswerOut(Schema):
    user: str
    name: str
    area: str | None
    answered_at: datetime | None
    answer: str
    answers: dict[str, Any]
    answer_photo: str


@router.get("/notices/{pk}/answers", response=list[AnswerOut], summary="The answers received")
@paged
def notice_answers(request: HttpRequest, pk: int, area: str = "") -> Rows:
    notice, paths = selectors.notice_for_board(request.user, pk)
    under = selectors.board_area(paths, area)
    return Rows(
        selectors.answered(notice, paths, under),
        each=lambda r: {
            "user": r.username,
            "name": r.name,
            "area": selectors.area_code(r.path) or None,
            "answered_at": r.answered_at,
            "answer": r.answer,
            "answers": r.answers,
            "answer_photo": (
                reverse("notices:answer_photo", args=[r.notice_id, r.user_id])
                if r.answer_photo
                else ""
            ),
        },
        keys_first=True,
    )


class PublicNoticeOut(Schema):
    id: int
    title: str
    body: str
    sent_at: datetime | None
    edited_at: datetime | None


@router.get(
    "/notices/public/{code}",
    response=list[PublicNoticeOut],
    auth=None,
    summary="Resident notices of an area's board (public)",
)
@paged
def notice_public(request: HttpRequest, code: str) -> Any:
    area = forms.areas_by_code([code], "code")[0]
    return selectors.resident_notices(area)


# -- activities --------------------------------------------------------------------------
class ActivityIn(Schema):
    kind: str
    title: str = Field(max_length=200)
    held_on: date
    area: str
    place: str = Field("", max_length=200)
    participants: int = Field(0, ge=0)
    people_reached: int = Field(0, ge=0)
    party_members: list[int] = Field(default_factory=list)
    note: str = ""


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    held_on: date
    area: str
    place: str
    participants: int
    people_reached: int
    party_members: list[dict[str, Any]] = Field(
        description="id, name, and report_in: the id of their report-in this activity counts as"
    )
    photos: list[str]

    @staticmethod
    def of(a: Activity) -> dict[str, Any]:
        report_ins = {r.member_id: r.pk for r in a.report_ins.all()}
        return {
            "party_members": [
                {"id": m.pk, "name": m.name, "report_in": report_ins.get(m.pk)}
                for m in a.party_members.all()
            ],
            "photos": [
                reverse("notices:activity_photo", args=[a.pk, p.pk]) for p in a.photos.all()
            ],
            "id": a.pk,
            "kind": a.kind.code,
            "title": a.title,
            "held_on": a.held_on,
            "area": a.area.code,
            "place": a.place,
            "participants": a.participants,
            "people_reached": a.people_reached,
        }


class NoticeFiguresOut(Schema):
    area: str
    name: str
    sessions: int
    grids_covered: int
    people_reached: int
    participants: int


class KindOut(Schema):
    code: str
    name: str


@router.get("/activities/kinds", response=list[KindOut], summary="Activity kinds")
def activity_kinds(request: HttpRequest) -> list[ActivityKind]:
    return list(ActivityKind.objects.filter(active=True))


@router.post("/activities", response={201: ActivityOut}, summary="Record a grid activity")
def activity_record(request: HttpRequest, body: ActivityIn) -> Status[dict[str, Any]]:
    data = body.dict()
    activity = acts.activity_record(
        actor=request.user,
        kind_code=data["kind"],
        title=data["title"],
        held_on=data["held_on"],
        area=forms.areas_by_code([data["area"]], "area")[0],
        place=data["place"],
        participants=data["participants"],
        people_reached=data["people_reached"],
        party_member_ids=data["party_members"],
        note=data["note"],
    )
    return Status(201, ActivityOut.of(acts.with_details().get(pk=activity.pk)))


@router.post(
    "/activities/{pk}/photos", response={201: ActivityOut}, summary="Add a photo to an activity"
)
def activity_photo_add(
    request: HttpRequest, pk: int, photo: File[UploadedFile]
) -> Status[dict[str, Any]]:
    activity = acts.activities(request.user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    acts.activity_photo_add(
        actor=request.user, activity=activity, photo=clean_photo(photo, field="photo")
    )
    return Status(201, ActivityOut.of(acts.with_details().get(pk=pk)))


@router.get("/activities", response=list[ActivityOut], summary="Activities in my areas")
@paged
def activity_list(
    request: HttpRequest,
    area: str = "",
    start: date | None = None,
    end: date | None = None,
) -> Rows:
    under = forms.areas_by_code([area], "area")[0] if area else None
    qs = acts.activities(request.user, area=under, start=start, end=end)
    return Rows(qs, each=ActivityOut.of, keys_first=True)


@router.get("/activities/figures", response=list[NoticeFiguresOut], summary="Activity figures")
def activity_figures(
    request: HttpRequest, area: str, start: date, end: date
) -> list[dict[str, Any]]:
    from wangge.accounts import scope

    under = forms.areas_by_code([area], "area")[0]
    if not scope.can_see(request.user, under):
        raise DomainError.one("not found", code="not_found", status=404)
    return [
        {
            "area": f.area.code,
            "name": f.area.name,
            "sessions": f.sessions,
            "grids_covered": f.grids_covered,
            "people_reached": f.people_reached,
            "participants": f.participants,
        }
        for f in acts.figures(under, start, end)
    ]
