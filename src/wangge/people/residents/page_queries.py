"""Scoped reads the people pages need beyond `selectors` (candidates to move there)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditEntry
from wangge.errors import DomainError
from wangge.people import access
from wangge.people.identity import InvalidValue, mask_id, mask_phone, parse_id_number, parse_phone
from wangge.people.models import ResidentTag
from wangge.people.residents.selectors import facilities, get_scoped, hazards, organizations


def tag_get(user: Any, pk: Any) -> ResidentTag:
    """A tag of a resident in scope, of a kind the user may see; otherwise 404."""
    tag = get_scoped(ResidentTag, user, pk, "resident__area")
    if tag.kind_id not in access.visible_kind_ids(user):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return tag


def _feature(kind: str, obj: Any, label: str, detail: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [obj.lon, obj.lat]},
        "properties": {"layer": kind, "name": label, "detail": detail},
    }


def places_features(user: Any, limit: int = 2000) -> dict[str, Any]:
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


def _day(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DomainError.one(_("Not a valid date."), field=field) from exc


def audit_entries(
    *, user: str = "", record: str = "", since: str = "", until: str = ""
) -> QuerySet[AuditEntry]:
    """The audit log, newest first, filtered by actor name, record ("type:id" or id) and day."""
    qs = AuditEntry.objects.order_by("-seq")
    if user:
        qs = qs.filter(actor_name__contains=user)
    if record:
        kind, _sep, pk = record.rpartition(":")
        qs = qs.filter(object_id=pk.strip())
        if kind:
            qs = qs.filter(object_type=kind.strip())
    if day := _day(since, "since"):
        qs = qs.filter(at__date__gte=day)
    if day := _day(until, "until"):
        qs = qs.filter(at__date__lte=day)
    return qs


def audit_verification() -> audit.Verification:
    return audit.verify()


def masked_echo(value: str) -> str:
    """A search criterion as it may be shown back: a whole ID number or phone masked."""
    for parse, mask in ((lambda v: parse_id_number(v).number, mask_id), (parse_phone, mask_phone)):
        try:
            return mask(parse(value))
        except InvalidValue:
            continue
    return value
