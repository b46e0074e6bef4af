"""Placing a source's point: checked, converted to WGS-84, with the deepest area it lies in."""

import math
from typing import TYPE_CHECKING, Any, get_args

from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from wangge.errors import DomainError

if TYPE_CHECKING:
    from wangge.regions.models import Area


def place(
    lon: Any, lat: Any, crs: str = "wgs84", field: str = "lon", item: str = ""
) -> tuple[float, float, "Area"]:
    """A point (in `crs`: wgs84, gcj02 or bd09) as WGS-84, checked for range and
    jurisdiction, with the deepest area it lies in."""
    from wangge.regions import coords
    from wangge.regions.models import Area
    from wangge.regions.spatial_index import get_index

    if crs not in get_args(coords.CRS):
        raise _problem(_("Unknown coordinate system %(c)s.") % {"c": crs}, "crs", "invalid", item)
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):
        raise _problem(_("Coordinates must be numbers."), field, "invalid", item) from None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise _problem(
            _("Coordinates out of range (longitude -180…180, latitude -90…90)."),
            field,
            "out_of_range",
            item,
        )
    x, y = coords.to_wgs84(x, y, crs)
    found = get_index().locate(x, y)
    if found.outside:
        raise _problem(_("The location is outside the jurisdiction."), field, "outside", item)
    ref = found.chain[0]
    # The area as the index knows it, not read again: what an event needs of it is its id
    # (and an order its code). The other fields load on first use, as deferred fields do.
    area: Area = Area.from_db(
        DEFAULT_DB_ALIAS, ["id", "code", "name", "level"], [ref.id, ref.code, ref.name, ref.level]
    )
    return x, y, area


def _problem(message: str, field: str, code: str, item: str) -> DomainError:
    error = DomainError.one(message, field=field, code=code, status=422)
    error.problems[0].item = item
    return error
