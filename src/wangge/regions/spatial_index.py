"""Point → area chain, answered in memory from a shapely STRtree over prepared polygons.

Every live area with a geometry is indexed, all levels together. A point's area is the
deepest one whose polygon covers it (border included); ties on a shared border go to the
lowest code, so the same point always lands in the same area. The chain is that area and its
ancestors in the tree. Each process keeps one index and rebuilds it when the tree's version
stamp in the database moves (checked at most every WANGGE_INDEX_CHECK_SECONDS).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry.base import BaseGeometry

from wangge.process_cache import ProcessCache
from wangge.regions import geometry


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: int


@dataclass(slots=True)  # not frozen: a frozen init costs more than the lookup itself
class Location:
    chain: tuple[AreaRef, ...]  # deepest first; empty when outside
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
# Single calls go through a grid of cells over the deepest level, about this many per area.
_CELLS_PER_AREA = 4
_MAX_CELLS = 1_000_000


class _CellGrid:
    """A uniform grid of cells over polygons given in rank order; each cell lists (in rank
    order) the polygons whose bounding box touches it. A single lookup is then a few float
    comparisons and one or two prepared point-in-polygon tests, with no shapely object made
    per call (making a Point costs more than the whole lookup)."""

    def __init__(self, geoms: np.ndarray) -> None:
        self.size = 0
        self.geoms = geoms
        if not len(geoms):
            return
        bounds = shapely.bounds(geoms)
        self.bounds: list[list[float]] = bounds.tolist()
        x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
        width, height = bounds[:, 2].max() - x0, bounds[:, 3].max() - y0
        mw = max(float(np.median(bounds[:, 2] - bounds[:, 0])), 1e-9)
        mh = max(float(np.median(bounds[:, 3] - bounds[:, 1])), 1e-9)
        target = min(_MAX_CELLS, _CELLS_PER_AREA * len(geoms))
        k = max(math.sqrt(target * mw * mh / max(width * height, 1e-18)), 1e-3)
        self.cw, self.ch = mw / k, mh / k
        self.x0, self.y0 = float(x0), float(y0)
        self.nx = int(width / self.cw) + 1
        self.ny = int(height / self.ch) + 1
        self.size = self.nx * self.ny
        # Candidates per cell as CSR arrays (start offsets + items), built vectorized.
        ix0 = ((bounds[:, 0] - x0) / self.cw).astype(np.int64)
        ix1 = ((bounds[:, 2] - x0) / self.cw).astype(np.int64)
        iy0 = ((bounds[:, 1] - y0) / self.ch).astype(np.int64)
        iy1 = ((bounds[:, 3] - y0) / self.ch).astype(np.int64)
        spans_x = ix1 - ix0 + 1
        per_geom = spans_x * (iy1 - iy0 + 1)
        geom_of = np.repeat(np.arange(len(geoms)), per_geom)
        offset = np.arange(per_geom.sum()) - np.repeat(np.cumsum(per_geom) - per_geom, per_geom)
        cell_of = (iy0[geom_of] + offset // spans_x[geom_of]) * self.nx + (
            ix0[geom_of] + offset % spans_x[geom_of]
        )
        order = np.lexsort((geom_of, cell_of))  # by cell, then rank
        self.items = geom_of[order].astype(np.int32)
        self.start = np.searchsorted(cell_of[order], np.arange(self.size + 1))

    def find(self, lon: float, lat: float) -> int:
        """Index of the first polygon (in rank order) covering the point, or -1."""
        if not self.size:
            return -1
        fx = (lon - self.x0) / self.cw
        fy = (lat - self.y0) / self.ch
        if not (0 <= fx < self.nx and 0 <= fy < self.ny):  # also refuses NaN
            return -1
        cell = int(fy) * self.nx + int(fx)
        bounds, geoms = self.bounds, self.geoms
        for g in self.items[self.start[cell] : self.start[cell + 1]].tolist():
            b = bounds[g]
            # A one-element slice: shapely's array path is ~3x cheaper than its scalar one.
            if (
                b[0] <= lon <= b[2]
                and b[1] <= lat <= b[3]
                and shapely.intersects_xy(geoms[g : g + 1], lon, lat)[0]
            ):
                return int(g)
        return -1


class AreaIndex:
    """Geometries are kept in rank order — deepest level first, then lowest code — so the
    first area found covering a point is the answer. Each level is one contiguous slice with
    an STRtree of its own, queried deepest first; the levels above are only asked about
    points that fall in a gap of the level below."""

    def __init__(self, records: Sequence[IndexRecord], version: int = 0) -> None:
        self.version = version
        self.refs = [AreaRef(r.id, r.code, r.name, r.level) for r in records]
        row_of_id = {r.id: row for row, r in enumerate(records)}
        # A plain list: chain() walks it one step at a time, where numpy scalars are slow.
        self.parent_row: list[int] = [
            row_of_id.get(r.parent_id, -1) if r.parent_id else -1 for r in records
        ]
        self._chains: dict[int, tuple[AreaRef, ...]] = {}
        ranked = sorted(
            (row for row, r in enumerate(records) if r.geometry is not None),
            key=lambda row: (-records[row].level, records[row].code),
        )
        self.geo_rows = np.array(ranked, dtype=np.int64)
        self.geoms = np.array([records[row].geometry for row in ranked], dtype=object)
        shapely.prepare(self.geoms)
        self.levels: list[tuple[int, shapely.STRtree]] = []  # (first index, tree)
        start = 0
        while start < len(ranked):
            level = records[ranked[start]].level
            end = start
            while end < len(ranked) and records[ranked[end]].level == level:
                end += 1
            self.levels.append((start, shapely.STRtree(self.geoms[start:end])))
            start = end
        deepest_end = self.levels[1][0] if len(self.levels) > 1 else len(ranked)
        self._cells = _CellGrid(self.geoms[:deepest_end])

    def __len__(self) -> int:
        return len(self.refs)

    # -- single points --------------------------------------------------------------------
    def locate_row(self, lon: float, lat: float) -> int:
        """Row of the deepest area covering the point (border included), or -1."""
        found = self._cells.find(lon, lat)
        if found < 0 and len(self.levels) > 1:  # a gap in the deepest level: ask those above
            point = shapely.Point(lon, lat)
            for start, tree in self.levels[1:]:
                hits = tree.query(point, predicate="intersects")
                if len(hits):
                    found = start + int(hits.min())
                    break
        return int(self.geo_rows[found]) if found >= 0 else -1

    def chain(self, row: int) -> tuple[AreaRef, ...]:
        """The area of `row` and its ancestors, deepest first (built once per row)."""
        cached = self._chains.get(row)
        if cached is None:
            parent = self.parent_row[row]
            cached = (self.refs[row], *(self.chain(parent) if parent >= 0 else ()))
            self._chains[row] = cached
        return cached

    def locate(self, lon: float, lat: float) -> Location:
        row = self.locate_row(lon, lat)
        if row >= 0:
            return Location(self.chain(row))
        return self._outside(lon, lat)

    def _outside(self, lon: float, lat: float) -> Location:
        if not self.levels:
            return Location(())
        point = shapely.Point(lon, lat)
        # Nearest in degrees is close enough to pick the area; the distance is then metric.
        # Ties go to the deeper level (asked first), then the lower code.
        best, best_distance = -1, math.inf
        for start, tree in self.levels:
            found, distances = tree.query_nearest(point, all_matches=True, return_distance=True)
            if len(found) and distances.min() < best_distance:
                best_distance = float(distances.min())
                best = start + int(found[distances == distances.min()].min())
        distance = geometry.distance_m(self.geoms[best], lon, lat)
        return Location((), nearest=self.refs[int(self.geo_rows[best])], distance_m=distance)

    # -- many points ----------------------------------------------------------------------
    def locate_rows(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Rows of the deepest covering area for each point (-1 where outside), vectorized:
        each level's tree is asked only about the points no deeper level covered."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        result = np.full(len(lons), -1, dtype=np.int64)
        for chunk in range(0, len(lons), _BULK_CHUNK):
            todo = np.arange(chunk, min(chunk + _BULK_CHUNK, len(lons)))
            for start, tree in self.levels:
                if not len(todo):
                    break
                point_idx, geo_idx = tree.query(
                    shapely.points(lons[todo], lats[todo]), predicate="intersects"
                )
                if not len(point_idx):
                    continue
                # A point on a shared border hits several: keep the lowest code (lowest index).
                order = np.lexsort((geo_idx, point_idx))
                point_idx, geo_idx = point_idx[order], geo_idx[order]
                first = np.concatenate(([True], point_idx[1:] != point_idx[:-1]))
                result[todo[point_idx[first]]] = self.geo_rows[start + geo_idx[first]]
                todo = todo[result[todo] < 0]
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


# Rebuilt when another transaction moved the tree's version stamp (checked at most every
# WANGGE_INDEX_CHECK_SECONDS); this process's own changes forget it on commit.
_index: ProcessCache[AreaIndex] = ProcessCache(
    build_from_database,
    seconds=lambda: settings.WANGGE_INDEX_CHECK_SECONDS,
    version=tree_version,
)


def get_index() -> AreaIndex:
    """This process's index, rebuilt when another transaction changed the tree."""
    return _index.get()


def invalidate() -> None:
    """Forget this process's index (called after a commit that changed the tree)."""
    _index.forget()
