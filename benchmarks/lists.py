"""Benchmark of the event lists with detailed boundaries, on PostgreSQL.

Creates a throw-away PostgreSQL database, migrates it, builds the tests' area tree (five levels,
2 × 2 children per area: 341 areas), a centre operator at the district and N events (default 5,000)
spread over the micro-grids (COPY). Then times, in one process, each list page and endpoint
twice: with the tree's simple squares (5 vertices an area: the baseline) and after every
boundary is replaced by a detailed one (`--vertices`, default 3,000 an area, like a county's
surveyed boundaries). A list that loads geometry it does not draw slows down with the
vertices; one that does not stays the same. Beside them, the same first page read the way
the lists once read it (areas joined with their geometry), to show what that cost.
The database is dropped at the end.

    .venv/bin/python benchmarks/lists.py [--events N] [--vertices V] [--save-baseline]

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from common import DEFAULT_SERVER, Metric, bench_database, report, setup_django

HERE = Path(__file__).resolve().parent

# The pages and endpoints timed: the operator's queue and lists, first pages.
URLS = (
    "/api/events",
    "/api/events?page_size=200",
    "/api/events?status=accepted",
    "/api/events/counts",
    "/events/",
    "/events/?tab=handling",
)
STATUSES = ("reported", "accepted", "dispatched", "handling", "handled", "closed")


def build(events: int, say: Callable[[str], None]) -> Any:
    """The tree (341 areas), a district operator, `events` events over the micro-grids."""
    from django.utils import timezone

    from tests.factories import make_tree, make_user, post, reseed
    from wangge.events.models import Category, Event
    from wangge.people.bulkcopy import insert_rows

    reseed()
    areas = make_tree()
    micro = sorted((a for a in areas.values() if a.level == 5), key=lambda a: a.code)
    grids = {a.pk: a for a in areas.values() if a.level == 4}
    operator = make_user("bench-operator")
    post(operator, areas["330103"], role="operator")
    leaves = list(Category.objects.filter(children=None).values_list("pk", flat=True))
    rng = random.Random(12)
    now = timezone.now()
    rows = []
    for i in range(events):
        area = micro[i % len(micro)]
        reported = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
        rows.append(
            {
                "code": f"B{i:07d}",
                "title": f"路边暴露垃圾 {i}",
                "category_id": rng.choice(leaves),
                "channel": "grid_app",
                "area_id": area.pk,
                "responsible_area_id": grids[area.parent_id].pk,
                "status": STATUSES[i % len(STATUSES)],
                "lon": area.centroid_lon,
                "lat": area.centroid_lat,
                "reported_at": reported,
            }
        )
    insert_rows(Event, rows)
    say(f"  {len(areas)} areas, {events:,} events")
    return operator


def detail_boundaries(vertices: int) -> float:
    """Every area's boundary as a `vertices`-point ring inside its box (a wavy circle); the
    mean GeoJSON size in kB."""
    import json

    from django.db import transaction

    from wangge.regions.models import Area

    sizes = []
    with transaction.atomic():
        for area in Area.objects.all():
            assert area.min_lon is not None and area.max_lon is not None
            assert area.min_lat is not None and area.max_lat is not None
            cx, cy = (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2
            rx, ry = (area.max_lon - area.min_lon) / 2, (area.max_lat - area.min_lat) / 2
            ring = []
            for k in range(vertices):
                t = 2 * math.pi * k / vertices
                r = 0.92 + 0.06 * math.sin(37 * t)
                ring.append(
                    [round(cx + rx * r * math.cos(t), 7), round(cy + ry * r * math.sin(t), 7)]
                )
            ring.append(ring[0])
            text = json.dumps({"type": "MultiPolygon", "coordinates": [[ring]]})
            sizes.append(len(text))
            Area.objects.filter(pk=area.pk).update(geometry=text)
    with_vacuum("regions_area")
    return statistics.mean(sizes) / 1000


def with_vacuum(table: str) -> None:
    """Fresh statistics, so the planner sees the wide rows."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {table}")


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm: caches, the planner
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(operator: Any, repeat: int) -> dict[str, tuple[float, int, int]]:
    """Per URL: (median ms, queries, response bytes); and the old, geometry-carrying read."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wangge.events import selectors

    client = Client(SERVER_NAME="localhost")
    client.force_login(operator)
    out: dict[str, tuple[float, int, int]] = {}
    for url in URLS:

        def get(url: str = url) -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        ms = median_ms(get, repeat)
        with CaptureQueriesContext(connection) as ctx:
            size = len(get().content)
        out[url] = (ms, len(ctx.captured_queries), size)

    for size in (50, 200):

        def old_read(size: int = size) -> None:
            # A page as event_list read it before: both areas joined, geometry and all.
            qs = selectors.event_list(user=operator).defer(None)
            list(qs.select_related("category", "area", "responsible_area")[:size])

        out[f"old read: {size} events with geometry"] = (median_ms(old_read, repeat), 1, 0)
    return out


def run(args: argparse.Namespace, url: str, say: Callable[[str], None]) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-lists-"))
    setup_django(url, data_dir)
    from django.core.management import call_command
    from django.test.utils import override_settings

    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    say("building the tree and the events …")
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        operator = build(args.events, say)
    with_vacuum("events_event")
    setup_s = time.perf_counter() - start
    say("timing with simple boundaries …")
    simple = measure(operator, args.repeat)
    say(f"replacing every boundary by {args.vertices:,} vertices …")
    kb = detail_boundaries(args.vertices)
    say("timing with detailed boundaries …")
    detailed = measure(operator, args.repeat)

    metrics = [
        Metric("setup: migrate, tree, events", setup_s, "s"),
        Metric("detailed boundary size", kb, "kB", note=f"{args.vertices:,} vertices, mean"),
    ]
    for name, (ms, queries, size) in simple.items():
        d_ms, d_queries, d_size = detailed[name]
        old = name.startswith("old")
        metrics += [
            Metric(f"{name} simple", ms, "ms"),
            Metric(f"{name} detailed", d_ms, "ms", None if old else ("<", 2 * ms + 50)),
            Metric(f"{name} detailed / simple", d_ms / ms, "×", None if old else ("<", 2.0)),
        ]
        if not old:
            metrics += [
                Metric(f"{name} queries", d_queries, "queries", ("==", queries)),
                Metric(f"{name} bytes", d_size, "B", ("==", size)),
            ]
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--vertices", type=int, default=3000, help="per detailed boundary")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per URL")
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--save-baseline", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        if not args.quiet:
            print(text, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with bench_database(args.server) as url:
        metrics = run(args, url, say)
    report("lists", metrics, args.save_baseline, args=vars(args))
    missed = [m for m in metrics if m.passed is False]
    if missed:
        print("missed targets: " + ", ".join(m.name for m in missed))
    # Changed query counts or response sizes are wrong answers; slow ones fail with --strict.
    wrong = any(m.unit in ("queries", "B") for m in missed)
    return 1 if wrong or (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
