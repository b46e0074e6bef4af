"""Scoped reads of places: buildings and their houses, organisations, hazard points,
facilities, and the map layer of them."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wangge.accounts.actors import Actor
from wangge.people.models import Building, Facility, HazardPoint, House, Organization
from wangge.people.scoping import get_in, get_scoped, scoped, subtree_ids
from wangge.regions.lean import without_geometry


def buildings(user: Actor, *, q: str = "", area_code: str = "") -> QuerySet[Building]:
    qs = scoped(Building, user).annotate(house_count=Count("houses"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__contains=q) | Q(address__contains=q))
    if area_code:
        qs = qs.filter(area__in=subtree_ids(area_code))
    return qs.order_by("code")


def building_get(user: Actor, pk: Any) -> Building:
    return get_in(without_geometry(scoped(Building, user, "area").select_related("area")), pk)


def building_houses(building: Building) -> QuerySet[House]:
    return building.houses.annotate(
        household_count=Count("households", filter=Q(households__dissolved_on__isnull=True))
    ).order_by("unit", "number", "code")


def house_get(user: Actor, pk: Any) -> House:
    return get_scoped(House, user, pk)


def organizations(user: Actor, *, q: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = scoped(Organization, user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(licence_number=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def hazards(user: Actor, *, kind: str = "", open_only: bool = True) -> QuerySet[HazardPoint]:
    qs = scoped(HazardPoint, user)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(resolved_on__isnull=True)
    return qs.order_by("name")


def facilities(user: Actor, *, kind: str = "", due: bool = False) -> QuerySet[Facility]:
    qs = scoped(Facility, user)
    if kind:
        qs = qs.filter(kind=kind)
    items = qs.order_by("code")
    if due:
        today = timezone.localdate()
        due_ids = [
            f.pk
            for f in items.only("pk", "last_inspected_on", "inspection_cycle_days")
            if f.next_inspection_on is None or f.next_inspection_on <= today
        ]
        items = items.filter(pk__in=due_ids)
    return items


def _feature(kind: str, obj: Any, label: str, detail: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [obj.lon, obj.lat]},
        "properties": {"layer": kind, "name": label, "detail": detail},
    }


def places_features(user: Actor, limit: int = 2000) -> dict[str, Any]:
    """Located organisations, open hazards and facilities in scope as a GeoJSON collection."""
    features = []
    for org in organizations(user).exclude(lon=None)[:limit]:
        features.append(_feature("organization", org, org.name, org.get_kind_display()))
    for hazard in hazards(user).exclude(lon=None)[:limit]:
        detail = f"{hazard.get_kind_display()} · {hazard.get_level_display()}"
        features.append(_feature("hazard", hazard, hazard.name, detail))
    for item in facilities(user).exclude(lon=None)[:limit]:
        features.append(_feature("facility", item, str(item), item.get_kind_display()))
    return {"type": "FeatureCollection", "features": features}
