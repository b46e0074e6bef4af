"""Benchmark: how long a report waits while a big work-order file is imported.

On a throw-away database (SQLite file with --sqlite, else a PostgreSQL database of its own),
migrated, with the test district: reports made one after another (`workflow.event_report`,
what `POST /api/events` runs) first alone, then while a file of --rows orders is imported in
another thread — written in batches (WANGGE_IMPORT_BATCH_ROWS, as the platform does), and for
comparison in one transaction (as it was before import jobs). Prints each phase's report
latency (p50, p95, max), the reports refused ("database is locked") and the import's time.

    .venv/bin/python benchmarks/import_live.py [--sqlite] [--rows 5000] [--no-whole]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from common import Metric, metrics_doc, open_django, print_table, save_run

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests.factories


def orders_file(n: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["工单编号", "诉求内容", "诉求地址", "诉求类型", "来电时间", "来电人", "联系电话"]
    )
    for i in range(n):
        writer.writerow(
            [f"{prefix}{i:06d}", f"第 {i} 号诉求：垃圾堆放", f"文晖路 {i} 号", "0102",
             "2026-03-01 09:30", "张三", "13800000000"]
        )  # fmt: skip
    return out.getvalue().encode()


def phase(name: str, world: dict[str, Any], data: bytes | None, batch: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import OperationalError, connections

    from wangge.events import workflow
    from wangge.intake import importer

    settings.WANGGE_IMPORT_BATCH_ROWS = batch
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        start = time.perf_counter()
        try:
            assert data is not None
            importer.import_orders(world["channel"], "bench.csv", data)
        finally:
            took.append(time.perf_counter() - start)
            connections.close_all()
            done.set()

    if data is not None:
        threading.Thread(target=run, daemon=True).start()
        time.sleep(0.5)  # (the check is done reading by then on a small file; not on a big one)
    latencies, refused = [], 0
    count = 0
    while (data is not None and not done.is_set()) or (data is None and count < 40):
        start = time.perf_counter()
        try:
            workflow.event_report(
                actor=world["user"], title="路边暴露垃圾", category=world["category"],
                area=world["micro"],
            )  # fmt: skip
            latencies.append((time.perf_counter() - start) * 1000)
        except OperationalError:
            refused += 1
        count += 1
        time.sleep(0.05)
    if data is not None:
        done.wait()
    ms = np.array(latencies) if latencies else np.array([float("nan")])
    result = {
        "phase": name,
        "reports": count,
        "refused": refused,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(ms.max()),
        "import_s": took[0] if took else 0.0,
    }
    print(
        f"{name:<28} reports {count:>4}  refused {refused:>3}  p50 {result['p50_ms']:8.1f} ms"
        f"  p95 {result['p95_ms']:8.1f} ms  max {result['max_ms']:8.1f} ms"
        f"  import {result['import_s']:6.1f} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--server", default=None, help="PostgreSQL server URL")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--no-whole", action="store_true", help="skip the one-transaction run")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        open_django(stack, tmp, sqlite=args.sqlite, server=args.server)
        from django.conf import settings
        from django.db import connections

        from tests.factories import make_tree, make_user, post
        from wangge.events.models import Category
        from wangge.intake.models import Channel

        areas = make_tree(split=1)
        user = make_user("reporter")
        post(user, areas["330103"], role="operator")
        world = {
            "channel": Channel.objects.get(code="hotline"),
            "user": user,
            "category": Category.objects.get(code="0102"),
            "micro": areas[max(areas, key=len)],
        }
        batch = settings.WANGGE_IMPORT_BATCH_ROWS
        results = [phase("alone", world, None, batch)]
        results.append(
            phase(f"import, batches of {batch}", world, orders_file(args.rows, "B"), batch)
        )
        if not args.no_whole:
            results.append(
                phase("import, one transaction", world, orders_file(args.rows, "W"), args.rows)
            )
        connections.close_all()
    metrics = [
        Metric(f"{r['phase']}: report {k}", r[k], "ms" if k.endswith("ms") else "")
        for r in results
        for k in ("p50_ms", "p95_ms", "max_ms", "refused")
    ]
    print_table(metrics, {})
    doc = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "rows": args.rows,
        "batch": batch,
        "phases": results,
        "metrics": metrics_doc(metrics),
    }
    save_run("import_live", doc, datetime.now(UTC), False)


if __name__ == "__main__":
    main()
