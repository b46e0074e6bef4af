"""Party branches, members and their report-ins over HTTP, within the caller's scope."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.inputs import Input, Int, Year
from wangge.people import scoping
from wangge.people.models import PartyMember
from wangge.people.party import selectors, services
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

router = Router(tags=["people"])


class BranchOut(Schema):
    id: int
    name: str
    area: str
    area_name: str
    secretary: str
    member_count: int


@router.get("/people/party/branches", response=list[BranchOut], summary="Party branches")
@paged
def branch_list(request: HttpRequest) -> Rows:
    qs = without_geometry(selectors.party_branches(request.user).select_related("area"))
    return Rows(qs, each=_branch)


def _branch(b: Any) -> dict[str, Any]:
    return {
        "id": b.pk,
        "name": b.name,
        "area": b.area.code,
        "area_name": b.area.name,
        "secretary": b.secretary,
        "member_count": b.member_count,
    }


class MemberOut(Schema):
    id: int
    name: str
    branch_id: int
    kind: str
    workplace: str
    phone: str = Field(description="masked")
    report_area: str
    report_ins_this_year: int = 0
    meets_yearly_minimum: bool = False


@router.get("/people/party/members", response=list[MemberOut], summary="Members and report-ins")
@paged
def member_list(request: HttpRequest, branch: Int | None = None, year: Year | None = None) -> Rows:
    year = year or timezone.localdate().year
    check = {c["member"].pk: c for c in selectors.report_in_check(request.user, year)}
    return Rows(
        selectors.party_members(request.user, branch),
        each=lambda m: {
            "id": m.pk,
            "name": m.name,
            "branch_id": m.branch_id,
            "kind": m.kind,
            "workplace": m.workplace,
            "phone": m.phone_masked,
            "report_area": m.report_area.code if m.report_area else "",
            "report_ins_this_year": check[m.pk]["count"] if m.pk in check else 0,
            "meets_yearly_minimum": bool(check.get(m.pk, {}).get("ok")),
        },
    )


class ReportInIn(Input):
    on: dt.date | None = None
    activity: str = ""
    area: str = Field("", description="grid code; default: the member's grid")


@router.post("/people/party/members/{mid}/report-ins", response={201: dict[str, Any]})
def report_in(request: HttpRequest, mid: Int, body: ReportInIn) -> Status[dict[str, Any]]:
    member = scoping.get_scoped(PartyMember, request.user, mid, "branch__area")
    area = None
    if body.area:
        area = Area.objects.live().filter(code=body.area).first()
        if area is None:
            raise DomainError.one(_("No area has this code."), field="area")
    r = services.report_in_record(
        actor=request.user, member=member, area=area, on=body.on, activity=body.activity
    )
    return Status(201, {"id": r.pk, "reported_on": r.reported_on.isoformat()})


class BelowOut(Schema):
    id: int
    name: str
    branch: str
    workplace: str
    report_area: str
    report_ins: int
    missing: int
    last_reported_on: dt.date | None


@router.get(
    "/people/party/report-ins/below",
    response=list[BelowOut],
    summary="In-service members below the yearly minimum of report-ins",
)
@paged
def report_in_below(request: HttpRequest, year: Year | None = None, minimum: Int = 2) -> Rows:
    year = year or timezone.localdate().year
    return Rows(
        selectors.report_in_below(request.user, year, minimum),
        each=lambda r: {
            "id": r["member"].pk,
            "name": r["member"].name,
            "branch": r["member"].branch.name,
            "workplace": r["member"].workplace,
            "report_area": r["member"].report_area.code if r["member"].report_area else "",
            "report_ins": r["count"],
            "missing": r["missing"],
            "last_reported_on": r["last"],
        },
    )
