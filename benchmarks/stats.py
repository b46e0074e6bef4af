"""Benchmark of the figures on PostgreSQL: facts and rollups against GROUP BY on events.

Creates a throw-away PostgreSQL database, migrates it, builds the locate benchmark's county
(`--micro` micro-grids) and N events over the last year (default 200,000) with their
timeline entries and lead work orders — by `INSERT … SELECT generate_series` inside
PostgreSQL (`--build sql`, the default: 10 M events in about 15 min on 2 cores), or row by
row in Python with COPY (`--build python`, the builder assessment.py imports; ~10× slower).
Then times, side by side:

* a full rebuild of facts and rollups (`fill.rebuild`);
* each /api/stats/… call and the /dashboard/ page through Django's test client (p95), as a
  centre operator at the district, for this year;
* the same headline figures straight from the event table (`events.figures`, GROUP BY) — the
  ratio is how much the rollups save;
* the fill while transitions run at up to `--rate` per second in other threads: each fill's
  time and the lag (how old the oldest change not yet in the figures was when it finished);
* that the incrementally filled tables equal a rebuild at the same moment.

    .venv/bin/python benchmarks/stats.py [--events N] [--micro M] [--load-seconds S]

The full target size is `--events 10000000 --micro 100000 --database NAME --keep
--pages-only`; then `--database NAME --keep --no-compare` times the fill under load on it
(the comparison would run a second full rebuild).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from common import DEFAULT_SERVER, Metric, bench_database, report, setup_django
from fieldwork import build_areas, timed
from psycopg.types.json import Jsonb

CHUNK = 50_000
DEPARTMENTS = 20


def profiled(fn: Any, name: str) -> Any:
    """`fn`, under cProfile when STATS_PROFILE names it (its top 25 printed)."""
    if os.environ.get("STATS_PROFILE") != name:
        return fn

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import cProfile
        import pstats

        from django.db import connection

        def slow(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                took = time.perf_counter() - start
                if took > 0.2:
                    print(f"  {took:.2f} s: {sql[:300]}")

        profile = cProfile.Profile()
        with connection.execute_wrapper(slow):
            value = profile.runcall(fn, *args, **kwargs)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        return value

    return wrapper


@contextlib.contextmanager
def named_database(server: str, name: str, keep: bool) -> Iterator[tuple[str, bool]]:
    """The database `name` on the server: (URL, whether it already held a built run). Made
    when missing; dropped on the way out unless `keep` (then a later run with the same name
    reuses the data, e.g. to time the pages before and after a change on the same events)."""
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(server)
    url = "postgresql://{user}@{host}:{port}/{name}".format(
        user=info.get("user", "postgres"),
        host=info.get("host", "127.0.0.1"),
        port=info.get("port", 5432),
        name=name,
    )
    built = False
    if exists:
        with psycopg.connect(url) as conn:
            built = bool(
                conn.execute("SELECT 1 FROM pg_tables WHERE tablename = 'stats_rollup'").fetchone()
            ) and bool(conn.execute("SELECT 1 FROM stats_rollup LIMIT 1").fetchone())
    try:
        yield url, built
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def profile_request(client: Any, path: str) -> None:
    """One call of `path` with its statements (time, SQL) and its Python profile."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings: list[tuple[float, str]] = []

    def clock(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, sql))

    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(clock):
        start = time.perf_counter()
        profile.runcall(client.get, path)
        total = time.perf_counter() - start
    sql_s = sum(t for t, _s in timings)
    print(
        f"\n== {path}: {total * 1000:.0f} ms, {len(queries)} statements, {sql_s * 1000:.0f} ms SQL"
    )
    for took, sql in sorted(timings, key=lambda x: -x[0])[:12]:
        print(f"  {took * 1000:7.1f} ms  {sql[:400]}")
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def build_events(n: int, rng: random.Random, now: datetime, say: Any) -> int:
    """N events over the last 365 days: mostly closed, the last days' still open; their
    report/accept/dispatch/close entries and lead orders. Returns the open reported ones."""
    from django.db import transaction

    from wangge.events.models import (
        BuiltinChannel,
        Category,
        Department,
        Event,
        TimelineEntry,
        WorkOrder,
    )
    from wangge.people.bulkcopy import insert_rows
    from wangge.regions.models import Area

    micro = list(Area.objects.filter(level=5).values_list("pk", "parent_id", "min_lon", "min_lat"))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    channels = [c.value for c in BuiltinChannel]
    departments = [
        Department.objects.create(code=f"d{i:02d}", name=f"部门{i:02d}").pk
        for i in range(DEPARTMENTS)
    ]
    reported_open = 0
    day = timedelta(days=1)
    for start in range(0, n, CHUNK):
        events, plans = [], []
        for i in range(start, min(n, start + CHUNK)):
            area, parent, lon, lat = rng.choice(micro)
            at = now - timedelta(seconds=rng.uniform(3600, 365 * 86400))
            age = (now - at).days
            row: dict[str, Any] = {
                "code": f"B{i:09d}",
                "title": "bench",
                "category_id": rng.choice(categories),
                "channel": rng.choice(channels),
                "lon": lon,
                "lat": lat,
                "area_id": area,
                "responsible_area_id": parent if rng.random() < 0.1 else area,
                "reported_at": at,
            }
            roll = rng.random()
            if age > 3 and roll < 0.95:
                row.update(
                    status="closed",
                    accepted_at=at + timedelta(hours=1),
                    handled_at=at + 2 * day,
                    closed_at=at + 3 * day,
                    handle_deadline=at + 5 * day,
                    overdue_ever=rng.random() < 0.05,
                    rework_count=int(rng.random() < 0.03),
                    satisfaction=rng.choice(
                        ["satisfied", "satisfied", "basically", "unsatisfied", ""]
                    ),
                )
                plan = ("report", "accept", "dispatch", "close")
            elif age > 3 and roll < 0.97:
                row.update(status="rejected", closed_at=at + day)
                plan = ("report",)
            else:
                status = rng.choice(["reported", "accepted", "handling"])
                deadline = now + timedelta(hours=rng.uniform(-48, 120))
                row.update(status=status, deadline=deadline, yellow_at=deadline - day)
                if status != "reported":
                    row["accepted_at"] = at + timedelta(hours=1)
                reported_open += status == "reported"
                plan = {"reported": ("report",), "accepted": ("report", "accept")}.get(
                    status, ("report", "accept", "dispatch")
                )
            events.append(row)
            plans.append(plan)
        with transaction.atomic():
            ids = insert_rows(Event, events)
            entries, orders = [], []
            for pk, row, plan in zip(ids, events, plans, strict=True):
                at = row["reported_at"]
                for k, action in enumerate(plan):
                    data = {"deadline": (at + day).isoformat()} if action == "report" else {}
                    entries.append(
                        {
                            "event_id": pk,
                            # Never in the future: the fill holds back entries younger
                            # than its lag, so a future one would stall it until then.
                            "at": min(at + timedelta(hours=k), now - timedelta(minutes=5)),
                            "action": action,
                            "to_status": row["status"],
                            "data": Jsonb(data),
                        }
                    )
                if "dispatch" in plan:
                    orders.append(
                        {
                            "event_id": pk,
                            "department_id": rng.choice(departments),
                            "dispatched_at": at + timedelta(hours=2),
                            "status": "fed_back",
                        }
                    )
            insert_rows(TimelineEntry, entries)
            insert_rows(WorkOrder, orders)
        say(f"  {min(n, start + CHUNK):,} events")
    return reported_open


SQL_CHUNK = 1_000_000


def _secondary_indexes(cur: Any, table: str) -> list[tuple[str, str]]:
    """(name, definition) of `table`'s indexes that back no constraint (primary key, unique)."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
        " JOIN pg_class c ON c.relname = i.indexname"
        " WHERE i.tablename = %s AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
        [table],
    )
    return list(cur.fetchall())


def build_events_sql(n: int, now: datetime, say: Any, seed: float = 0.15) -> int:
    """`build_events`'s world made inside PostgreSQL: `INSERT … SELECT generate_series` with
    random(), SQL_CHUNK events (with their entries and orders) per statement, the secondary
    indexes dropped while writing and made again after, foreign-key triggers off (the rows
    are consistent by construction). Same plan and proportions; returns the open reported."""
    from django.db import connection

    from wangge.events.models import BuiltinChannel, Department

    departments = [
        Department.objects.create(code=f"d{i:02d}", name=f"部门{i:02d}").pk
        for i in range(DEPARTMENTS)
    ]
    channels = [c.value for c in BuiltinChannel]
    tables = ("events_event", "events_timelineentry", "events_workorder")
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM events_event")
        base = cur.fetchone()[0]
        cur.execute(
            "CREATE TEMP TABLE bench_micro AS SELECT row_number() OVER (ORDER BY id) - 1 AS k,"
            " id, parent_id, min_lon, min_lat FROM regions_area WHERE level = 5"
        )
        cur.execute("CREATE UNIQUE INDEX ON bench_micro (k)")
        cur.execute(
            "CREATE TEMP TABLE bench_cat AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id"
            " FROM events_category WHERE parent_id IS NOT NULL"
        )
        cur.execute("CREATE UNIQUE INDEX ON bench_cat (k)")
        cur.execute("ANALYZE bench_micro")
        cur.execute("ANALYZE bench_cat")
        cur.execute("SELECT (SELECT count(*) FROM bench_micro), (SELECT count(*) FROM bench_cat)")
        n_micro, n_cat = cur.fetchone()
        dropped = [(t, d) for t in tables for d in _secondary_indexes(cur, t)]
        for _t, (name, _def) in dropped:
            cur.execute(f'DROP INDEX "{name}"')
        # FK triggers off for this session: 50 M rows checked one by one otherwise
        cur.execute("SET session_replication_role = replica")
        cur.execute("SELECT setseed(%s)", [seed])
        params = {
            "now": now,
            "channels": channels,
            "departments": departments,
            "base": base,
            "n_micro": n_micro,
            "n_cat": n_cat,
        }
        for lo in range(0, n, SQL_CHUNK):
            hi = min(n, lo + SQL_CHUNK)
            chunk = {**params, "lo": lo, "hi": hi - 1}
            started = time.perf_counter()
            # one event per i; the draws u0… decide place, time, status and the rest
            cur.execute(
                """
                INSERT INTO events_event (id, code, title, description, priority, channel,
                  reporter_name, lon, lat, address, status, self_handled, deadline, yellow_at,
                  alert, handle_deadline, supervised, rework_count, reopen_count, satisfaction,
                  version, reported_at, accepted_at, handled_at, closed_at, overdue_ever,
                  updated_at, area_id, category_id, responsible_area_id, source_ref,
                  category_unconfirmed, closed_at_source, reporter_phone_enc,
                  reporter_phone_index, reporter_phone_masked)
                SELECT %(base)s + q.i + 1, 'B' || lpad(q.i::text, 9, '0'), 'bench', '',
                  'normal', q.channel, '', m.min_lon, m.min_lat, '', q.st, FALSE,
                  q.deadline, q.deadline - interval '1 day', '',
                  CASE WHEN q.st = 'closed' THEN q.at + interval '5 days' END, FALSE,
                  CASE WHEN q.st = 'closed' AND q.u3 < 0.03 THEN 1 ELSE 0 END, 0,
                  CASE WHEN q.st = 'closed' THEN (ARRAY['satisfied', 'satisfied', 'basically',
                    'unsatisfied', ''])[1 + floor(q.u4 * 5)::int] ELSE '' END,
                  1, q.at,
                  CASE WHEN q.st IN ('closed', 'accepted', 'handling')
                    THEN q.at + interval '1 hour' END,
                  CASE WHEN q.st = 'closed' THEN q.at + interval '2 days' END,
                  CASE WHEN q.st = 'closed' THEN q.at + interval '3 days'
                       WHEN q.st = 'rejected' THEN q.at + interval '1 day' END,
                  q.st = 'closed' AND q.u2 < 0.05, %(now)s, m.id, c.id,
                  CASE WHEN q.u5 < 0.1 THEN m.parent_id ELSE m.id END, '', FALSE, FALSE,
                  '', '', ''
                FROM (
                  SELECT p.*,
                    CASE WHEN p.st IN ('reported', 'accepted', 'handling') THEN %(now)s
                      + (p.u2 * 168 - 48) * interval '1 hour' END AS deadline
                  FROM (
                    SELECT r.*,
                      CASE WHEN r.at <= %(now)s - interval '4 days' AND r.u1 < 0.95
                          THEN 'closed'
                        WHEN r.at <= %(now)s - interval '4 days' AND r.u1 < 0.97
                          THEN 'rejected'
                        ELSE (ARRAY['reported', 'accepted', 'handling'])
                          [1 + floor(r.u2 * 3)::int] END AS st
                    FROM (
                      SELECT i,
                        %(now)s - (3600 + random() * (365 * 86400 - 3600))
                          * interval '1 second' AS at,
                        floor(random() * %(n_micro)s)::int AS mk,
                        floor(random() * %(n_cat)s)::int AS ck,
                        (%(channels)s::text[])[1 + floor(random()
                          * cardinality(%(channels)s::text[]))::int] AS channel,
                        random() AS u1, random() AS u2, random() AS u3, random() AS u4,
                        random() AS u5
                      FROM generate_series(%(lo)s, %(hi)s) i
                    ) r
                  ) p
                ) q
                JOIN bench_micro m ON m.k = q.mk
                JOIN bench_cat c ON c.k = q.ck
                ORDER BY q.i
                """,
                chunk,
            )
            # report / accept / dispatch / close an hour apart, never in the future: the fill
            # holds back entries younger than its lag, so a future one would stall it
            cur.execute(
                """
                INSERT INTO events_timelineentry (at, action, from_status, to_status, comment,
                  data, public, event_id)
                SELECT LEAST(e.reported_at + (a.k - 1) * interval '1 hour',
                    %(now)s - interval '5 minutes'),
                  a.action, '', e.status, '',
                  CASE WHEN a.action = 'report' THEN
                    jsonb_build_object('deadline', e.reported_at + interval '1 day')
                  ELSE '{}'::jsonb END,
                  TRUE, e.id
                FROM events_event e
                CROSS JOIN LATERAL unnest(CASE e.status
                  WHEN 'closed' THEN ARRAY['report', 'accept', 'dispatch', 'close']
                  WHEN 'accepted' THEN ARRAY['report', 'accept']
                  WHEN 'handling' THEN ARRAY['report', 'accept', 'dispatch']
                  ELSE ARRAY['report'] END) WITH ORDINALITY a(action, k)
                WHERE e.id BETWEEN %(base)s + %(lo)s + 1 AND %(base)s + %(hi)s + 1
                ORDER BY e.id, a.k
                """,
                chunk,
            )
            entries = cur.rowcount
            cur.execute(
                """
                INSERT INTO events_workorder (role, status, dispatched_at, alert, feedback,
                  return_reason, extension_reason, department_id, event_id)
                SELECT 'lead', 'fed_back', e.reported_at + interval '2 hours', '', '', '', '',
                  (%(departments)s::bigint[])[1 + floor(random()
                    * cardinality(%(departments)s::bigint[]))::int], e.id
                FROM events_event e
                WHERE e.id BETWEEN %(base)s + %(lo)s + 1 AND %(base)s + %(hi)s + 1
                  AND e.status IN ('closed', 'handling')
                ORDER BY e.id
                """,
                chunk,
            )
            say(
                f"  {hi:,} events ({entries:,} entries, {cur.rowcount:,} orders in this chunk,"
                f" {time.perf_counter() - started:.0f} s)"
            )
        cur.execute("SET session_replication_role = DEFAULT")
        for table, (name, definition) in dropped:
            started = time.perf_counter()
            cur.execute(definition)
            say(f"  index {table}.{name}: {time.perf_counter() - started:.0f} s")
        for table in ("events_event", "events_timelineentry", "events_workorder"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        cur.execute("SELECT count(*) FROM events_event WHERE status = 'reported'")
        reported_open = int(cur.fetchone()[0])
        cur.execute("DROP TABLE bench_micro, bench_cat")
    return reported_open


def say_differences(cur: Any, say: Any, limit: int = 5) -> None:
    """A few facts that differ between the filled copy (f0) and the rebuild: their columns
    that differ, incremental → rebuilt, and how many differ per column."""
    cur.execute(
        "SELECT a.event_id, to_jsonb(a), to_jsonb(b) FROM f0 a"
        " FULL JOIN stats_eventfact b USING (event_id)"
        " WHERE a IS DISTINCT FROM b OR a.event_id IS NULL OR b.event_id IS NULL"
    )
    per_column: dict[str, int] = {}
    shown = 0
    for event_id, old, new in cur.fetchall():
        # Django's connection hands jsonb back as text
        old, new = (json.loads(v) if isinstance(v, str) else v or {} for v in (old, new))
        changed = {k: (old.get(k), new.get(k)) for k in old.keys() | new.keys()}
        changed = {k: v for k, v in changed.items() if v[0] != v[1]}
        for k in changed:
            per_column[k] = per_column.get(k, 0) + 1
        if shown < limit:
            say(f"  event {event_id}: {changed}")
            shown += 1
    say(f"  differing columns: {per_column}")


def run(args: argparse.Namespace, url: str, say: Any, built: bool = False) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-stats-"))
    setup_django(url, data_dir)
    from django.conf import settings

    # A cache in this process (production has Redis; without WANGGE_REDIS_URL the default
    # would be files on disk): the cold timings empty it, which Redis shared by others is not.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"}
    }
    from django.contrib.auth import get_user_model
    from django.core.cache import cache, caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from wangge.accounts.models import Post, Role
    from wangge.events import figures
    from wangge.events import workflow as wf
    from wangge.events.models import Event, Status
    from wangge.regions.models import Area
    from wangge.stats import fill
    from wangge.stats.models import EventFact, Rollup

    say(f"cache: {type(caches['default']).__name__}; migrating …")
    call_command("migrate", interactive=False, verbosity=0)
    metrics: list[Metric] = []
    now = timezone.now()
    if built:
        say("reusing the events and figures already built in this database")
        operator = get_user_model().objects.get(username="bench-operator")
    else:
        rng = random.Random(15)
        say(f"building the county ({args.micro:,} micro-grids) …")
        build_areas(args.micro, say)
        district = Area.objects.get(level=1)
        operator = get_user_model().objects.create(username="bench-operator", password="!")
        Post.objects.create(user=operator, area=district, role=Role.OPERATOR)
        say(f"building {args.events:,} events …")
        if args.build == "python":
            (_open, build_s) = timed(build_events, args.events, rng, now, say)
        else:
            (_open, build_s) = timed(build_events_sql, args.events, now, say)
        say(f"  built in {build_s:.1f} s")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

        say("full rebuild …")
        rebuilt, rebuild_s = timed(profiled(fill.rebuild, "rebuild"))
        facts, rollups = EventFact.objects.count(), Rollup.objects.count()
        say(
            f"  {rebuild_s:.1f} s ({rebuilt.facts_s:.1f} s facts,"
            f" {rebuilt.rollups_s:.1f} s rollups): {facts:,} facts, {rollups:,} rollup rows"
        )
        metrics.append(Metric("full rebuild", rebuild_s, "s", ("<=", 300)))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    client = Client(SERVER_NAME="localhost")
    client.force_login(operator)
    street = Area.objects.filter(level=2).order_by("code").first()
    assert street is not None
    calls = {
        "overview": "/api/stats/overview?period=year",
        "children": "/api/stats/children?period=year",
        "trend": "/api/stats/trend?period=year",
        "breakdown/channel": "/api/stats/breakdown/channel?period=year",
        "breakdown/category": "/api/stats/breakdown/category?period=year",
        "breakdown/department": "/api/stats/breakdown/department?period=year",
        "overview of a street": f"/api/stats/overview?period=year&area={street.code}",
        "modules": "/api/stats/modules?period=year",
        "heat (a month)": "/api/stats/heat?period=month",
        "open-events": "/api/stats/open-events",
    }
    calls["dashboard page"] = "/dashboard/?period=year"
    if os.environ.get("STATS_PROFILE") == "pages":
        for path in calls.values():
            client.get(path)
            cache.clear()  # the figures computed, not read back from the cache
            profile_request(client, path)
    del calls["dashboard page"]
    overview_p95 = 0.0

    def p95_of(path: str, cold: bool) -> float:
        """p95 of `path`; `cold`: the cache emptied before each call (what the first
        request after a fill pays), else the figures kept for this fill state are reused."""
        client.get(path)  # warm: the first request loads translations, URL maps …
        times = []
        for _ in range(args.repeat):
            if cold:
                cache.clear()
            response, seconds = timed(client.get, path)
            assert response.status_code == 200, (path, response.content[:300])
            times.append(seconds * 1000)
        return p95(times)

    for name, path in calls.items():
        cold = p95_of(path, True)
        if name == "overview":
            overview_p95 = cold
        metrics.append(Metric(f"api {name} p95", cold, "ms", ("<=", 50)))
        metrics.append(Metric(f"api {name} p95, cached", p95_of(path, False), "ms"))
    page = "/dashboard/?period=year"
    metrics.append(Metric("dashboard page p95", p95_of(page, True), "ms", ("<=", 200)))
    metrics.append(Metric("dashboard page p95, cached", p95_of(page, False), "ms"))

    year_start = timezone.localdate().replace(month=1, day=1)
    times = []
    for _ in range(max(3, args.repeat // 4)):
        _f, seconds = timed(
            lambda: (
                figures.loop_figures(user=operator, date_from=year_start, date_to=now.date()),
                figures.channel_figures(user=operator, date_from=year_start, date_to=now.date()),
            )
        )
        times.append(seconds * 1000)
    group_by = p95(times)
    metrics.append(Metric("same figures by GROUP BY on events p95", group_by, "ms"))
    metrics.append(
        Metric(
            "rollups speed-up over GROUP BY",
            group_by / max(overview_p95, 1e-6),
            "×",
            None,
            "goal ≥ 20",
        )
    )

    if args.pages_only:
        return metrics

    say(f"fill under load for {args.load_seconds} s at up to {args.rate}/s …")
    pool = list(
        Event.objects.filter(status=Status.REPORTED).order_by("pk").values_list("pk", flat=True)
    )
    done = [0]
    stop = threading.Event()

    def load(share: list[int]) -> None:
        from django.db import connections

        interval = 1.0 / (args.rate / args.threads)
        nxt = time.monotonic()
        for pk in share:
            if stop.is_set():
                break
            try:
                wf.event_accept(event=Event.objects.get(pk=pk), actor=operator)
                done[0] += 1
            except Exception as exc:  # report and go on
                say(f"  transition failed: {exc}")
            nxt += interval
            time.sleep(max(0.0, nxt - time.monotonic()))
        connections.close_all()

    threads = [
        threading.Thread(target=load, args=(pool[i :: args.threads],), daemon=True)
        for i in range(args.threads)
    ]
    fill.fill()  # position at now
    started = time.monotonic()
    for t in threads:
        t.start()
    lags, steps = [], []
    last_asof = timezone.now()
    while time.monotonic() - started < args.load_seconds:
        time.sleep(args.fill_every)
        _filled, seconds = timed(profiled(fill.fill, "fill"))
        steps.append(seconds)
        lags.append((timezone.now() - last_asof).total_seconds())
        last_asof = timezone.now() - fill.lag()
    stop.set()
    for t in threads:
        t.join()
    rate = done[0] / (time.monotonic() - started)
    say(f"  {done[0]:,} transitions ({rate:.1f}/s), {len(steps)} fills")
    metrics.append(Metric("transitions/s during the fill", rate, "/s", None, "asked ≤ 50"))
    metrics.append(Metric("fill step max", max(steps) if steps else 0, "s"))
    metrics.append(Metric("fill step median", statistics.median(steps) if steps else 0, "s"))
    metrics.append(
        Metric(
            f"lag max (fill every {args.fill_every:g} s)", max(lags) if lags else 0, "s", ("<=", 60)
        )
    )

    if args.no_compare:
        return metrics
    say("incremental == rebuild …")
    # The fill leaves entries younger than its lag for the next step, while a rebuild reads
    # the events' rows as they are: compare once the last transitions are older than the lag.
    time.sleep(fill.lag().total_seconds() + 1)
    end = timezone.now()
    fill.fill(now=end)
    cols = ", ".join(f.column for f in Rollup._meta.concrete_fields if not f.primary_key)
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE f0 AS SELECT * FROM stats_eventfact")
        cur.execute(f"CREATE TEMP TABLE r0 AS SELECT {cols} FROM stats_rollup")
    fill.rebuild(now=end)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM (SELECT * FROM f0 EXCEPT ALL"
            " SELECT * FROM stats_eventfact) a) + (SELECT count(*) FROM (SELECT * FROM"
            " stats_eventfact EXCEPT ALL SELECT * FROM f0) b)"
        )
        fact_diff = cur.fetchone()[0]
        cur.execute(
            f"SELECT (SELECT count(*) FROM (SELECT * FROM r0 EXCEPT ALL SELECT {cols}"
            f" FROM stats_rollup) a) + (SELECT count(*) FROM (SELECT {cols} FROM stats_rollup"
            " EXCEPT ALL SELECT * FROM r0) b)"
        )
        rollup_diff = cur.fetchone()[0]
        if fact_diff:
            say_differences(cur, say)
    metrics.append(Metric("facts differing, incremental vs rebuild", fact_diff, "rows", ("==", 0)))
    metrics.append(
        Metric("rollups differing, incremental vs rebuild", rollup_diff, "rows", ("==", 0))
    )
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--micro", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20, help="calls per endpoint")
    parser.add_argument("--rate", type=float, default=50.0, help="transitions per second")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--fill-every", type=float, default=10.0)
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument(
        "--database",
        default="",
        help="run in this database (made when missing) instead of a throw-away one",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep --database at the end: the next run with it reuses its events",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="stop after the API and page timings (no fill under load, no comparison)",
    )
    parser.add_argument(
        "--no-compare",
        action="store_true",
        help="skip the incremental-vs-rebuild comparison after the fill under load (it runs"
        " a second full rebuild: long at the target size)",
    )
    parser.add_argument(
        "--build",
        choices=("sql", "python"),
        default="sql",
        help="make the events by INSERT … SELECT generate_series in PostgreSQL (default) or"
        " row by row in Python with COPY (the builder assessment.py shares)",
    )
    parser.add_argument("--save-baseline", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(text, flush=True)

    if args.database:
        with named_database(args.server, args.database, args.keep) as (url, built):
            metrics = run(args, url, say, built)
    else:
        with bench_database(args.server) as url:
            metrics = run(args, url, say)
    report("stats", metrics, args.save_baseline, events=args.events, micro=args.micro)
    return 0


if __name__ == "__main__":
    sys.exit(main())
