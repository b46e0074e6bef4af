"""Geometry helpers: GeoJSON in and out, repair, and metric measures on WGS-84 shapes.

Areas and distances are measured on a local equirectangular projection around the shape:
for a county-sized extent the error is far below what the source polygons are drawn to.
"""

import json
import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from wangge.regions.coords import EARTH_RADIUS_M

_M_PER_DEG = math.pi / 180 * EARTH_RADIUS_M


class GeometryError(ValueError):
    """A geometry that cannot be used as an area (wrong type, empty, unreadable)."""


def parse_polygonal(geojson: Any) -> MultiPolygon:
    """A GeoJSON Polygon/MultiPolygon (dict or text) as a MultiPolygon; raises GeometryError."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as exc:
            raise GeometryError(f"not valid JSON: {exc}") from exc
    if not isinstance(geojson, dict) or "type" not in geojson:
        raise GeometryError("missing geometry")
    if geojson["type"] not in ("Polygon", "MultiPolygon"):
        raise GeometryError(f"geometry type {geojson['type']} is not a Polygon or MultiPolygon")
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise GeometryError(f"unreadable coordinates: {exc}") from exc
    if geom.is_empty:
        raise GeometryError("empty geometry")
    return as_multipolygon(geom)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Only the polygonal parts of geom, as one MultiPolygon (possibly empty)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        sub = as_multipolygon(part)
        parts.extend(sub.geoms)
    return MultiPolygon(parts)


def repair(geom: MultiPolygon) -> tuple[MultiPolygon, str]:
    """A valid version of geom and the validity reason ('' when it was valid already)."""
    if geom.is_valid:
        return geom, ""
    reason = shapely.is_valid_reason(geom)
    return as_multipolygon(shapely.make_valid(geom)), reason


def union(geoms: list[MultiPolygon]) -> MultiPolygon:
    return as_multipolygon(shapely.union_all(geoms))


def to_geojson(geom: BaseGeometry) -> str:
    return str(shapely.to_geojson(geom))


def from_geojson(text: str) -> MultiPolygon:
    return as_multipolygon(shapely.from_geojson(text))


def _metric(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def project(coords: np.ndarray) -> np.ndarray:
        scaled: np.ndarray = coords * np.array([kx, _M_PER_DEG])
        return scaled

    return shapely.transform(geom, project)


def area_m2(geom: BaseGeometry) -> float:
    if geom.is_empty:
        return 0.0
    return float(_metric(geom, geom.centroid.y).area)


def distance_m(geom: BaseGeometry, lon: float, lat: float) -> float:
    """Distance in metres from a point to geom (0 when inside)."""
    point = shapely.Point(lon, lat)
    return float(_metric(geom, lat).distance(_metric(point, lat)))
