"""People, places and organisations over HTTP, always within the caller's scope.

ID numbers and phones are masked in every response; the plaintext only comes from
`POST /people/residents/{id}/reveal` (with a reason, audited). A record outside the caller's
scope is 404 on every endpoint.
"""

import datetime as dt
import re
import secrets
from typing import Any, Literal

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.accounts import audit
from wangge.accounts.models import AuditEntry
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.inputs import Input, Int, Title, Year
from wangge.people import (
    access,
    import_reports,
    importer,
    importer_jobs,
    selectors,
    services,
    tabular,
    tasks,
    workbooks,
)
from wangge.people.models import (
    Building,
    Facility,
    HazardPoint,
    House,
    Household,
    ImportRun,
    Organization,
    PartyMember,
    Resident,
    ResidentTag,
    TagKind,
)
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

router = Router(tags=["people"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ip(request: HttpRequest) -> str:
    return audit.client_ip(request)


# -- output ----------------------------------------------------------------------------------
class TagOut(Schema):
    id: int
    kind: str
    kind_name: str
    sensitive: bool
    data: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def of(t: ResidentTag) -> dict[str, Any]:
        return {
            "id": t.pk,
            "kind": t.kind.code,
            "kind_name": t.kind.name,
            "sensitive": t.kind.sensitive,
            "data": t.data,
            "valid_from": t.valid_from,
            "valid_to": t.valid_to,
        }


class ResidentOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="masked")
    phone: str = Field(description="masked")
    id_type: str
    sex: str
    birth_date: dt.date | None
    ethnicity: str
    residence_type: str
    residence_type_name: str
    relation: str
    relation_name: str
    household_id: int | None
    household: str
    address: str
    area: str
    area_name: str
    status: str
    moved_in_on: dt.date | None
    moved_out_on: dt.date | None
    tags: list[TagOut]

    @staticmethod
    def of(r: Resident) -> dict[str, Any]:
        hh = r.household
        return {
            "id": r.pk,
            "name": r.name,
            "id_number": r.id_number_masked,
            "phone": r.phone_masked,
            "id_type": r.id_type,
            "sex": r.sex,
            "birth_date": r.birth_date,
            "ethnicity": r.ethnicity,
            "residence_type": r.residence_type,
            "residence_type_name": r.get_residence_type_display(),
            "relation": r.relation,
            "relation_name": r.get_relation_display() if r.relation else "",
            "household_id": r.household_id,
            "household": hh.code if hh else "",
            "address": hh.address if hh else "",
            "area": r.area.code,
            "area_name": r.area.name,
            "status": r.status,
            "moved_in_on": r.moved_in_on,
            "moved_out_on": r.moved_out_on,
            "tags": [TagOut.of(t) for t in getattr(r, "current_tags", [])],
        }


class ResidenceOut(Schema):
    household_id: int
    household: str
    area: str
    relation: str
    residence_type: str
    started_on: dt.date
    ended_on: dt.date | None


class ResidentDetailOut(ResidentOut):
    can_reveal: bool
    residences: list[ResidenceOut]


def _detail(request: HttpRequest, r: Resident) -> dict[str, Any]:
    data = ResidentOut.of(r)
    data["can_reveal"] = access.can_reveal(request.user, r.area)
    data["residences"] = [
        {
            "household_id": x.household_id,
            "household": x.household.code,
            "area": x.area.code,
            "relation": x.relation,
            "residence_type": x.residence_type,
            "started_on": x.started_on,
            "ended_on": x.ended_on,
        }
        for x in r.residences.all()
    ]
    return data


class Located(Schema):
    id: int
    lon: float | None
    lat: float | None
    area: str
    address: str


def _located(obj: Any) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "lon": obj.lon,
        "lat": obj.lat,
        "area": obj.area.code,
        "address": obj.address,
    }


class BuildingOut(Located):
    code: str
    name: str
    floors: int | None
    house_count: int = 0

    @staticmethod
    def of(b: Building) -> dict[str, Any]:
        return {
            **_located(b),
            "code": b.code,
            "name": b.name,
            "floors": b.floors,
            "house_count": getattr(b, "house_count", 0),
        }


class HouseOut(Located):
    code: str
    building_id: int | None
    unit: str
    number: str
    use: str
    use_name: str
    household_count: int = 0

    @staticmethod
    def of(h: House) -> dict[str, Any]:
        return {
            **_located(h),
            "code": h.code,
            "building_id": h.building_id,
            "unit": h.unit,
            "number": h.number,
            "use": h.use,
            "use_name": h.get_use_display(),
            "household_count": getattr(h, "household_count", 0),
        }


class HouseholdOut(Located):
    code: str
    house_id: int
    kind: str
    member_count: int

    @staticmethod
    def of(h: Household, members: int) -> dict[str, Any]:
        return {
            **_located(h),
            "code": h.code,
            "house_id": h.house_id,
            "kind": h.kind,
            "member_count": members,
        }


class BuildingDetailOut(BuildingOut):
    houses: list[HouseOut]


class HouseDetailOut(HouseOut):
    households: list[HouseholdOut]


class OrganizationOut(Located):
    name: str
    kind: str
    kind_name: str
    licence_number: str
    contact_name: str
    contact_phone: str = Field(description="masked")
    employees: int | None

    @staticmethod
    def of(o: Organization) -> dict[str, Any]:
        return {
            **_located(o),
            "name": o.name,
            "kind": o.kind,
            "kind_name": o.get_kind_display(),
            "licence_number": o.licence_number,
            "contact_name": o.contact_name,
            "contact_phone": o.contact_phone_masked,
            "employees": o.employees,
        }


class HazardOut(Located):
    name: str
    kind: str
    kind_name: str
    level: str
    description: str
    responsible: str
    last_checked_on: dt.date | None
    check_cycle_days: int

    @staticmethod
    def of(h: HazardPoint) -> dict[str, Any]:
        return {
            **_located(h),
            "name": h.name,
            "kind": h.kind,
            "kind_name": h.get_kind_display(),
            "level": h.level,
            "description": h.description,
            "responsible": h.responsible,
            "last_checked_on": h.last_checked_on,
            "check_cycle_days": h.check_cycle_days,
        }


class FacilityOut(Located):
    code: str
    name: str
    kind: str
    kind_name: str
    owner: str
    inspection_cycle_days: int
    last_inspected_on: dt.date | None
    next_inspection_on: dt.date | None

    @staticmethod
    def of(f: Facility) -> dict[str, Any]:
        return {
            **_located(f),
            "code": f.code,
            "name": f.name,
            "kind": f.kind,
            "kind_name": f.get_kind_display(),
            "owner": f.owner,
            "inspection_cycle_days": f.inspection_cycle_days,
            "last_inspected_on": f.last_inspected_on,
            "next_inspection_on": f.next_inspection_on,
        }


class HouseholdRecordOut(Schema):
    household: HouseholdOut
    house: HouseOut
    building: BuildingOut | None
    members: list[ResidentOut]
    former: list[ResidenceOut]
    organizations: list[OrganizationOut]
    facilities: list[FacilityOut]
    hazards: list[HazardOut]


# -- residents -------------------------------------------------------------------------------
class ResidentFilter(Input):
    q: str = Field("", description="name fragment, or a whole ID number or phone")
    id_number: str = Field("", description="whole (exact), masked as shown, or last 4")
    phone: str = Field("", description="whole (exact) or last 4 digits")
    address: str = ""
    tag: str = Field("", description="tag kind code")
    area: str = Field("", description="area code (its subtree)")
    household: int | None = None
    status: str = "living"


def _search(request: HttpRequest, f: ResidentFilter) -> Any:
    return selectors.resident_search(
        request.user,
        q=f.q,
        id_number=f.id_number,
        phone=f.phone,
        address=f.address,
        tag=f.tag,
        area_code=f.area,
        household=f.household,
        status=f.status,
    )


@router.get("/people/residents", response=list[ResidentOut], summary="Search residents in scope")
@paged
def resident_list(request: HttpRequest, filters: Query[ResidentFilter]) -> Rows:
    if services.is_number_search(filters.q, filters.id_number, filters.phone):
        # A number in a URL lands in access logs, proxies and browser history.
        raise DomainError.one(
            _("Search by ID number or phone with POST /api/people/residents/search."),
            field="id_number" if filters.id_number else "phone" if filters.phone else "q",
            code="use_post",
            status=422,
        )
    return _resident_rows(request, filters)


@router.post(
    "/people/residents/search",
    response=list[ResidentOut],
    summary="Search residents (by number too); `page` and `page_size` in the query, and `next`"
    " is where to send the same body for the next page",
)
@paged
def resident_search(request: HttpRequest, body: ResidentFilter) -> Rows:
    return _resident_rows(request, body)


def _resident_rows(request: HttpRequest, filters: ResidentFilter) -> Rows:
    def shown(rows: list[Resident]) -> list[dict[str, Any]]:
        services.audit_number_search(
            request.user, rows, filters.q, filters.id_number, filters.phone, ip=_ip(request)
        )
        return [ResidentOut.of(r) for r in rows]

    qs = selectors.for_listing(_search(request, filters), request.user)
    return Rows(qs, batch=shown, keys_first=True)


@router.get("/people/residents/export.xlsx", summary="Export the filtered list (masked)")
def resident_export(request: HttpRequest, filters: Query[ResidentFilter]) -> HttpResponse:
    content = services.residents_export(
        request.user,
        selectors.for_listing(_search(request, filters), request.user),
        filters=filters.dict(),
        ip=_ip(request),
    )
    return _xlsx(content, "residents.xlsx")


class PlainExportIn(ResidentFilter):
    reason: str


@router.post("/people/residents/export.xlsx", summary="Export unmasked (permission, reason)")
def resident_export_plain(request: HttpRequest, body: PlainExportIn) -> HttpResponse:
    filters = ResidentFilter(**body.dict(exclude={"reason"}))
    content = services.residents_export(
        request.user,
        selectors.for_listing(_search(request, filters), request.user),
        filters=filters.dict(),
        reveal_reason=body.reason,
        ip=_ip(request),
    )
    return _xlsx(content, "residents.xlsx")


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    add_never_cache_headers(response)  # personal data: no copy in any cache
    return response


@router.get("/people/residents/{rid}", response=ResidentDetailOut, summary="One resident")
def resident_get(request: HttpRequest, rid: Int) -> dict[str, Any]:
    r = selectors.resident_detail(request.user, rid)
    audit.record(request.user, "view", "resident", r.pk, label=str(r), ip=_ip(request))
    return _detail(request, r)


class ResidentIn(Input):
    fits = Resident

    name: Title
    id_number: str
    id_type: str = "id_card"
    household_id: int
    phone: str = ""
    ethnicity: str = ""
    relation: str = ""
    residence_type: str = "registered"
    moved_in_on: dt.date | None = None
    sex: str = ""
    birth_date: dt.date | None = None
    workplace: str = ""
    note: str = ""


@router.post("/people/residents", response={201: ResidentDetailOut}, summary="Register")
def resident_create(request: HttpRequest, body: ResidentIn) -> Status[dict[str, Any]]:
    household = selectors.household_get(request.user, body.household_id)
    data = body.dict(exclude={"household_id"})
    r = services.resident_create(request.user, household=household, ip=_ip(request), **data)
    return Status(201, _detail(request, selectors.resident_detail(request.user, r.pk)))


class ResidentPatch(Input):
    fits = Resident  # a null or a too-long value is a 422, not a database error

    name: Title | None = None
    phone: str | None = None
    ethnicity: str | None = None
    relation: str | None = None
    residence_type: str | None = None
    workplace: str | None = None
    note: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None


@router.patch("/people/residents/{rid}", response=ResidentDetailOut, summary="Change")
def resident_update(request: HttpRequest, rid: Int, body: ResidentPatch) -> dict[str, Any]:
    r = selectors.resident_get(request.user, rid)
    services.resident_update(request.user, r, ip=_ip(request), **body.dict(exclude_unset=True))
    return _detail(request, selectors.resident_detail(request.user, rid))


class MoveIn(Input):
    household_id: int | None = Field(None, description="None: moved away")
    on: dt.date | None = None
    relation: str = ""
    status: Literal["moved_out", "deceased"] = "moved_out"


@router.post("/people/residents/{rid}/move", response=ResidentDetailOut, summary="Move")
def resident_move(request: HttpRequest, rid: Int, body: MoveIn) -> dict[str, Any]:
    r = selectors.resident_get(request.user, rid)
    if body.household_id is None:
        services.resident_move_out(request.user, r, on=body.on, status=body.status, ip=_ip(request))
    else:
        target = selectors.household_get(request.user, body.household_id)
        services.resident_move(
            request.user, r, target, on=body.on, relation=body.relation, ip=_ip(request)
        )
    return _detail(request, selectors.resident_detail(request.user, rid))


class RevealIn(Input):
    reason: str


class RevealOut(Schema):
    id_number: str
    phone: str


@router.post("/people/residents/{rid}/reveal", response=RevealOut, summary="Full ID and phone")
def resident_reveal(
    request: HttpRequest, rid: Int, body: RevealIn, response: HttpResponse
) -> dict[str, str]:
    r = selectors.resident_get(request.user, rid)
    add_never_cache_headers(response)  # the plaintext: no copy in any cache
    return services.reveal(request.user, r, reason=body.reason, ip=_ip(request))


# -- tags ------------------------------------------------------------------------------------
class TagKindOut(Schema):
    code: str
    name: str
    sensitive: bool
    fields: list[dict[str, Any]]


@router.get("/people/tag-kinds", response=list[TagKindOut], summary="Special groups I may see")
def tag_kinds(request: HttpRequest) -> list[TagKind]:
    return list(TagKind.objects.filter(pk__in=access.visible_kind_ids(request.user)))


class TagIn(Input):
    kind: str
    data: dict[str, Any] = {}
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = ""


def _kind(request: HttpRequest, code: str) -> TagKind:
    kind = TagKind.objects.filter(code=code, pk__in=access.visible_kind_ids(request.user)).first()
    if kind is None:
        raise DomainError.one(_("Unknown group."), field="kind", code="not_found", status=404)
    return kind


@router.post("/people/residents/{rid}/tags", response={201: TagOut}, summary="Add a group tag")
def tag_add(request: HttpRequest, rid: Int, body: TagIn) -> Status[dict[str, Any]]:
    r = selectors.resident_get(request.user, rid)
    tag = services.tag_add(
        request.user,
        r,
        _kind(request, body.kind),
        data=body.data,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        note=body.note,
        ip=_ip(request),
    )
    return Status(201, TagOut.of(tag))


class TagEndIn(Input):
    on: dt.date | None = None


@router.post("/people/tags/{tid}/end", response=TagOut, summary="End a group tag")
def tag_end(request: HttpRequest, tid: Int, body: TagEndIn) -> dict[str, Any]:
    tag = (
        ResidentTag.objects.filter(
            pk=tid,
            kind_id__in=access.visible_kind_ids(request.user),
            resident__in=selectors.residents(request.user),
        )
        .select_related("kind", "resident__area")
        .defer("resident__area__geometry")
        .first()
    )
    if tag is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return TagOut.of(services.tag_end(request.user, tag, on=body.on, ip=_ip(request)))


# -- places ----------------------------------------------------------------------------------
@router.get("/people/buildings", response=list[BuildingOut], summary="Buildings in scope")
@paged
def building_list(request: HttpRequest, q: str = "", area: str = "") -> Rows:
    qs = selectors.buildings(request.user, q=q, area_code=area).select_related("area")
    return Rows(without_geometry(qs), each=BuildingOut.of, keys_first=True)


@router.get("/people/buildings/{bid}", response=BuildingDetailOut, summary="A building's houses")
def building_get(request: HttpRequest, bid: Int) -> dict[str, Any]:
    b = selectors.building_get(request.user, bid)
    houses = without_geometry(selectors.building_houses(b).select_related("area"))
    return {**BuildingOut.of(b), "houses": [HouseOut.of(h) for h in houses]}


@router.get("/people/houses/{hid}", response=HouseDetailOut, summary="A house's households")
def house_get(request: HttpRequest, hid: Int) -> dict[str, Any]:
    h = selectors.house_get(request.user, hid)
    households = selectors.house_households(h)
    return {
        **HouseOut.of(h),
        "households": [HouseholdOut.of(x, getattr(x, "member_count", 0)) for x in households],
    }


@router.get(
    "/people/households/{hid}", response=HouseholdRecordOut, summary="一户一档: the household"
)
def household_get(request: HttpRequest, hid: Int) -> dict[str, Any]:
    rec = selectors.household_record(request.user, hid)
    household = rec["household"]
    audit.record(
        request.user, "view", "household", household.pk, label=household.code, ip=_ip(request)
    )
    former = [
        {
            "household_id": x.household_id,
            "household": household.code,
            "area": household.area.code,
            "relation": x.relation,
            "residence_type": x.residence_type,
            "started_on": x.started_on,
            "ended_on": x.ended_on,
        }
        for x in rec["former"]
    ]
    return {
        "household": HouseholdOut.of(household, len(rec["members"])),
        "house": HouseOut.of(rec["house"]),
        "building": BuildingOut.of(rec["building"]) if rec["building"] else None,
        "members": [ResidentOut.of(m) for m in rec["members"]],
        "former": former,
        "organizations": [OrganizationOut.of(o) for o in rec["organizations"]],
        "facilities": [FacilityOut.of(f) for f in rec["facilities"]],
        "hazards": [HazardOut.of(h) for h in rec["hazards"]],
    }


# -- organisations, party, things -------------------------------------------------------------
@router.get("/people/organizations", response=list[OrganizationOut], summary="Organisations")
@paged
def organization_list(request: HttpRequest, q: str = "", kind: str = "") -> Rows:
    qs = without_geometry(
        selectors.organizations(request.user, q=q, kind=kind).select_related("area")
    )
    return Rows(qs, each=OrganizationOut.of, keys_first=True)


@router.get("/people/organizations/{oid}", response=OrganizationOut, summary="An organisation")
def organization_get(request: HttpRequest, oid: Int) -> dict[str, Any]:
    return OrganizationOut.of(selectors.get_scoped(Organization, request.user, oid))


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
    member = selectors.get_scoped(PartyMember, request.user, mid, "branch__area")
    area = None
    if body.area:
        area = Area.objects.live().filter(code=body.area).first()
        if area is None:
            raise DomainError.one(_("No area has this code."), field="area")
    r = services.report_in_record(
        request.user, member, area=area, on=body.on, activity=body.activity
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


@router.get("/people/hazards", response=list[HazardOut], summary="Hazard points (map)")
@paged
def hazard_list(request: HttpRequest, kind: str = "") -> Rows:
    qs = without_geometry(selectors.hazards(request.user, kind=kind).select_related("area"))
    return Rows(qs, each=HazardOut.of)


@router.get("/people/facilities", response=list[FacilityOut], summary="Facilities (map)")
@paged
def facility_list(request: HttpRequest, kind: str = "", due: bool = False) -> Rows:
    qs = without_geometry(
        selectors.facilities(request.user, kind=kind, due=due).select_related("area")
    )
    return Rows(qs, each=FacilityOut.of)


# -- import ----------------------------------------------------------------------------------
class ProblemOut(Schema):
    sheet: str
    row: int
    column: str
    message: str


class ImportOut(Schema):
    committed: bool
    mode: str
    rows: int
    counts: dict[str, dict[str, int]]
    problems: list[ProblemOut]
    report_url: str


@router.get("/people/import/template.xlsx", summary="The import template")
def import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(workbooks.template(), "people-template.xlsx")


@router.post(
    "/people/import",
    response={200: ImportOut, 202: dict[str, Any]},
    summary="Import buildings … residents: at once up to WANGGE_IMPORT_SYNC_ROWS rows, else"
    " by the worker (202 with the run's status URL)",
)
def import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Form[Literal["all", "valid"]] = "all",
) -> Status[dict[str, Any]]:
    data = file.read()
    name = file.name or "upload.xlsx"
    if importer_jobs.row_count(data, name) > settings.WANGGE_IMPORT_SYNC_ROWS:
        run = importer_jobs.import_queue(
            actor=request.user, data=data, file_name=name, mode=mode, ip=_ip(request)
        )
        tasks.run_people_import(run.pk)  # (at once where tasks are immediate: the tests)
        run.refresh_from_db()
        status_url = f"/api/people/import/runs/{run.pk}"
        return Status(202, {"status_url": status_url, **importer_jobs.import_run_status(run)})
    result = importer.import_file(request.user, data, name, mode=mode, ip=_ip(request))
    report_url = ""
    if result.problems:
        token = f"{request.user.pk}-{secrets.token_urlsafe(12)}"
        try:
            sheets = tabular.read_file(data, name)
        except Exception:
            sheets = []
        import_reports.report_save(token, workbooks.import_report(sheets, result.problems))
        report_url = f"/api/people/import/reports/{token}.xlsx"
    return Status(
        200,
        {
            "committed": result.committed,
            "mode": result.mode,
            "rows": result.rows,
            "counts": {k: vars(c) for k, c in result.counts.items()},
            "problems": [vars(p) for p in result.problems[:1000]],
            "report_url": report_url,
        },
    )


@router.get(
    "/people/import/runs/{run_id}",
    summary="A big import's progress: state (queued, running, done, failed), rows done of"
    " total, counts, problems, report (its importer only)",
)
def import_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = ImportRun.objects.filter(pk=run_id, by_id=request.user.pk).exclude(token="").first()
    if run is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return importer_jobs.import_run_status(run)


@router.get("/people/import/reports/{token}.xlsx", summary="An import's annotated report")
def import_report(request: HttpRequest, token: str) -> FileResponse:
    if not re.fullmatch(r"\d+-[\w-]+", token) or token.split("-")[0] != str(request.user.pk):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    path = import_reports.report_path(token)
    if path is None:  # never written, or older than WANGGE_IMPORT_REPORT_DAYS
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return FileResponse(path.open("rb"), as_attachment=True, filename="import-report.xlsx")


# -- audit -----------------------------------------------------------------------------------
class AuditOut(Schema):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    reason: str
    ip: str
    detail: dict[str, Any]
    hash: str


def _auditor(request: HttpRequest) -> None:
    if not access.is_auditor(request.user):
        raise DomainError.one(_("Only auditors read the audit log."), code="forbidden", status=403)


@router.get("/people/audit", response=list[AuditOut], summary="Audit log (auditors)")
@paged
def audit_list(
    request: HttpRequest,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    before_seq: Int | None = None,
) -> Rows:
    _auditor(request)
    qs = AuditEntry.objects.all()
    if actor:
        qs = qs.filter(actor_name=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    return Rows(
        qs.order_by("-seq"),
        each=lambda e: {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor_name,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": e.object_label,
            "reason": e.reason,
            "ip": e.ip,
            "detail": e.detail,
            "hash": e.hash,
        },
    )


class VerifyOut(Schema):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str


@router.get("/people/audit/verify", response=VerifyOut, summary="Verify the hash chain")
def audit_verify(request: HttpRequest) -> dict[str, Any]:
    _auditor(request)
    v = audit.verify()
    return {"ok": v.ok, "checked": v.checked, "broken_seq": v.broken_seq, "reason": v.reason}
