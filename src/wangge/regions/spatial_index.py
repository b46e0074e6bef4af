"""Point → area chain, answered in memory from a shapely STRtree over prepared polygons.

Every live area with a geometry is indexed, all levels together. A point's area is the
deepest one whose polygon covers it (border included); ties on a shared border go to the
lowest code, so the same point always lands in the same area. The chain is that area and its
ancestors in the tree. Each process keeps one index and rebuilds it when the tree's version
stamp in the database moves (checked at most every WANGGE_INDEX_CHECK_SECONDS).
"""

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry.base import BaseGeometry

from wangge.regions import geometry


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class Location:
    chain: list[AreaRef]  # deepest first; empty when outside
    nearest: AreaRef | None = None  # only when outside
    distance_m: float | None = None

    @property
    def outside(self) -> bool:
        return not self.chain


@dataclass(frozen=True)
class IndexRecord:
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    geometry: BaseGeometry | None


_BULK_CHUNK = 200_000


class AreaIndex:
    def __init__(self, records: Sequence[IndexRecord], version: int = 0) -> None:
        self.version = version
        self.refs = [AreaRef(r.id, r.code, r.name, r.level) for r in records]
        row_of_id = {r.id: row for row, r in enumerate(records)}
        self.parent_row = np.array(
            [row_of_id.get(r.parent_id, -1) if r.parent_id else -1 for r in records],
            dtype=np.int64,
        )
        # Lower rank wins: deeper level first, then lower code.
        order = sorted(range(len(records)), key=lambda i: (-records[i].level, records[i].code))
        self.rank = np.empty(len(records), dtype=np.int64)
        self.rank[order] = np.arange(len(records))
        geo_rows = [row for row, r in enumerate(records) if r.geometry is not None]
        self.geo_rows = np.array(geo_rows, dtype=np.int64)
        self.geoms = np.array([records[row].geometry for row in geo_rows], dtype=object)
        shapely.prepare(self.geoms)
        self.geo_rank = self.rank[self.geo_rows] if geo_rows else np.empty(0, dtype=np.int64)
        self.tree = shapely.STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.refs)

    # -- single points --------------------------------------------------------------------
    def locate_row(self, lon: float, lat: float) -> int:
        """Row of the deepest area covering the point, or -1."""
        candidates = self.tree.query(shapely.Point(lon, lat))
        if not len(candidates):
            return -1
        hits = candidates[shapely.intersects_xy(self.geoms[candidates], lon, lat)]
        if not len(hits):
            return -1
        return int(self.geo_rows[hits[np.argmin(self.geo_rank[hits])]])

    def chain(self, row: int) -> list[AreaRef]:
        result = []
        while row >= 0:
            result.append(self.refs[row])
            row = int(self.parent_row[row])
        return result

    def locate(self, lon: float, lat: float) -> Location:
        row = self.locate_row(lon, lat)
        if row >= 0:
            return Location(self.chain(row))
        return self._outside(lon, lat)

    def _outside(self, lon: float, lat: float) -> Location:
        if not len(self.geoms):
            return Location([])
        # Nearest in degrees is close enough to pick the area; the distance is then metric.
        nearest = self.tree.query_nearest(shapely.Point(lon, lat), all_matches=True)
        best = nearest[np.argmin(self.geo_rank[nearest])]
        distance = geometry.distance_m(self.geoms[best], lon, lat)
        return Location([], nearest=self.refs[int(self.geo_rows[best])], distance_m=distance)

    # -- many points ----------------------------------------------------------------------
    def locate_rows(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Rows of the deepest covering area for each point (-1 where outside), vectorized."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        result = np.full(len(lons), -1, dtype=np.int64)
        for start in range(0, len(lons), _BULK_CHUNK):
            xs, ys = lons[start : start + _BULK_CHUNK], lats[start : start + _BULK_CHUNK]
            point_idx, geo_idx = self.tree.query(shapely.points(xs, ys))
            inside = shapely.intersects_xy(self.geoms[geo_idx], xs[point_idx], ys[point_idx])
            point_idx, geo_idx = point_idx[inside], geo_idx[inside]
            if not len(point_idx):
                continue
            # For each point keep its best-ranked hit: sort by (point, rank), take the first.
            order = np.lexsort((self.geo_rank[geo_idx], point_idx))
            point_idx, geo_idx = point_idx[order], geo_idx[order]
            first = np.concatenate(([True], point_idx[1:] != point_idx[:-1]))
            result[start + point_idx[first]] = self.geo_rows[geo_idx[first]]
        return result

    def locate_many(self, lons: Iterable[float], lats: Iterable[float]) -> list[Location]:
        lon_arr = np.fromiter(lons, dtype=float)
        lat_arr = np.fromiter(lats, dtype=float)
        rows = self.locate_rows(lon_arr, lat_arr)
        return [
            Location(self.chain(int(row))) if row >= 0 else self._outside(x, y)
            for row, x, y in zip(rows, lon_arr, lat_arr, strict=True)
        ]


# -- the process's index ----------------------------------------------------------------
_lock = threading.Lock()
_index: AreaIndex | None = None
_checked_at = 0.0


def tree_version() -> int:
    from wangge.regions.models import AreaTreeVersion

    row = AreaTreeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return int(row or 0)


def build_from_database() -> AreaIndex:
    from wangge.regions.models import Area

    version = tree_version()
    rows = list(
        Area.objects.live().values_list("id", "code", "name", "level", "parent_id", "geometry")
    )
    texts = np.array([g or None for *_, g in rows], dtype=object)
    geoms = shapely.from_geojson(texts)
    records = [
        IndexRecord(i, code, name, level, parent, geom)
        for (i, code, name, level, parent, _), geom in zip(rows, geoms, strict=True)
    ]
    return AreaIndex(records, version)


def get_index() -> AreaIndex:
    """This process's index, rebuilt when another transaction changed the tree."""
    global _index, _checked_at
    now = time.monotonic()
    index = _index
    if index is not None and now - _checked_at < settings.WANGGE_INDEX_CHECK_SECONDS:
        return index
    with _lock:
        if _index is None or tree_version() != _index.version:
            _index = build_from_database()
        _checked_at = time.monotonic()
        return _index


def invalidate() -> None:
    """Forget this process's index (called after a commit that changed the tree)."""
    global _index
    with _lock:
        _index = None
