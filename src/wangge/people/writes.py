"""What the people writes share: placing a point in its micro-grid within the actor's scope,
setting the fields that changed, the audit row of a save, a clean phone number."""

from typing import Any

from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor, require_actor
from wangge.accounts.scope import can_see
from wangge.errors import DomainError
from wangge.people.identity import InvalidValue, parse_phone
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index


def locate(lon: float, lat: float) -> Area:
    """The deepest area (micro-grid) the point falls in; outside the jurisdiction is refused."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DomainError.one(_("Longitude or latitude out of range."), field="lon")
    where = get_index().locate(lon, lat)
    if where.outside:
        raise DomainError.one(_("This point is outside the jurisdiction."), field="lon")
    return Area.objects.get(pk=where.chain[0].id)


def check_scope(actor: Actor, area: Area, field: str = "") -> None:
    if not can_see(require_actor(actor), area):
        raise DomainError.one(
            _("This place is outside your areas."), field=field, code="out_of_scope", status=403
        )


def place_in_scope(
    actor: Actor, lon: float | None, lat: float | None, fallback: Area | None, field: str
) -> Area:
    if lon is not None and lat is not None:
        area = locate(lon, lat)
    elif fallback is not None:
        area = fallback
    else:
        raise DomainError.one(_("Give the location (longitude and latitude)."), field=field)
    check_scope(actor, area, field)
    return area


def changed_fields(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the values that differ; return the names of those fields."""
    if obj.pk is None:
        changed = list(values)
    else:
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    return changed


def audit_write(
    actor: Actor, obj: Any, created: bool, changed: list[str], ip: str, label: str = ""
) -> None:
    if created or changed:
        audit.record(
            actor,
            "create" if created else "update",
            obj._meta.model_name,
            obj.pk,
            label=label or str(obj),
            ip=ip,
            detail={} if created else {"fields": changed},
        )


def clean_phone(phone: str, field: str = "phone") -> str:
    if not phone.strip():
        return ""
    try:
        return parse_phone(phone)
    except InvalidValue as exc:
        raise DomainError.one(str(exc), field=field) from exc
