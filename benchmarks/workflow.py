"""Benchmark of the event workflow (wangge.events.workflow) on PostgreSQL.

Creates a throw-away PostgreSQL database, migrates it, builds the test world (areas, staff,
departments), then runs full event life cycles report → accept → dispatch → sign → feedback
→ verify → close → callback through the workflow services, timing every transition. Side by
side, cycle by cycle, the floor: the same row writes done with bare psycopg (lock the event
row, update it, insert a timeline row, commit). Also counts the SQL queries of each action.
The database is dropped at the end, also on an error.

    .venv/bin/python benchmarks/workflow.py [--cycles N] [--profile] [--save-baseline]

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from common import (
    DEFAULT_SERVER,
    Metric,
    bench_database,
    cpu_busy_s,
    metrics_doc,
    print_table,
    save_run,
    setup_django,
)
from psycopg.types.json import Jsonb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = HERE / "baseline" / "workflow.json"
RESULTS = HERE / "results"
# The life cycle, in order: (action, status the event is in afterwards).
STEPS = (
    ("report", "reported"),
    ("accept", "accepted"),
    ("dispatch", "dispatched"),
    ("sign", "handling"),
    ("feedback", "handled"),
    ("verify", "verified"),
    ("close", "closed"),
    ("callback", "closed"),
)
ACTIONS = tuple(a for a, _ in STEPS)


# -- measuring ------------------------------------------------------------------------------
def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of another process, e.g. a PostgreSQL backend; None when
    the server runs elsewhere (or /proc hides it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def calibrate() -> float:
    """Best time of a fixed pure-Python workload: compares machines and shows a busy one."""
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        sum(i * i for i in range(100_000))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def quantiles_ms(ns: list[int]) -> tuple[float, float, float]:
    """Median, p95 and p99 of nanosecond timings, in ms."""
    arr = np.asarray(ns, dtype=np.float64) / 1e6
    med, p95, p99 = np.percentile(arr, [50, 95, 99])
    return float(med), float(p95), float(p99)


@dataclass
class Timings:
    """Timings of one path (service or floor): wall and own-CPU nanoseconds per action."""

    wall: dict[str, list[int]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    cpu: dict[str, list[int]] = field(default_factory=lambda: {a: [] for a in ACTIONS})

    def add(self, action: str, wall_ns: int, cpu_ns: int) -> None:
        self.wall[action].append(wall_ns)
        self.cpu[action].append(cpu_ns)

    def all_wall(self) -> list[int]:
        return [t for a in ACTIONS for t in self.wall[a]]

    def total_cpu_s(self) -> float:
        return sum(t for a in ACTIONS for t in self.cpu[a]) / 1e9


# -- the throw-away database and Django -----------------------------------------------------
def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return int(cur.fetchone()[0])


# -- the two paths --------------------------------------------------------------------------
def service_steps(world: Any, category: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    """(action, call taking the event so far and returning it) through the workflow."""
    from wangge.events import workflow as wf

    return [
        (
            "report",
            lambda e: wf.event_report(
                actor=world.worker, title="路边暴露垃圾", category=category, area=world.micro
            ),
        ),
        ("accept", lambda e: wf.event_accept(event=e, actor=world.operator)),
        ("dispatch", lambda e: wf.event_dispatch(event=e, actor=world.operator, lead=world.city)),
        ("sign", lambda e: wf.event_sign(event=e, actor=world.city_handler)),
        ("feedback", lambda e: wf.event_feedback(event=e, actor=world.city_handler, note="已清运")),
        ("verify", lambda e: wf.event_verify(event=e, actor=world.worker, passed=True)),
        ("close", lambda e: wf.event_close(event=e, actor=world.operator)),
        (
            "callback",
            lambda e: wf.event_callback(event=e, actor=world.operator, satisfaction="satisfied"),
        ),
    ]


def service_cycle(steps: list[tuple[str, Callable[[Any], Any]]], out: Timings | None) -> Any:
    wall, cpu = time.perf_counter_ns, time.process_time_ns
    event = None
    for action, call in steps:
        w0, c0 = wall(), cpu()
        event = call(event)
        if out is not None:
            out.add(action, wall() - w0, cpu() - c0)
    return event


FLOOR_LOCK = "SELECT status, version FROM events_event WHERE id = %s FOR UPDATE"
FLOOR_UPDATE = "UPDATE events_event SET status = %s, version = %s WHERE id = %s"
FLOOR_INSERT = (
    "INSERT INTO events_timelineentry"
    " (event_id, at, actor_id, action, from_status, to_status, comment, data, public)"
    " VALUES (%s, %s, %s, %s, %s, %s, '', %s, true)"
)


def floor_cycle(
    conn: psycopg.Connection, event_id: int, actor_id: int, out: Timings | None
) -> None:
    """The same row writes as the service path, bare: per transition one transaction of
    SELECT … FOR UPDATE, UPDATE (status, version), INSERT of a timeline row."""
    wall, cpu = time.perf_counter_ns, time.process_time_ns
    cur = conn.cursor()
    for action, to_status in STEPS:
        w0, c0 = wall(), cpu()
        cur.execute(FLOOR_LOCK, (event_id,))
        from_status, version = cur.fetchone()  # type: ignore[misc]
        cur.execute(FLOOR_UPDATE, (to_status, version + 1, event_id))
        cur.execute(
            FLOOR_INSERT,
            (
                event_id,
                datetime.now(UTC),
                actor_id,
                action,
                from_status,
                to_status,
                Jsonb({"floor": True}),
            ),
        )
        conn.commit()
        if out is not None:
            out.add(action, wall() - w0, cpu() - c0)


def count_queries(
    steps: list[tuple[str, Callable[[Any], Any]]],
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Queries each action sends in one life cycle, and their SQL (Django's
    CaptureQueriesContext; with psycopg 3 it logs BEGIN and COMMIT too: round trips all)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}
    sql: dict[str, list[str]] = {}
    event = None
    for action, call in steps:
        with CaptureQueriesContext(connection) as ctx:
            event = call(event)
        counts[action] = len(ctx.captured_queries)
        sql[action] = [q["sql"] for q in ctx.captured_queries]
    return counts, sql


# -- the benchmark --------------------------------------------------------------------------
@dataclass
class Outcome:
    metrics: list[Metric]
    others_cpus: float
    queries_sql: dict[str, list[str]]
    query_counts_first: dict[str, int]
    server: dict[str, str]


def run(args: argparse.Namespace, url: str, say: Callable[[str], None]) -> Outcome:
    out: list[Metric] = [
        Metric("calibration: pure-Python loop", calibrate(), "ms", note="CPU speed/load")
    ]
    start = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-"))
    try:
        setup_django(url, data_dir)
        from django.core.management import call_command
        from django.test.utils import override_settings

        call_command("migrate", interactive=False, verbosity=0)
        migrate_s = time.perf_counter() - start

        from tests.events.factories import make_world
        from wangge.events.models import Category, Event, TimelineEntry

        start = time.perf_counter()
        # The world's users need no real password hashing (≈0.3 s each otherwise).
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            world = make_world()
        world_s = time.perf_counter() - start
        out += [
            Metric("setup: create database + migrate", migrate_s, "s"),
            Metric("setup: build world", world_s, "s"),
        ]
        category = Category.objects.get(code=args.category)
        steps = service_steps(world, category)
        actor_id = world.operator.pk

        floor_conn = psycopg.connect(url)
        from django.db import connection

        server: dict[str, str] = {}
        with connection.cursor() as cur:
            for key in ("server_version", "synchronous_commit", "fsync", "shared_buffers"):
                cur.execute(f"SHOW {key}")
                server[key] = cur.fetchone()[0]
        try:
            # Query counts, on the warm-up cycles (the debug cursor they need would skew
            # timings): the first cycle is cold (caches filling), the last one steady.
            say(f"warm-up: {args.warmup} cycles, counting queries …")
            first, sql = count_queries(steps)
            counts = first
            for _ in range(max(args.warmup - 1, 0)):
                counts, sql = count_queries(steps)
                floor_cycle(floor_conn, Event.objects.latest("id").pk, actor_id, None)

            say(f"timing {args.cycles} life cycles ({args.cycles * len(STEPS)} transitions) …")
            service, floor = Timings(), Timings()
            pids = (backend_pid(), int(floor_conn.info.backend_pid))
            db0 = [process_cpu_s(p) for p in pids]
            busy0, own0, wall0 = cpu_busy_s(), time.process_time(), time.monotonic()
            event_ids: list[int] = []
            for n in range(args.cycles):
                event = service_cycle(steps, service)
                event_ids.append(event.pk)
                floor_cycle(floor_conn, event.pk, actor_id, floor)
                if (n + 1) % 100 == 0:
                    say(f"  {n + 1} cycles")
            busy = cpu_busy_s() - busy0
            own = time.process_time() - own0
            elapsed = time.monotonic() - wall0
            db1 = [process_cpu_s(p) for p in pids]
            db_cpu = [
                (b - a) if a is not None and b is not None else None
                for a, b in zip(db0, db1, strict=True)
            ]
            others = (busy - own - sum(c or 0.0 for c in db_cpu)) / elapsed
        finally:
            floor_conn.close()

        # Correctness: each timed event is closed, called back, with its 8 service entries.
        good = 0
        events = Event.objects.filter(pk__in=event_ids)
        entries: dict[int, list[str]] = {}
        for ev_id, action in (
            TimelineEntry.objects.filter(event_id__in=event_ids)
            .exclude(data__has_key="floor")
            .order_by("id")
            .values_list("event_id", "action")
        ):
            entries.setdefault(ev_id, []).append(action)
        for ev in events:
            good += (
                ev.status == "closed"
                and ev.satisfaction == "satisfied"
                and tuple(entries.get(ev.pk, ())) == ACTIONS
            )

        if args.profile:
            profile(steps, args, say)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    n_trans = args.cycles * len(STEPS)
    s_med, s_p95, s_p99 = quantiles_ms(service.all_wall())
    f_med, f_p95, f_p99 = quantiles_ms(floor.all_wall())
    s_total = sum(service.all_wall()) / 1e9
    f_total = sum(floor.all_wall()) / 1e9
    out += [
        Metric("service throughput, 1 client", n_trans / s_total, "/s", note="transitions"),
        Metric("service median", s_med, "ms", note=f"{n_trans:,} transitions"),
        Metric("service p95", s_p95, "ms"),
        Metric("service p99", s_p99, "ms", ("<", 20.0)),
        Metric("floor throughput, 1 client", n_trans / f_total, "/s", note="bare psycopg"),
        Metric("floor median", f_med, "ms"),
        Metric("floor p95", f_p95, "ms"),
        Metric("floor p99", f_p99, "ms"),
        Metric("service / floor median", s_med / f_med, "×", ("<=", 3.0)),
        Metric("service client CPU per transition", service.total_cpu_s() / n_trans * 1e3, "ms"),
        Metric("floor client CPU per transition", floor.total_cpu_s() / n_trans * 1e3, "ms"),
    ]
    if db_cpu[0] is not None and db_cpu[1] is not None:
        out += [
            Metric("service DB backend CPU per transition", db_cpu[0] / n_trans * 1e3, "ms"),
            Metric("floor DB backend CPU per transition", db_cpu[1] / n_trans * 1e3, "ms"),
        ]
    out.append(Metric("queries per life cycle", sum(counts.values()), "queries", note="steady"))
    for action in ACTIONS:
        med, _p95, p99 = quantiles_ms(service.wall[action])
        out += [
            Metric(f"{action} median", med, "ms"),
            Metric(f"{action} p99", p99, "ms", ("<", 20.0)),
            Metric(f"{action} queries", counts[action], "queries", note=f"cold {first[action]}"),
        ]
    out.append(Metric("bad life cycles", args.cycles - good, "events", ("==", 0)))
    return Outcome(out, max(others, 0.0), sql, first, server)


def profile(
    steps: list[tuple[str, Callable[[Any], Any]]], args: argparse.Namespace, say: Callable[..., Any]
) -> None:
    """cProfile over extra life cycles (not timed): the top functions by own and by
    cumulative time, and a .prof file for snakeviz / pstats. It counts this process's CPU
    time, not wall time: waits on the database (round trips, the server's work) and time the
    machine gave to other processes are left out; the table shows those."""
    say(f"profiling {args.profile_cycles} more life cycles …")
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for _ in range(args.profile_cycles):
        service_cycle(steps, None)
    prof.disable()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"workflow-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.prof"
    prof.dump_stats(path)
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        stats.print_stats(args.profile_top)
        lines = buf.getvalue().splitlines()
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        print(f"\n-- CPU profile, top {args.profile_top} by {key}, {args.profile_cycles} cycles --")
        print("\n".join(ln for ln in lines[start:] if ln.strip()))
    print(f"\nsaved {path.relative_to(ROOT)}")


def environment(args: argparse.Namespace, server: dict[str, str]) -> dict[str, Any]:
    import django

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "libpq": psycopg.pq.version(),
        "postgresql": server,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_end": os.getloadavg(),
        "args": vars(args),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=300, help="timed life cycles (8 steps)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed cycles, count queries")
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--category", default="0102", help="event category code")
    parser.add_argument("--show-queries", action="store_true", help="print each action's SQL")
    parser.add_argument("--profile", action="store_true", help="cProfile extra cycles")
    parser.add_argument("--profile-cycles", type=int, default=100)
    parser.add_argument("--profile-top", type=int, default=25, help="functions listed")
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if args.cycles < 1 or args.warmup < 1:
        parser.error("--cycles and --warmup must be at least 1")

    def say(text: str) -> None:
        if not args.quiet:
            print(text, flush=True)

    # A kill (SIGTERM) unwinds like an error, so the database is still dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_start = os.getloadavg()
    with bench_database(args.server) as url:
        say(f"database {url.rsplit('/', 1)[1]}: migrating, building the world …")
        result = run(args, url, say)
    metrics = result.metrics
    metrics.insert(1, Metric("other processes' CPU use", result.others_cpus, "CPUs", note="noise"))

    if args.show_queries:
        for action in ACTIONS:
            print(f"\n-- {action}: {len(result.queries_sql[action])} queries --")
            for q in result.queries_sql[action]:
                print("  " + (q if len(q) <= 160 else q[:157] + "..."))
    baseline = json.loads(BASELINE.read_text())["metrics"] if BASELINE.exists() else {}
    print()
    print_table(metrics, baseline)

    now = datetime.now(UTC)
    doc = {
        "timestamp": now.isoformat(timespec="seconds"),
        "environment": environment(args, result.server),
        "loadavg_start": load_start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "metrics": metrics_doc(metrics),
        "queries": {"cold_counts": result.query_counts_first, "steady_sql": result.queries_sql},
    }
    save_run("workflow", doc, now, args.save_baseline)
    missed = [m for m in metrics if m.passed is False]
    if missed:
        print("missed targets: " + ", ".join(m.name for m in missed))
    # Broken life cycles always fail the run; slow ones only with --strict (timings are noisy).
    wrong = any(m.unit == "events" for m in missed)
    return 1 if wrong or (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
