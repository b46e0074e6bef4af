"""People, places and organisations over HTTP, always within the caller's scope.

ID numbers and phones are masked in every response; the plaintext only comes from
`POST /people/residents/{id}/reveal` (with a reason, audited). A record outside the caller's
scope is 404 on every endpoint.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from wangge.accounts import audit
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.inputs import Input, Int, Title
from wangge.people import access
from wangge.people.imports import workbooks
from wangge.people.models import Resident, ResidentTag, TagKind
from wangge.people.places.api import (
    BuildingOut,
    FacilityOut,
    HazardOut,
    HouseholdOut,
    HouseOut,
    OrganizationOut,
)
from wangge.people.residents import selectors, services

router = Router(tags=["people"])


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
            actor=request.user,
            rows=rows,
            q=filters.q,
            id_number=filters.id_number,
            phone=filters.phone,
            ip=_ip(request),
        )
        return [ResidentOut.of(r) for r in rows]

    qs = selectors.for_listing(_search(request, filters), request.user)
    return Rows(qs, batch=shown, keys_first=True)


@router.get("/people/residents/export.xlsx", summary="Export the filtered list (masked)")
def resident_export(request: HttpRequest, filters: Query[ResidentFilter]) -> HttpResponse:
    content = services.residents_export(
        actor=request.user,
        rows=selectors.for_listing(_search(request, filters), request.user),
        filters=filters.dict(),
        ip=_ip(request),
    )
    return workbooks.xlsx_response(content, "residents.xlsx")


class PlainExportIn(ResidentFilter):
    reason: str


@router.post("/people/residents/export.xlsx", summary="Export unmasked (permission, reason)")
def resident_export_plain(request: HttpRequest, body: PlainExportIn) -> HttpResponse:
    filters = ResidentFilter(**body.dict(exclude={"reason"}))
    content = services.residents_export(
        actor=request.user,
        rows=selectors.for_listing(_search(request, filters), request.user),
        filters=filters.dict(),
        reveal_reason=body.reason,
        ip=_ip(request),
    )
    return workbooks.xlsx_response(content, "residents.xlsx")


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
    r = services.resident_create(actor=request.user, household=household, ip=_ip(request), **data)
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
    services.resident_update(
        actor=request.user, resident=r, ip=_ip(request), **body.dict(exclude_unset=True)
    )
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
        services.resident_move_out(
            actor=request.user, resident=r, on=body.on, status=body.status, ip=_ip(request)
        )
    else:
        target = selectors.household_get(request.user, body.household_id)
        services.resident_move(
            actor=request.user,
            resident=r,
            household=target,
            on=body.on,
            relation=body.relation,
            ip=_ip(request),
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
    return services.reveal(actor=request.user, resident=r, reason=body.reason, ip=_ip(request))


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
        actor=request.user,
        resident=r,
        kind=_kind(request, body.kind),
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
    return TagOut.of(services.tag_end(actor=request.user, tag=tag, on=body.on, ip=_ip(request)))


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
