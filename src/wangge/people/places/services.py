"""Writes of places: buildings, houses, hazard points and facilities (audited, in scope)."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.errors import DomainError
from wangge.people.models import Building, Facility, HazardPoint, House
from wangge.people.writes import audit_write, changed_fields, check_scope, place_in_scope
from wangge.regions.models import Area


@transaction.atomic
def building_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    area: Area | None = None,
    floors: int | None = None,
    note: str = "",
    ip: str = "",
) -> Building:
    """Create the building with this code, or update it."""
    if not code.strip():
        raise DomainError.one(_("A building needs a code."), field="code")
    existing = Building.objects.filter(code=code).first()
    if existing is not None:
        check_scope(actor, existing.area, "code")
    place = place_in_scope(actor, lon, lat, area or (existing.area if existing else None), "lon")
    values = dict(
        name=name or code, address=address, lon=lon, lat=lat, area=place, floors=floors, note=note
    )
    building = existing or Building(code=code)
    changed = changed_fields(building, values)
    if existing is None or changed:
        building.save()
    audit_write(actor, building, existing is None, changed, ip)
    return building


def house_location(
    *,
    building: Building | None,
    unit: str,
    number: str,
    address: str,
    lon: float | None,
    lat: float | None,
) -> tuple[str, float | None, float | None]:
    """A house's address and point: its own, else taken from its building (the building's
    address with the unit and number). `house_save` and the importer both place houses so."""
    if not address and building is not None:
        address = " ".join(p for p in (building.address or building.name, unit, number) if p)
    return (
        address,
        lon if lon is not None else (building.lon if building else None),
        lat if lat is not None else (building.lat if building else None),
    )


@transaction.atomic
def house_save(
    *,
    actor: Actor,
    code: str,
    building: Building | None = None,
    unit: str = "",
    number: str = "",
    use: str = "residential",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    floor_area_m2: float | None = None,
    note: str = "",
    ip: str = "",
) -> House:
    if not code.strip():
        raise DomainError.one(_("A house needs a code."), field="code")
    existing = House.objects.filter(code=code).first()
    if existing is not None:
        check_scope(actor, existing.area, "code")
    fallback = building.area if building else (existing.area if existing else None)
    place = place_in_scope(actor, lon, lat, fallback, "lon")
    address, lon, lat = house_location(
        building=building, unit=unit, number=number, address=address, lon=lon, lat=lat
    )
    values = dict(
        building=building,
        unit=unit,
        number=number,
        use=use,
        address=address,
        lon=lon,
        lat=lat,
        area=place,
        floor_area_m2=floor_area_m2,
        note=note,
    )
    house = existing or House(code=code)
    changed = changed_fields(house, values)
    if existing is None or changed:
        house.save()
    audit_write(actor, house, existing is None, changed, ip)
    return house


@transaction.atomic
def hazard_save(
    *,
    actor: Actor,
    name: str,
    kind: str,
    lon: float,
    lat: float,
    level: str = HazardPoint.Level.LOW,
    description: str = "",
    responsible: str = "",
    check_cycle_days: int = 30,
    last_checked_on: dt.date | None = None,
    address: str = "",
) -> HazardPoint:
    area = place_in_scope(actor, lon, lat, None, "lon")
    return HazardPoint.objects.create(
        name=name,
        kind=kind,
        lon=lon,
        lat=lat,
        area=area,
        level=level,
        description=description,
        responsible=responsible,
        check_cycle_days=check_cycle_days,
        last_checked_on=last_checked_on,
        address=address,
    )


@transaction.atomic
def facility_save(
    *,
    actor: Actor,
    code: str,
    kind: str,
    lon: float,
    lat: float,
    name: str = "",
    owner: str = "",
    inspection_cycle_days: int = 30,
    last_inspected_on: dt.date | None = None,
    address: str = "",
) -> Facility:
    area = place_in_scope(actor, lon, lat, None, "lon")
    facility, _created = Facility.objects.update_or_create(
        code=code,
        defaults=dict(
            kind=kind,
            lon=lon,
            lat=lat,
            area=area,
            name=name,
            owner=owner,
            inspection_cycle_days=inspection_cycle_days,
            last_inspected_on=last_inspected_on,
            address=address,
        ),
    )
    return facility
