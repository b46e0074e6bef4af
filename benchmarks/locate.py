"""Benchmark of point → area lookup (wangge.regions.spatial_index.AreaIndex).

Builds a synthetic county of micro-grids in memory (no Django settings, no database), then
times the index's build, its memory, bulk and single lookups, against two references: a bare
shapely STRtree over the micro-grids (the floor) and a naive scan of prepared polygons.

    .venv/bin/python benchmarks/locate.py [--areas N] [--points M] [--save-baseline]

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from common import Metric, cpu_busy_s, metrics_doc, print_table, save_run

from wangge.regions.spatial_index import AreaIndex, IndexRecord, Location

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "locate.json"

CENTER = (120.1, 30.2)  # lon, lat: a county around Hangzhou
EXTENT_M = 40_000.0  # side of the square county
M_PER_DEG_LAT = 111_195.0
LEVEL_NAMES = ("区", "街道", "社区", "网格", "微网格")
# Tiles (columns, rows) each level splits its parent into, top-down: 10 × 10 × 10 children,
# alternating the long side so that tiles stay roughly square.
UPPER_SPLITS = ((2, 5), (5, 2), (2, 5))  # district→streets, street→communities, →grids

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# -- measuring ------------------------------------------------------------------------------
_PAGE = os.sysconf("SC_PAGE_SIZE")
try:
    _libc: ctypes.CDLL | None = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: RSS figures then include freed-but-kept heap
    _libc = None


def rss_mb() -> float:
    """Resident set size now, after handing freed heap back to the OS so deltas are honest."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def calibrate() -> float:
    """Best time of a fixed pure-Python workload: compares machines and shows a busy one."""
    return best_of(5, lambda: sum(i * i for i in range(100_000)))[0] * 1000


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Fastest wall time of `repeat` runs (the least disturbed one) and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


# -- the synthetic county -------------------------------------------------------------------
@dataclass
class County:
    records: list[IndexRecord]
    micro: npt.NDArray[np.object_]  # micro-grid geometries
    micro_rows: IntArray  # their rows in records
    bounds: tuple[float, float, float, float]  # nominal extent, before jitter
    vertices_mean: float


def micro_layout(areas: int) -> tuple[int, int]:
    """Micro-grids per grid as (columns, rows): areas/1000 of them, cells as square as can be."""
    per_grid = max(1, round(areas / 1000))
    cols_up = math.prod(c for c, _ in UPPER_SPLITS)
    rows_up = math.prod(r for _, r in UPPER_SPLITS)
    best: tuple[float, int, int] = (math.inf, per_grid, 1)
    for mx in range(1, per_grid + 1):
        if per_grid % mx == 0:
            my = per_grid // mx
            # Cell aspect (width / height) on the square county; 0 when square.
            skew = abs(math.log((rows_up * my) / (cols_up * mx)))
            best = min(best, (skew, mx, my))
    return best[1], best[2]


def _edge_points(
    rng: np.random.Generator, a: FloatArray, b: FloatArray, bulge: float, axis: int
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """1–4 shared points along each lattice edge a→b, bulging sideways, tapering to the ends.

    Neighbouring cells take the very same points, so the cells tile the county exactly
    (coverage union then works, and no point falls in a gap or an overlap).
    """
    shape = a.shape[:2]
    count = rng.integers(1, 5, shape)
    mask = np.arange(4) < count[..., None]
    t = np.sort(np.where(mask, rng.uniform(0.1, 0.9, (*shape, 4)), np.inf), axis=-1)
    t = np.where(mask, t, 0.5)
    pts = a[..., None, :] + t[..., None] * (b - a)[..., None, :]
    pts[..., axis] += rng.uniform(-bulge, bulge, (*shape, 4)) * np.sin(np.pi * t)
    return pts, mask


def _as_multi(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    # Areas come out of the database as MultiPolygons; index the same type.
    flat = geoms.ravel()
    return shapely.multipolygons(flat, indices=np.arange(len(flat))).reshape(geoms.shape)


def make_county(areas: int, seed: int) -> County:
    """A 5-level tree over a jittered lattice: micro-grids are 8–20-vertex quadrilaterals,
    every upper area is the union of its children."""
    rng = np.random.default_rng(seed)
    mx, my = micro_layout(areas)
    nx = mx * math.prod(c for c, _ in UPPER_SPLITS)
    ny = my * math.prod(r for _, r in UPPER_SPLITS)
    width = EXTENT_M / (M_PER_DEG_LAT * math.cos(math.radians(CENTER[1])))
    height = EXTENT_M / M_PER_DEG_LAT
    x0, y0 = CENTER[0] - width / 2, CENTER[1] - height / 2
    w, h = width / nx, height / ny

    corners = np.empty((nx + 1, ny + 1, 2))
    corners[..., 0] = x0 + np.arange(nx + 1)[:, None] * w
    corners[..., 1] = y0 + np.arange(ny + 1)[None, :] * h
    corners[..., 0] += rng.uniform(-0.2, 0.2, (nx + 1, ny + 1)) * w
    corners[..., 1] += rng.uniform(-0.2, 0.2, (nx + 1, ny + 1)) * h
    horiz, horiz_ok = _edge_points(rng, corners[:-1, :], corners[1:, :], 0.08 * h, axis=1)
    vert, vert_ok = _edge_points(rng, corners[:, :-1], corners[:, 1:], 0.08 * w, axis=0)

    # Ring of cell (i, j), counter-clockwise: bottom, right, top (reversed), left (reversed).
    ones = np.ones((nx, ny, 1), dtype=bool)
    ring = np.concatenate(
        [
            corners[:-1, :-1, None], horiz[:, :-1],
            corners[1:, :-1, None], vert[1:, :],
            corners[1:, 1:, None], horiz[:, 1:, ::-1],
            corners[:-1, 1:, None], vert[:-1, :, ::-1],
        ],
        axis=2,
    )  # fmt: skip
    ring_ok = np.concatenate(
        [ones, horiz_ok[:, :-1], ones, vert_ok[1:], ones, horiz_ok[:, 1:, ::-1], ones,
         vert_ok[:-1, :, ::-1]],
        axis=2,
    )  # fmt: skip
    counts = ring_ok.sum(axis=2).ravel()
    rings = shapely.linearrings(ring[ring_ok], indices=np.repeat(np.arange(nx * ny), counts))
    micro = _as_multi(shapely.polygons(rings)).reshape(nx, ny)
    if not shapely.is_valid(micro).all():
        raise RuntimeError("generator made an invalid micro-grid; lower the jitter")

    # Levels bottom-up, each a (columns, rows) array of geometries; unions of tiles of children.
    splits = [*UPPER_SPLITS, (mx, my)]
    levels = [micro]
    for fx, fy in reversed(splits):
        below = levels[0]
        a, b = below.shape
        tiles = below.reshape(a // fx, fx, b // fy, fy).transpose(0, 2, 1, 3)
        merged = shapely.coverage_union_all(tiles.reshape(a // fx, b // fy, fx * fy), axis=2)
        levels.insert(0, _as_multi(merged))

    # Records top-down, like an import; codes append 3 digits per level to the parent's code.
    records: list[IndexRecord] = []
    parents: dict[tuple[int, int], tuple[int, str]] = {(0, 0): (0, "")}  # cell → (id, code)
    for depth, geoms in enumerate(levels):
        fx, fy = splits[depth - 1] if depth else (1, 1)
        here: dict[tuple[int, int], tuple[int, str]] = {}
        for i in range(geoms.shape[0]):
            for j in range(geoms.shape[1]):
                parent_id, parent_code = parents[(i // fx, j // fy)]
                code = parent_code + f"{(i % fx) * fy + j % fy + 1:03d}" if depth else "330106"
                area_id = len(records) + 1
                records.append(
                    IndexRecord(
                        area_id,
                        code,
                        f"{LEVEL_NAMES[depth]}{code[-3:]}",
                        depth + 1,
                        parent_id or None,
                        geoms[i, j],
                    )
                )
                here[(i, j)] = (area_id, code)
        parents = here
    micro_rows = np.arange(len(records) - nx * ny, len(records), dtype=np.int64)
    return County(
        records,
        micro.ravel(),
        micro_rows,
        (x0, y0, x0 + width, y0 + height),
        float(counts.mean()),
    )


def make_points(
    count: int, bounds: tuple[float, float, float, float], outside: float, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Uniform points over the county, and a share `outside` in a 0.5–5 km band around it."""
    rng = np.random.default_rng(seed + 1)
    x0, y0, x1, y1 = bounds
    lons = rng.uniform(x0, x1, count)
    lats = rng.uniform(y0, y1, count)
    out = rng.random(count) < outside
    n_out = int(out.sum())
    margin = 5_000 / M_PER_DEG_LAT
    near = 500 / M_PER_DEG_LAT
    # Rejection-free: pick a side, then a position along it and a distance away from it.
    side = rng.integers(0, 4, n_out)
    along = rng.random(n_out)
    away = rng.uniform(near, margin, n_out)
    ox = np.select([side == 0, side == 1], [x0 - away, x1 + away], x0 + along * (x1 - x0))
    oy = np.select([side == 2, side == 3], [y0 - away, y1 + away], y0 + along * (y1 - y0))
    lons[out], lats[out] = ox, oy
    return lons, lats


def percentiles_us(ns: list[int]) -> tuple[float, float]:
    arr = np.asarray(ns, dtype=np.float64) / 1000
    return float(np.median(arr)), float(np.percentile(arr, 95))


def chain_ok(index: AreaIndex, loc: Location, bulk_row: int) -> bool:
    """The chain starts at the bulk answer and climbs one level at a time to the district."""
    if bulk_row < 0:
        return loc.outside and loc.nearest is not None
    levels = [a.level for a in loc.chain]
    return loc.chain[0] == index.refs[bulk_row] and levels == [5, 4, 3, 2, 1]


def run(args: argparse.Namespace) -> list[Metric]:
    out: list[Metric] = []

    def say(text: str) -> None:
        if not args.quiet:
            print(text, flush=True)

    out.append(Metric("calibration: pure-Python loop", calibrate(), "ms", note="CPU speed/load"))
    rss_start = rss_mb()
    start = time.perf_counter()
    county = make_county(args.areas, args.seed)
    gen_s = time.perf_counter() - start
    n_micro = len(county.micro)
    say(
        f"county: {len(county.records):,} areas ({n_micro:,} micro-grids, "
        f"{county.vertices_mean:.1f} vertices each on average) in {gen_s:.1f} s"
    )
    out.append(Metric("generate county", gen_s, "s", ("<", 60.0)))
    rss_geoms = rss_mb()

    # Build: RSS measured with tracemalloc off (it would add its own bookkeeping).
    start = time.perf_counter()
    index = AreaIndex(county.records, version=1)
    build_s = time.perf_counter() - start
    rss_index = rss_mb()
    # GEOS builds a prepared polygon's point-in-area index on its first test: touch every
    # area once, so the memory figure is the one of a process that has served a while.
    probes = shapely.point_on_surface(index.geoms)
    start = time.perf_counter()
    index.locate_rows(shapely.get_x(probes), shapely.get_y(probes))
    warm_s = time.perf_counter() - start
    del probes
    rss_warm = rss_mb()
    out += [
        Metric("index build", build_s, "s", ("<", 10.0)),
        Metric("index warm-up, 1 point per area", warm_s, "s"),
        Metric("RSS geometries + records", rss_geoms - rss_start, "MB"),
        Metric("RSS build delta, cold", rss_index - rss_geoms, "MB", note="prepared+tree+arrays"),
        Metric("RSS build delta, warm", rss_warm - rss_geoms, "MB", note="+ GEOS lazy indexes"),
        Metric("RSS index incl. geometries", rss_warm - rss_start, "MB", ("<", 500.0)),
    ]
    if not args.no_tracemalloc:
        # A second build under tracemalloc shows how much of the delta is Python objects; the
        # rest is GEOS (prepared polygons, tree), which tracemalloc does not see.
        tracemalloc.start()
        AreaIndex(county.records, version=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.append(Metric("tracemalloc peak of a build", peak / 2**20, "MB", note="Python only"))
        rss_mb()

    lons, lats = make_points(args.points, county.bounds, args.outside, args.seed)
    say(f"points: {len(lons):,} ({args.outside:.0%} aimed outside); timing…")

    # (a) bulk, after a small warm-up so first-call costs (imports, caches) are not counted.
    index.locate_rows(lons[:1000], lats[:1000])
    bulk_s, rows = best_of(args.repeat, lambda: index.locate_rows(lons, lats))
    out.append(Metric("bulk locate_rows", bulk_s, "s"))
    out.append(Metric("bulk per point", bulk_s / len(lons) * 1e6, "µs"))

    # (b) the floor: a bare STRtree over micro-grids only, from coordinate arrays too.
    start = time.perf_counter()
    bare = shapely.STRtree(county.micro)
    bare_build_s = time.perf_counter() - start
    bare.query(shapely.points(lons[:1000], lats[:1000]), predicate="intersects")
    bare_s, (pt_idx, geo_idx) = best_of(
        args.repeat,
        lambda: bare.query(shapely.points(lons, lats), predicate="intersects"),
    )
    out += [
        Metric("bare STRtree build (micro only)", bare_build_s, "s"),
        Metric("bare STRtree query", bare_s, "s", note="floor"),
        Metric("bulk / bare STRtree", bulk_s / bare_s, "×", ("<=", 2.0)),
    ]

    # (c) naive: every prepared micro-grid tested for each point, on a subsample.
    shapely.prepare(county.micro)
    sample = min(args.naive_sample, len(lons))
    start = time.perf_counter()
    for x, y in zip(lons[:sample].tolist(), lats[:sample].tolist(), strict=True):
        np.flatnonzero(shapely.intersects_xy(county.micro, x, y))
    naive_pp = (time.perf_counter() - start) / sample
    out += [
        Metric("naive scan per point", naive_pp * 1e6, "µs", note=f"{sample:,} pts"),
        Metric("naive scan, extrapolated", naive_pp * len(lons), "s", note="per-point × all"),
    ]

    # (d) single calls, each timed on its own, with Python floats as a view would pass.
    n_single = min(args.single, len(lons))
    xs, ys = lons[:n_single].tolist(), lats[:n_single].tolist()
    inside = (rows[:n_single] >= 0).tolist()
    rows_iter = iter(rows[:n_single].tolist())
    clock = time.perf_counter_ns
    for x, y in zip(xs[:1000], ys[:1000], strict=True):  # warm-up
        index.locate(x, y)
    # Two separate passes, so neither call finds the other's work still hot in the caches.
    locate_ns: list[int] = []
    outside_ns: list[int] = []
    chains_ok = 0
    for x, y, ins in zip(xs, ys, inside, strict=True):
        t0 = clock()
        loc = index.locate(x, y)
        (locate_ns if ins else outside_ns).append(clock() - t0)
        chains_ok += chain_ok(index, loc, next(rows_iter))
    row_ns: list[int] = []
    singles: list[int] = []
    for x, y in zip(xs, ys, strict=True):
        t0 = clock()
        row = index.locate_row(x, y)
        row_ns.append(clock() - t0)
        singles.append(row)
    med, p95 = percentiles_us(locate_ns + outside_ns)
    in_med, _ = percentiles_us(locate_ns)
    row_med, row_p95 = percentiles_us(row_ns)
    out += [
        Metric("locate median", med, "µs", ("<", 25.0), note=f"{n_single:,} calls"),
        Metric("locate p95", p95, "µs"),
        Metric("locate median, inside only", in_med, "µs"),
        Metric("locate_row median", row_med, "µs"),
        Metric("locate_row p95", row_p95, "µs"),
    ]
    if outside_ns:
        out.append(Metric("locate median, outside only", percentiles_us(outside_ns)[0], "µs"))

    # Correctness. Single vs bulk on the single-call sample; bulk vs the bare tree on all
    # points that fall in exactly one micro-grid (interior points: no shared border).
    single_vs_bulk = int((np.asarray(singles) != rows[:n_single]).sum())
    hits = np.bincount(pt_idx, minlength=len(lons))
    one = hits == 1
    bare_micro = np.full(len(lons), -1, dtype=np.int64)
    bare_micro[pt_idx[one[pt_idx]]] = county.micro_rows[geo_idx[one[pt_idx]]]
    interior = one | (hits == 0)
    bulk_vs_bare = int((rows[interior] != bare_micro[interior]).sum())
    out += [
        Metric("points located", float((rows >= 0).mean() * 100), "%"),
        Metric("mismatch single vs bulk", single_vs_bulk, "pts", ("==", 0)),
        Metric("mismatch bulk vs bare", bulk_vs_bare, "pts", ("==", 0), note="interior"),
        Metric("bad chains", n_single - chains_ok, "pts", ("==", 0)),
    ]
    return out


def environment(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_end": os.getloadavg(),
        "args": vars(args),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=100_000, help="micro-grids (≈, ×1000)")
    parser.add_argument("--points", type=int, default=1_000_000, help="points for bulk timing")
    parser.add_argument("--single", type=int, default=100_000, help="points timed one by one")
    parser.add_argument("--naive-sample", type=int, default=1_000, help="points, naive scan")
    parser.add_argument("--outside", type=float, default=0.03, help="share of points outside")
    parser.add_argument("--repeat", type=int, default=3, help="bulk runs; the best is kept")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced build")
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    # Other work on the machine skews every timing: measure how much there was.
    load_start = os.getloadavg()
    busy0, own0, wall0 = cpu_busy_s(), time.process_time(), time.monotonic()
    metrics = run(args)
    others = (cpu_busy_s() - busy0 - (time.process_time() - own0)) / (time.monotonic() - wall0)
    metrics.insert(1, Metric("other processes' CPU use", max(others, 0.0), "CPUs", note="noise"))
    baseline = json.loads(BASELINE.read_text())["metrics"] if BASELINE.exists() else {}
    print()
    print_table(metrics, baseline)

    now = datetime.now(UTC)
    doc = {
        "timestamp": now.isoformat(timespec="seconds"),
        "environment": environment(args),
        "loadavg_start": load_start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "metrics": metrics_doc(metrics),
    }
    save_run("locate", doc, now, args.save_baseline)
    missed = [m for m in metrics if m.passed is False]
    if missed:
        print("missed targets: " + ", ".join(m.name for m in missed))
    # Wrong answers always fail the run; slow ones only with --strict (timings are noisy).
    wrong = any(m.unit == "pts" for m in missed)
    return 1 if wrong or (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
