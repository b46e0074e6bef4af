"""Benchmark of the assessment on PostgreSQL: a month's run of every scheme for every target,
and a district's monthly bulletin.

Builds the stats benchmark's world (`--micro` micro-grids, N events over the last year with
their timelines and lead orders, all with COPY; facts and rollups by a full rebuild), plus
`--workers` grid workers posted at micro-grids. Schemes: one per area level (street,
community, grid, micro-grid), one for the departments and one for the grid workers, each with
every indicator of its target type and two capped adjustments. Then times:

* `services.run_all(last month)`: every scheme's run for every target (target < 60 s);
* `bulletins.generate` of the district's monthly bulletin (target < 10 s).

    .venv/bin/python benchmarks/assessment.py [--events N] [--micro M] [--workers W]
    .venv/bin/python benchmarks/assessment.py --full [--database NAME]

`--full` is the stats benchmark's full size (10 M events over 36 months, 100,000
micro-grids, 200,000 workers): the facts, rollups, the month's events and lead orders and
the workers are generated directly in PostgreSQL with set-based SQL (`assessment_full`),
since the runs and bulletins read those, not the events' history.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from common import Metric, report
from fieldwork import build_areas, timed
from stats import build_events
from workflow import DEFAULT_SERVER, bench_database, setup_django


def profiled(fn: Any, name: str) -> Any:
    """`fn`, under cProfile when ASSESS_PROFILE names it (its top 25 printed)."""
    if os.environ.get("ASSESS_PROFILE") != name:
        return fn

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        try:
            return prof.runcall(fn, *args, **kwargs)
        finally:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)

    return wrapper


def build_workers(n: int, say: Any) -> None:
    from django.contrib.auth import get_user_model

    from wangge.accounts.models import Post, Role
    from wangge.regions.models import Area

    User = get_user_model()
    micro = list(Area.objects.filter(level=5).order_by("pk").values_list("pk", flat=True))
    for start in range(0, n, 10_000):
        users = User.objects.bulk_create(
            [User(username=f"w{i:07d}", password="!") for i in range(start, min(n, start + 10_000))]
        )
        Post.objects.bulk_create(
            [
                Post(
                    user=u,
                    area_id=micro[i % len(micro)],
                    role=Role.LIAISON,
                    started_on=date(2020, 1, 1),
                )
                for i, u in enumerate(users, start=start)
            ]
        )
    say(f"  {n:,} workers")


def build_schemes() -> None:
    from decimal import Decimal

    from wangge.stats.assessment.models import Adjustment, Indicator, Scheme, SchemeItem

    first = date(2000, 1, 1)
    plans: list[tuple[str, str, int | None]] = [
        ("street", "area", 2),
        ("community", "area", 3),
        ("grid", "area", 4),
        ("micro", "area", 5),
        ("department", "department", None),
        ("worker", "worker", None),
    ]
    for code, target, level in plans:
        s = Scheme.objects.create(
            code=code, name=code, target_type=target, level=level, valid_from=first
        )
        kind = "area" if target == "area" else target
        indicators = [i for i in Indicator.objects.all() if kind in i.targets]
        for ind in indicators:
            SchemeItem.objects.create(
                scheme=s,
                indicator=ind,
                weight=Decimal(100) / len(indicators),
                floor=0 if ind.higher_is_better else 100,
                target=100 if ind.higher_is_better else 0,
            )
        if target != "worker":
            Adjustment.objects.create(
                scheme=s, name="超期", flags=["overdue_ever"], points=-1, cap=-20
            )
            Adjustment.objects.create(scheme=s, name="返工", flags=["reworked"], points=-2, cap=-10)


def run(args: argparse.Namespace, url: str, say: Any) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-assess-"))
    setup_django(url, data_dir)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wangge.regions.models import Area
    from wangge.stats import fill
    from wangge.stats.assessment import bulletins, services
    from wangge.stats.assessment.models import Result

    say("migrating …")  # a reused database gets the migrations added since (indexes)
    call_command("migrate", interactive=False, verbosity=0)
    if args.full and args.reuse:
        with connection.cursor() as cur:
            cur.execute("ANALYZE stats_eventfact")
        return run_full(args, say)
    if args.full:
        return run_full(args, say)
    rng = random.Random(16)
    say(f"building the county ({args.micro:,} micro-grids) …")
    build_areas(args.micro, say)
    now = timezone.now()
    say(f"building {args.events:,} events …")
    timed(build_events, args.events, rng, now, say)
    say(f"building {args.workers:,} workers …")
    build_workers(args.workers, say)
    say("full rebuild of the facts …")
    _r, rebuild_s = timed(fill.rebuild)
    say(f"  {rebuild_s:.1f} s")
    build_schemes()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    period = services.last_closed("month", timezone.localdate())
    say(f"monthly run of every scheme ({period}) …")
    runs, run_s = timed(profiled(services.run_all, "run"), period)
    results = Result.objects.filter(run__in=runs).count()
    say(f"  {run_s:.1f} s: {len(runs)} runs, {results:,} results")
    district = Area.objects.get(level=1)
    first, last = services.period_bounds(period)
    say("the district's monthly bulletin …")
    _b, bulletin_s = timed(bulletins.generate, "monthly", period, first, last, district, now)
    say(f"  {bulletin_s:.2f} s")
    return [
        Metric("monthly run, every scheme", run_s, "s", ("<", 60), note=f"{results:,} results"),
        Metric("district monthly bulletin", bulletin_s, "s", ("<", 10)),
    ]


def time_runs(period: str, say: Any, only: list[str] | None = None) -> tuple[list[Any], float]:
    """`services.run_all` of the period, scheme by scheme (each one's time said)."""
    import time

    from wangge.stats.assessment import services
    from wangge.stats.assessment.models import Scheme

    first, _last = services.period_bounds(period)
    codes = (
        Scheme.objects.filter(valid_from__lte=first)
        .order_by("code")
        .values_list("code", flat=True)
        .distinct()
    )
    runs, total = [], 0.0
    for code in codes:
        if only and code not in only:
            continue
        start = time.perf_counter()
        run = profiled(services.run_period, f"run:{code}")(code, period)
        took = time.perf_counter() - start
        total += took
        say(f"  {code}: {took:.1f} s, {run.results.count():,} targets")
        runs.append(run)
    return runs, total


def run_full(args: argparse.Namespace, say: Any) -> list[Metric]:
    from assessment_full import build
    from django.utils import timezone

    from wangge.regions.models import Area
    from wangge.stats.assessment import bulletins, services
    from wangge.stats.assessment.models import Result

    now = timezone.now()
    period = services.last_closed("month", timezone.localdate())
    bounds = services.period_bounds(period)
    if args.reuse:
        from wangge.stats.assessment.models import Bulletin, Run

        Run.objects.all().delete()  # time the runs and the bulletin anew
        Bulletin.objects.all().delete()
    else:
        _r, build_s = timed(
            build,
            args.events,
            args.micro,
            args.workers,
            args.months,
            now,
            bounds,
            say,
            timed,
        )
        say(f"built in {build_s:.0f} s")
        build_schemes()
    say(f"monthly run of every scheme ({period}) …")
    runs, run_s = time_runs(period, say, args.schemes)
    results = Result.objects.filter(run__in=runs).count()
    say(f"  {run_s:.1f} s: {len(runs)} runs, {results:,} results")
    district = Area.objects.get(level=1)
    say("the district's monthly bulletin …")
    first, last = bounds
    _b, bulletin_s = timed(
        profiled(bulletins.generate, "bulletin"), "monthly", period, first, last, district, now
    )
    say(f"  {bulletin_s:.2f} s")
    return [
        Metric("monthly run, every scheme", run_s, "s", ("<", 60), note=f"{results:,} results"),
        Metric("district monthly bulletin", bulletin_s, "s", ("<", 10)),
    ]


@contextlib.contextmanager
def full_database(args: argparse.Namespace) -> Iterator[str]:
    """The named bench database: made anew (or, with --reuse, the one a --keep run left),
    dropped at the end unless --keep."""
    import psycopg

    name = args.database
    if not args.reuse:
        with psycopg.connect(args.server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    base, _sep, _db = args.server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--micro", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--save-baseline", action="store_true")
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full size, generated in SQL (10 M events, 100,000 micro-grids, 200,000"
        " workers unless told otherwise)",
    )
    parser.add_argument("--months", type=int, default=36, help="--full: months of events")
    parser.add_argument("--database", default=None, help="the bench database's name")
    parser.add_argument("--keep", action="store_true", help="--database: keep it at the end")
    parser.add_argument("--reuse", action="store_true", help="--database: time a kept one")
    parser.add_argument(
        "--schemes", nargs="*", default=None, help="--full: time only these schemes (codes)"
    )
    args = parser.parse_args(argv)
    if args.full:
        for name, full in (("events", 10_000_000), ("micro", 100_000), ("workers", 200_000)):
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, full)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(text, flush=True)

    with full_database(args) if args.database else bench_database(args.server) as url:
        metrics = run(args, url, say)
    report(
        "assessment",
        metrics,
        args.save_baseline,
        events=args.events,
        micro=args.micro,
        workers=args.workers,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
