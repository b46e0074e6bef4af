"""Campaigns over HTTP (/api/fieldwork/campaigns…), always within the caller's scope: a target
outside the caller's posts is 404 on every endpoint. Residents' data appear masked only."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.accounts.actors import Actor
from wangge.accounts.audit import client_ip
from wangge.accounts.scope import can_see
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.fieldwork.campaigns import coverage as campaign_coverage
from wangge.fieldwork.campaigns import export as campaign_export
from wangge.fieldwork.campaigns import selectors
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.campaigns.models import Campaign, CampaignFile, CampaignTarget
from wangge.inputs import Input, Int
from wangge.regions.models import Area

router = Router(tags=["fieldwork"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- schemas ---------------------------------------------------------------------------------
class CountsOut(Schema):
    total: int
    done: int
    unreachable: int
    pending: int
    rate: float


class CampaignIn(Input):
    title: str = Field(max_length=campaigns.MAX_TITLE)
    description: str = ""
    starts_on: dt.date
    ends_on: dt.date
    areas: list[str] = Field(description="area codes: the scope is their subtrees")
    target_kind: str = Field("household", description="household | resident")
    tags: list[str] = Field(default_factory=list, description="tag kind codes (any of)")
    residence_types: list[str] = Field(default_factory=list)
    age_min: int | None = None
    age_max: int | None = None
    fields: list[dict[str, Any]] = Field(
        description="[{name, label, type: text|number|choice|multi_choice|date|yes_no|photo|"
        "signature, required, choices, min, max}]"
    )


class CampaignOut(Schema):
    id: int
    title: str
    description: str
    status: str
    starts_on: dt.date
    ends_on: dt.date
    areas: list[str]
    target_kind: str
    tags: list[str]
    residence_types: list[str]
    age_min: int | None
    age_max: int | None
    fields: list[dict[str, Any]]
    opened_at: dt.datetime | None
    refreshed_at: dt.datetime | None
    mine: CountsOut = Field(description="the caller's scope")

    @staticmethod
    def of(c: Campaign, user: Actor) -> dict[str, Any]:
        counts = selectors.my_counts(user, c)
        total = counts["total"]
        return {
            "id": c.pk,
            "title": c.title,
            "description": c.description,
            "status": c.status,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "areas": [a.code for a in c.areas.all()],
            "target_kind": c.target_kind,
            "tags": list(c.tag_kinds.values_list("code", flat=True)),
            "residence_types": c.residence_types,
            "age_min": c.age_min,
            "age_max": c.age_max,
            "fields": c.fields,
            "opened_at": c.opened_at,
            "refreshed_at": c.refreshed_at,
            "mine": {**counts, "rate": round(counts["done"] / total, 4) if total else 1.0},
        }


class FileOut(Schema):
    id: int
    field: str
    kind: str
    url: str
    width: int
    height: int

    @staticmethod
    def of(f: CampaignFile) -> dict[str, Any]:
        return {
            "id": f.pk,
            "field": f.field,
            "kind": f.kind,
            "url": selectors.file_url(f.pk),  # scoped download, not the unserved /media/
            "width": f.width,
            "height": f.height,
        }


class TargetOut(Schema):
    id: int
    campaign_id: int
    household_id: int | None
    household: str
    resident_id: int | None
    resident: str
    label: str
    area: str
    area_name: str
    address: str
    lon: float | None
    lat: float | None
    status: str
    answers: dict[str, Any]
    reason: str
    done_by: str
    done_at: dt.datetime | None
    left_at: dt.datetime | None

    @staticmethod
    def of(t: CampaignTarget) -> dict[str, Any]:
        return {
            "id": t.pk,
            "campaign_id": t.campaign_id,
            "household_id": t.household_id,
            "household": t.household.code if t.household is not None else "",
            "resident_id": t.resident_id,
            "resident": t.resident.name if t.resident is not None else "",
            "label": selectors.target_label(t),
            "area": t.area.code,
            "area_name": t.area.name,
            "address": t.address,
            "lon": t.lon,
            "lat": t.lat,
            "status": t.status,
            "answers": t.answers,
            "reason": t.reason,
            "done_by": (t.done_by.get_full_name() or t.done_by.username) if t.done_by else "",
            "done_at": t.done_at,
            "left_at": t.left_at,
        }


class SubmissionOut(Schema):
    status: str
    answers: dict[str, Any]
    reason: str
    by: str
    at: dt.datetime


class TargetDetailOut(TargetOut):
    files: list[FileOut]
    history: list[SubmissionOut]


class TargetAnswerIn(Input):
    answers: dict[str, Any] = Field(
        description="field name → value; photo/signature: a file id from …/files, or a "
        "signature as a PNG data URL"
    )
    lon: float | None = None
    lat: float | None = None


class UnreachableIn(Input):
    reason: str
    lon: float | None = None
    lat: float | None = None


class RefreshOut(Schema):
    added: int
    left: int
    returned: int
    moved: int


class OpenOut(Schema):
    targets: int


class AreaCoverageOut(CountsOut):
    code: str
    name: str
    level: int


class CoverageOut(Schema):
    area: str | None
    total: CountsOut
    areas: list[AreaCoverageOut]


# -- helpers ---------------------------------------------------------------------------------
def _detail(t: CampaignTarget) -> dict[str, Any]:
    data = TargetOut.of(t)
    data["files"] = [FileOut.of(f) for f in t.files.order_by("id")]
    data["history"] = [
        {
            "status": s.status,
            "answers": s.answers,
            "reason": s.reason,
            "by": (s.by.get_full_name() or s.by.username) if s.by else "",
            "at": s.at,
        }
        for s in selectors.submissions(t)
    ]
    return data


def _area(user: Actor, code: str) -> Area | None:
    if not code:
        return None
    area = Area.objects.filter(code=code).defer("geometry").order_by("-valid_from").first()
    if area is None or not can_see(user, area):
        raise DomainError.one(_("Unknown area."), field="area", code="not_found", status=404)
    return area


# -- campaigns -------------------------------------------------------------------------------
@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns meeting my scope")
@paged
def campaign_list(request: HttpRequest, drafts: bool = False) -> Rows:
    qs = selectors.campaigns(request.user, include_drafts=drafts)
    return Rows(qs, each=lambda c: CampaignOut.of(c, request.user))


@router.post("/campaigns", response={201: CampaignOut}, summary="Define a campaign (draft)")
def campaign_create(request: HttpRequest, body: CampaignIn) -> Status[Any]:
    campaign = campaigns.campaign_define(
        actor=request.user,
        title=body.title,
        description=body.description,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        area_codes=body.areas,
        target_kind=body.target_kind,
        tag_codes=body.tags,
        residence_types=body.residence_types,
        age_min=body.age_min,
        age_max=body.age_max,
        fields=body.fields,
    )
    return Status(201, CampaignOut.of(campaign, request.user))


@router.get("/campaigns/{pk}", response=CampaignOut)
def campaign_detail(request: HttpRequest, pk: Int) -> dict[str, Any]:
    return CampaignOut.of(selectors.campaign_get(request.user, pk), request.user)


@router.post("/campaigns/{pk}/open", response=OpenOut, summary="Open: materialise targets")
def campaign_open(request: HttpRequest, pk: Int) -> dict[str, Any]:
    n = campaigns.campaign_open(
        actor=request.user, campaign=selectors.campaign_get(request.user, pk)
    )
    return {"targets": n}


@router.post("/campaigns/{pk}/refresh", response=RefreshOut, summary="Follow the population")
def campaign_refresh(request: HttpRequest, pk: Int) -> dict[str, Any]:
    r = campaigns.campaign_refresh(
        actor=request.user, campaign=selectors.campaign_get(request.user, pk)
    )
    return {"added": r.added, "left": r.left, "returned": r.returned, "moved": r.moved}


@router.post("/campaigns/{pk}/close", response=CampaignOut)
def campaign_close(request: HttpRequest, pk: Int) -> dict[str, Any]:
    campaign = campaigns.campaign_close(
        actor=request.user, campaign=selectors.campaign_get(request.user, pk)
    )
    return CampaignOut.of(campaign, request.user)


@router.get(
    "/campaigns/{pk}/coverage",
    response=CoverageOut,
    summary="Done / unreachable / total for the areas one level below `area` (or at `level`)",
)
def campaign_coverage_view(
    request: HttpRequest, pk: Int, area: str = "", level: Int | None = None
) -> dict[str, Any]:
    campaign = selectors.campaign_get(request.user, pk)
    parent = _area(request.user, area)
    cov = campaign_coverage.coverage(campaign, request.user)
    if level is not None:
        rows = [
            (a, c)
            for a, c in campaign_coverage.at_level(level, request.user, cov)
            if parent is None or a.path.startswith(parent.path)
        ]
    else:
        rows = campaign_coverage.rows_for(
            cov, campaign_coverage.children(parent, request.user, cov)
        )
    return {
        "area": parent.code if parent else None,
        "total": (cov.of(parent) if parent else cov.total).as_dict(),
        "areas": [
            {"code": a.code, "name": a.name, "level": a.level, **c.as_dict()} for a, c in rows
        ],
    }


@router.get(
    "/campaigns/{pk}/targets", response=list[TargetOut], summary="My targets, missing first"
)
@paged
def target_list(
    request: HttpRequest, pk: Int, status: str = "", area: str = "", q: str = ""
) -> Rows:
    campaign = selectors.campaign_get(request.user, pk)
    qs = selectors.targets(request.user, campaign, status=status, area_code=area, q=q)
    return Rows(qs, each=TargetOut.of)


@router.get(
    "/campaigns/{pk}/missing", response=list[TargetOut], summary="Targets nobody reached yet"
)
@paged
def missing_list(request: HttpRequest, pk: Int, area: str = "") -> Rows:
    campaign = selectors.campaign_get(request.user, pk)
    qs = selectors.missing(request.user, campaign, area_code=area).select_related(
        "area", "household", "resident", "done_by"
    )
    return Rows(qs, each=TargetOut.of)


@router.get("/campaigns/{pk}/export.xlsx", summary="Every answer as xlsx (masked, audited)")
def campaign_export_view(request: HttpRequest, pk: Int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    content = campaign_export.export(actor=request.user, campaign=campaign, ip=client_ip(request))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.xlsx"'
    return response


# -- targets ---------------------------------------------------------------------------------
@router.get("/campaigns/targets/{pk}", response=TargetDetailOut)
def target_detail(request: HttpRequest, pk: Int) -> dict[str, Any]:
    return _detail(selectors.target_get(request.user, pk))


@router.post("/campaigns/targets/{pk}/answer", response=TargetDetailOut, summary="Fill the form")
def target_answer(request: HttpRequest, pk: Int, body: TargetAnswerIn) -> dict[str, Any]:
    target = selectors.target_get(request.user, pk)
    campaigns.target_answer(
        actor=request.user, target=target, answers=body.answers, lon=body.lon, lat=body.lat
    )
    return _detail(selectors.target_get(request.user, pk))


@router.post(
    "/campaigns/targets/{pk}/unreachable", response=TargetDetailOut, summary="Not reachable"
)
def target_unreachable(request: HttpRequest, pk: Int, body: UnreachableIn) -> dict[str, Any]:
    target = selectors.target_get(request.user, pk)
    campaigns.target_unreachable(
        actor=request.user, target=target, reason=body.reason, lon=body.lon, lat=body.lat
    )
    return _detail(selectors.target_get(request.user, pk))


@router.post(
    "/campaigns/targets/{pk}/files",
    response={201: FileOut},
    summary="Upload a photo or signature for a field; answer with its id",
)
def target_file(
    request: HttpRequest, pk: Int, field: Form[str], file: File[UploadedFile]
) -> Status[Any]:
    target = selectors.target_get(request.user, pk)
    stored = campaigns.target_file_add(
        actor=request.user, target=target, field_name=field, content=file
    )
    return Status(201, FileOut.of(stored))
