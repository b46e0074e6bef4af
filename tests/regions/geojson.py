"""GeoJSON boundaries for the area import tests."""

from typing import Any

from tests.factories import ORIGIN
from wangge.regions.models import AreaTreeVersion


def rect(x: float, y: float, w: float, h: float) -> dict[str, Any]:
    lon, lat = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: str, name: str, geom: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": geom,
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def version() -> int:
    row = AreaTreeVersion.objects.first()
    return row.version if row else 0
