"""Benchmark of the population base (wangge.people) on PostgreSQL.

Creates a throw-away PostgreSQL database, migrates it, builds a test district (256
micro-grids in 16 communities), imports the places (buildings, houses, households) and then
N residents (default 200,000; one community holds 20,000 of them) from CSV and — after
emptying the residents — from xlsx, timing rows per second. Then: re-import of the same CSV
(nothing changes), exact search by ID number through the blind index, and listing the big
community page by page (time and SQL queries per page). The database is dropped at the end.

    .venv/bin/python benchmarks/population.py [--residents N] [--save-baseline]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import DEFAULT_SERVER, Metric, bench_database, report, setup_django

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "population.json"
PER_HOUSEHOLD = 3
HOUSES_PER_BUILDING = 60
BIG_COMMUNITY_RESIDENTS = 20_000
PAGE = 50

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
RESIDENT_HEADERS = ["姓名", "身份证号", "联系电话", "民族", "户号", "与户主关系", "人口类型"]
RELATIONS = ["户主", "配偶", "子女"]


def id_numbers(n: int, rng: random.Random) -> list[str]:
    """n distinct, valid 18-digit numbers (region 330103, a birth date, a sequence)."""
    from wangge.people.identity import check_digit

    out, seen = [], set()
    start = date(1940, 1, 1)
    while len(out) < n:
        born = start + timedelta(days=rng.randrange(0, 80 * 365))
        body = f"330103{born:%Y%m%d}{rng.randrange(1000):03d}"
        if body not in seen:
            seen.add(body)
            out.append(body + check_digit(body))
    return out


def build_files(n: int, micro: list[Any], big: list[Any], rng: random.Random) -> dict[str, Any]:
    """The places workbook and the residents as rows (households placed so the big
    community gets BIG_COMMUNITY_RESIDENTS of them)."""
    from openpyxl import Workbook

    households = (n + PER_HOUSEHOLD - 1) // PER_HOUSEHOLD
    big_households = min(households, BIG_COMMUNITY_RESIDENTS // PER_HOUSEHOLD)
    others = [m for m in micro if m not in big]
    book = Workbook(write_only=True)
    b_ws, h_ws, hh_ws = (
        book.create_sheet("楼栋"),
        book.create_sheet("房屋"),
        book.create_sheet("户"),
    )
    b_ws.append(["楼栋编号", "楼栋名称", "经度", "纬度"])
    h_ws.append(["房屋编号", "楼栋编号", "单元", "室号", "房屋用途"])
    hh_ws.append(["户号", "房屋编号"])
    building = -1
    for i in range(households):
        if i % HOUSES_PER_BUILDING == 0:
            building += 1
            area = big[building % len(big)] if i < big_households else rng.choice(others)
            lon = area.min_lon + (area.max_lon - area.min_lon) * (0.2 + 0.6 * rng.random())
            lat = area.min_lat + (area.max_lat - area.min_lat) * (0.2 + 0.6 * rng.random())
            b_ws.append([f"B{building:05d}", f"{building}幢", lon, lat])
        room = i % HOUSES_PER_BUILDING
        h_ws.append([f"H{i:06d}", f"B{building:05d}", room // 20 + 1, f"{room + 101}", "住宅"])
        hh_ws.append([f"HH{i:06d}", f"H{i:06d}"])
    places = io.BytesIO()
    book.save(places)
    ids = id_numbers(n, rng)
    rows = [
        [
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            ids[k],
            f"13{rng.randrange(10**9):09d}" if rng.random() < 0.8 else "",
            "汉族",
            f"HH{k // PER_HOUSEHOLD:06d}",
            RELATIONS[min(k % PER_HOUSEHOLD, 2)],
            "户籍" if rng.random() < 0.8 else "流动",
        ]
        for k in range(n)
    ]
    return {"places": places.getvalue(), "rows": rows, "ids": ids}


def as_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESIDENT_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("人口")
    ws.append(RESIDENT_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def run(args: argparse.Namespace, url: str, say: Any) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-people-"))
    setup_django(url, data_dir)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_tree, make_user, post
    from wangge.people import crypto, scoping
    from wangge.people.imports import importer
    from wangge.people.models import Residence, Resident
    from wangge.people.residents import selectors
    from wangge.regions.models import Area

    os.environ["WANGGE_PII_KEY"] = "bench:" + crypto.new_key_line("bench").split(" ")[1]
    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(5)
    make_tree()
    micro = list(Area.objects.filter(level=5).order_by("code"))
    community = Area.objects.get(code="330103001001")
    big = [m for m in micro if m.path.startswith(community.path)]
    operator = make_user("operator")
    post(operator, Area.objects.get(code="330103"), role="operator")
    secretary = make_user("secretary")
    post(secretary, community, role="secretary")

    say(f"building the files ({args.residents:,} residents) …")
    files = build_files(args.residents, micro, big, rng)
    rows = files["rows"]
    csv_data, xlsx_data = as_csv(rows), as_xlsx(rows)
    say(f"  CSV {len(csv_data) / 1e6:.1f} MB, xlsx {len(xlsx_data) / 1e6:.1f} MB")

    places, places_s = timed(
        importer.import_file, actor=None, data=files["places"], file_name="places.xlsx"
    )
    assert places.committed, places.problems[:5]
    n_places = places.total("created")
    say(f"places: {n_places:,} records in {places_s:.1f} s")

    metrics = [Metric("import places (buildings+houses+households)", n_places / places_s, "rows/s")]

    total = len(rows)

    def import_residents(data: bytes, name: str) -> float:
        result, seconds = timed(importer.import_file, actor=None, data=data, file_name=name)
        assert result.committed and result.counts["resident"].created == total, result.problems[:5]
        return total / seconds

    say("importing residents from CSV …")
    csv_rate = import_residents(csv_data, "residents.csv")
    metrics.append(Metric("import residents from CSV", csv_rate, "rows/s"))
    # The target is ≥ 5,000 rows/s, i.e. < 200 ms per 1,000 rows (the table compares with <).
    metrics.append(Metric("  CSV: time per 1,000 rows", 1e6 / csv_rate, "ms", ("<", 200)))
    say(f"  {csv_rate:,.0f} rows/s")
    again, again_s = timed(
        importer.import_file, actor=None, data=csv_data, file_name="residents.csv"
    )
    assert again.counts["resident"].unchanged == len(rows)
    metrics.append(Metric("re-import same CSV (all unchanged)", len(rows) / again_s, "rows/s"))

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {Residence._meta.db_table}, {Resident._meta.db_table} CASCADE")
    say("importing residents from xlsx …")
    xlsx_rate = import_residents(xlsx_data, "residents.xlsx")
    metrics.append(Metric("import residents from xlsx", xlsx_rate, "rows/s"))
    say(f"  {xlsx_rate:,.0f} rows/s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    say("exact search by ID number …")
    sample = rng.sample(files["ids"], 300)
    # The timed reads below should see a process like a web worker's, not one holding this
    # benchmark's own 200,000-row files: Python's collector walking those took 150 ms pauses
    # in random pages.
    del files, rows, csv_data, xlsx_data
    gc.collect()
    gc.freeze()
    times = []
    for number in sample:
        start = time.perf_counter()
        found = list(selectors.resident_search(operator, id_number=number))
        times.append((time.perf_counter() - start) * 1000)
        assert len(found) == 1
    metrics.append(
        Metric("search by ID number, median", statistics.median(times), "ms", ("<", 5.0))
    )
    metrics.append(
        Metric("search by ID number, p95", sorted(times)[int(len(times) * 0.95)], "ms", ("<", 5.0))
    )

    say("listing the big community page by page …")
    qs = selectors.for_listing(
        selectors.resident_search(secretary, area_code=community.code), secretary
    )
    total = selectors.resident_search(secretary, area_code=community.code).count()
    page_ms, queries = [], set()
    number = 1
    while True:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            items, more = scoping.page(qs, number, PAGE)
            _ = [(r.household, r.area.code, getattr(r, "current_tags", None)) for r in items]
            page_ms.append((time.perf_counter() - start) * 1000)
        queries.add(len(ctx.captured_queries))
        if not more:
            break
        number += 1
    metrics.append(Metric("community residents listed", total, "rows"))
    metrics.append(Metric("list page (50), median", statistics.median(page_ms), "ms", ("<", 100)))
    metrics.append(Metric("list page (50), max", max(page_ms), "ms", ("<", 100)))
    metrics.append(
        Metric(
            "SQL queries per page (min..max)", max(queries), "queries", note=f"{sorted(queries)}"
        )
    )
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(text, flush=True)

    with bench_database(args.server) as url:
        metrics = run(args, url, say)
    report("population", metrics, args.save_baseline, residents=args.residents)
    return 0


if __name__ == "__main__":
    sys.exit(main())
