"""Buildings, houses, organisations, hazard points and facilities over HTTP, within the caller's
scope (a record outside it is 404)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from wangge.api_pages import Rows, paged
from wangge.inputs import Int
from wangge.people import scoping
from wangge.people.models import Building, Facility, HazardPoint, House, Household, Organization
from wangge.people.places import selectors
from wangge.people.residents import selectors as resident_selectors
from wangge.regions.lean import without_geometry

router = Router(tags=["people"])


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
    households = resident_selectors.house_households(h)
    return {
        **HouseOut.of(h),
        "households": [HouseholdOut.of(x, getattr(x, "member_count", 0)) for x in households],
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
    return OrganizationOut.of(scoping.get_scoped(Organization, request.user, oid))


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
