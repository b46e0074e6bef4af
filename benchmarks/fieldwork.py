"""Benchmark of fieldwork on PostgreSQL: generating a month's household visit tasks (三必访)
for a whole district, and the coverage of a campaign by grid.

Creates a throw-away PostgreSQL database, migrates it, builds the synthetic county of the
locate benchmark (1 district, 10 streets, 100 communities, 1,000 grids, micro-grids of
~60 households), one liaison per micro-grid and one full-time worker per grid, then N
households (default 400,000) with one resident each and special-group tags on a share of
them — all with COPY. Then times `visit_schedule.generate` for the first day of a month (every task
new), again (nothing new: reconcile only), after a share of the tags change (tasks follow),
and for the next month; then the district's visit figures; then a campaign over every
household: opening it and its coverage by grid. The database is dropped at the end.

    .venv/bin/python benchmarks/fieldwork.py [--households N] [--save-baseline]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from common import DEFAULT_SERVER, Metric, bench_database, report, setup_django
from locate import make_county
from psycopg.types.json import Jsonb

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "fieldwork.json"
HOUSEHOLDS_PER_MICRO = 60
CHUNK = 50_000
MONTH = date(2026, 5, 1)
# Share of households whose resident carries each group (the 三必访 special schedules).
TAG_SHARES = {
    "living_alone": 0.03,
    "disabled": 0.03,
    "subsistence": 0.02,
    "hardship": 0.02,
    "unemployed": 0.02,
    "key_assistance": 0.01,
}
FLOATING_SHARE = 0.06


@dataclass
class World:
    """What the benchmark built; handed to the campaign coverage measurement."""

    households: int
    district: Any  # Area
    grids: list[Any] = field(default_factory=list)
    micro_ids: list[int] = field(default_factory=list)
    operator: Any = None  # a centre operator at the district


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def build_areas(n_micro: int, say: Any) -> dict[int, int]:
    """The locate benchmark's county as Area rows (level by level, COPY); record id → db id."""
    from django.db import transaction

    from wangge.people.bulkcopy import insert_rows
    from wangge.regions.models import Area

    county = make_county(n_micro, seed=7)
    say(f"  county: {len(county.records):,} areas, {len(county.micro):,} micro-grids")
    ids: dict[int, int] = {}
    paths: dict[int, str] = {}
    by_level: dict[int, list[Any]] = {}
    for rec in county.records:
        by_level.setdefault(rec.level, []).append(rec)
    today = date(2024, 1, 1)
    with transaction.atomic():
        for level in sorted(by_level):
            recs = by_level[level]
            geoms = shapely.to_geojson(np.array([r.geometry for r in recs], dtype=object))
            cents = shapely.centroid(np.array([r.geometry for r in recs], dtype=object))
            rows = []
            for rec, geo, cent in zip(recs, geoms, cents, strict=True):
                parent_path = paths[rec.parent_id] if rec.parent_id else "/"
                path = f"{parent_path}{rec.code}/"
                paths[rec.id] = path
                minx, miny, maxx, maxy = rec.geometry.bounds
                rows.append(
                    {
                        "code": rec.code,
                        "name": rec.name,
                        "level": level,
                        "parent_id": ids[rec.parent_id] if rec.parent_id else None,
                        "path": path,
                        "source_code": "",
                        "geometry": str(geo),
                        "centroid_lon": cent.x,
                        "centroid_lat": cent.y,
                        "min_lon": minx,
                        "min_lat": miny,
                        "max_lon": maxx,
                        "max_lat": maxy,
                        "area_m2": None,
                        "valid_from": today,
                        "valid_to": None,
                    }
                )
            for rec, new_id in zip(recs, insert_rows(Area, rows), strict=True):
                ids[rec.id] = new_id
    return ids


def build_staff(world: World, say: Any) -> None:
    from django.contrib.auth import get_user_model

    from wangge.accounts.models import Post, Role
    from wangge.regions.models import Area

    user_model = get_user_model()
    plan: list[tuple[str, int, str]] = [("bench-operator", world.district.pk, Role.OPERATOR)]
    plan += [(f"bench-worker-{g.code}", g.pk, Role.FULL_TIME) for g in world.grids]
    micro = Area.objects.filter(pk__in=world.micro_ids).values_list("pk", "code")
    plan += [(f"bench-liaison-{code}", pk, Role.LIAISON) for pk, code in micro]
    users = user_model.objects.bulk_create(
        [user_model(username=name, password="!") for name, _a, _r in plan], batch_size=2000
    )
    Post.objects.bulk_create(
        [
            Post(user=u, area_id=area_id, role=role, started_on=date(2024, 1, 1))
            for u, (_n, area_id, role) in zip(users, plan, strict=True)
        ],
        batch_size=2000,
    )
    world.operator = users[0]
    say(f"  staff: {len(users):,} users with posts")


def build_people(world: World, rng: random.Random, say: Any) -> dict[str, int]:
    """Houses, households, one resident each, and group tags — COPY in chunks."""
    from django.db import transaction

    from wangge.people.bulkcopy import insert_rows
    from wangge.people.models import House, Household, Resident, ResidentTag, TagKind
    from wangge.regions.models import Area

    micro = list(
        Area.objects.filter(pk__in=world.micro_ids).values_list(
            "pk", "min_lon", "min_lat", "max_lon", "max_lat"
        )
    )
    kinds = dict(TagKind.objects.values_list("code", "pk"))
    tally = {code: 0 for code in TAG_SHARES} | {"floating": 0}
    n = world.households
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        with transaction.atomic():
            places = []
            for i in range(start, start + count):
                area_id, x0, y0, x1, y1 = micro[i % len(micro)]
                lon = x0 + (x1 - x0) * (0.3 + 0.4 * rng.random())
                lat = y0 + (y1 - y0) * (0.3 + 0.4 * rng.random())
                places.append((area_id, lon, lat, f"{i:07d}号"))
            house_ids = insert_rows(
                House,
                [
                    {"code": f"H{start + k:07d}", "area_id": a, "lon": x, "lat": y,
                     "address": addr, "unit": "1", "number": str(k % 100)}
                    for k, (a, x, y, addr) in enumerate(places)
                ],
            )  # fmt: skip
            household_ids = insert_rows(
                Household,
                [
                    {"code": f"HH{start + k:07d}", "house_id": h, "area_id": a, "lon": x,
                     "lat": y, "address": addr}
                    for k, (h, (a, x, y, addr)) in enumerate(zip(house_ids, places, strict=True))
                ],
            )  # fmt: skip
            residents = []
            for k, (hh, (a, _x, _y, _addr)) in enumerate(zip(household_ids, places, strict=True)):
                floating = rng.random() < FLOATING_SHARE
                tally["floating"] += floating
                residents.append(
                    {
                        "name": "住户",
                        "id_number_enc": "bench",
                        "id_number_index": f"bench{start + k}",
                        "id_number_masked": "330103********0000",
                        "residence_type": "floating" if floating else "registered",
                        "household_id": hh,
                        "relation": "head",
                        "area_id": a,
                        "status": "living",
                    }
                )
            resident_ids = insert_rows(Resident, residents)
            tags = []
            for rid in resident_ids:
                for code, share in TAG_SHARES.items():
                    if rng.random() < share:
                        tally[code] += 1
                        tags.append(
                            {"resident_id": rid, "kind_id": kinds[code],
                             "valid_from": date(2020, 1, 1), "data": Jsonb({})}
                        )  # fmt: skip
            insert_rows(ResidentTag, tags)
        say(f"  households: {start + count:,} / {n:,}")
    return tally


def campaign_coverage(world: World, say: Any) -> list[Metric]:
    """A campaign over every household of the district: open it, mark a share done, time
    coverage by grid (benchmarks/fieldwork_coverage.py, also runnable on its own)."""
    import fieldwork_coverage

    say("campaign coverage …")
    return list(fieldwork_coverage.measure())


def slow_statements(say: Any, on: bool) -> Any:
    """With --trace, print each statement of the timed run slower than 0.1 s."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - start
            if on and seconds > 0.1:
                say(f"    {seconds:6.2f} s  {' '.join(sql.split())[:150]}")

    return wrapper


def run(args: argparse.Namespace, url: str, say: Any) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-fieldwork-"))
    setup_django(url, data_dir)
    from django.core.management import call_command
    from django.db import connection

    from wangge.fieldwork.models import VisitTask
    from wangge.fieldwork.visits import figures as visit_figures
    from wangge.fieldwork.visits import schedule as visit_schedule
    from wangge.people.models import ResidentTag
    from wangge.regions.models import Area

    say("migrating …")
    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(11)
    n_micro = max(1000, round(args.households / HOUSEHOLDS_PER_MICRO / 1000) * 1000)
    say(f"building the county ({n_micro:,} micro-grids) …")
    ids = build_areas(n_micro, say)
    district = Area.objects.get(pk=min(ids.values()))
    world = World(
        households=args.households,
        district=district,
        grids=list(Area.objects.filter(level=4).defer("geometry").order_by("code")),
        micro_ids=list(Area.objects.filter(level=5).values_list("pk", flat=True)),
    )
    build_staff(world, say)
    say(f"building {args.households:,} households …")
    (tally, build_s) = timed(build_people, world, rng, say)
    say(f"  built in {build_s:.1f} s; groups: {tally}")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    say(f"generating the visit tasks of {MONTH:%Y-%m} …")
    if args.trace:  # plans of slow statements, sent to us as notices
        connection.ensure_connection()
        connection.connection.add_notice_handler(lambda d: say(d.message_primary or ""))
        with connection.cursor() as cur:
            cur.execute("LOAD 'auto_explain'")
            cur.execute("SET auto_explain.log_min_duration = 500")
            cur.execute("SET auto_explain.log_analyze = on")
            cur.execute("SET client_min_messages = log")
    with connection.execute_wrapper(slow_statements(say, args.trace)):
        first, first_s = timed(visit_schedule.generate, on=MONTH)
    say(f"  {first.as_dict()} in {first_s:.1f} s")
    assert first.created == args.households == first.planned, first
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    again, again_s = timed(visit_schedule.generate, on=MONTH)
    assert (again.created, again.reassigned, again.dropped) == (0, 0, 0), again
    say(f"  again (nothing new) in {again_s:.1f} s")

    # 1% of the living-alone tags end (those households fall back to the quarterly or
    # yearly schedule); the tasks follow on the next run.
    ended = list(
        ResidentTag.objects.filter(kind__code="living_alone").values_list("pk", flat=True)
    )[: max(1, tally["living_alone"] // 100)]
    ResidentTag.objects.filter(pk__in=ended).update(valid_to=date(2026, 4, 1))
    changed, changed_s = timed(visit_schedule.generate, on=MONTH)
    say(f"  after {len(ended)} tags ended: {changed.as_dict()} in {changed_s:.1f} s")
    assert changed.dropped == len(ended) and changed.created == len(ended), changed

    nxt, next_s = timed(visit_schedule.generate, on=date(MONTH.year, MONTH.month + 1, 1))
    say(f"  next month: {nxt.as_dict()} in {next_s:.1f} s")
    total_tasks = VisitTask.objects.count()

    start, end = visit_figures.month_bounds(MONTH)
    _fig, fig_s = timed(visit_figures.figures, world.operator, start=start, end=end, area_code="")
    say(f"  district figures in {fig_s * 1000:.0f} ms")

    metrics = [
        Metric("households", args.households, "rows"),
        Metric("build households+residents+tags (COPY)", args.households / build_s, "hh/s"),
        Metric("generate a month's visit tasks (all new)", first_s, "s", ("<", 60.0)),
        Metric("  tasks created", first.created, "tasks"),
        Metric("generate again (nothing new)", again_s, "s"),
        Metric("generate after 1% of living-alone tags ended", changed_s, "s"),
        Metric("generate the next month", next_s, "s", note=f"{nxt.created:,} new"),
        Metric("visit tasks in all", total_tasks, "tasks"),
        Metric("visit figures of the district (by street, by worker)", fig_s * 1000, "ms"),
    ]
    metrics += campaign_coverage(world, say)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=400_000)
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--trace", action="store_true", help="print slow statements")
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(text, flush=True)

    with bench_database(args.server) as url:
        metrics = run(args, url, say)
    report("fieldwork", metrics, args.save_baseline, households=args.households)
    return 0


if __name__ == "__main__":
    sys.exit(main())
