"""Checks shared by the field writes (visits and must-attend): the check-in distance from the
target, the client key of an offline retry, the task that went away.
"""

import math

from django.conf import settings
from django.utils.translation import gettext as _

from wangge.errors import DomainError

FAR_METRES_DEFAULT = 200.0


def far_metres() -> float:
    """Check-ins farther than this from the household are flagged (WANGGE_VISIT_FAR_METRES)."""
    return float(getattr(settings, "WANGGE_VISIT_FAR_METRES", FAR_METRES_DEFAULT))


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def check_in(
    lon: float | None, lat: float | None, target_lon: float | None, target_lat: float | None
) -> tuple[float | None, bool]:
    """(distance in metres or None, far?) of a check-in from its target."""
    if lon is None or lat is None:
        return None, False
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DomainError.one(_("The location is not a valid longitude/latitude."), field="lon")
    if target_lon is None or target_lat is None:
        return None, False
    distance = round(metres(lon, lat, target_lon, target_lat), 1)
    return distance, distance > far_metres()


def check_client_key(client_key: str | None) -> None:
    if client_key and len(client_key) > 100:
        raise DomainError.one(
            _("The client key is longer than %(n)d characters.") % {"n": 100}, field="client_key"
        )


def task_gone() -> DomainError:
    return DomainError.one(
        _("This task has changed meanwhile; reload the page."), code="conflict", status=409
    )
