"""Benchmark of the work-order push API over HTTP, against a one-row-insert floor.

Creates a throw-away PostgreSQL database, migrates it, builds the test world (areas, a
hotline channel with an API key), then starts `wangge serve --workers 2` on it with the
floor view mounted (WANGGE_BENCH_FLOOR=1: a bare Django view that parses the JSON body and
inserts one row). From this process — separate from the server — it POSTs reports over
HTTP, first at a constant rate (default 100/s for 20 s; latency is measured from each
request's scheduled time, so a stalled server is not hidden by a stalled client), then
flat-out from several threads for throughput; the same load, side by side, against the
floor. The server is stopped and the database dropped at the end, also on an error.

    .venv/bin/python benchmarks/intake.py [--rate 100] [--seconds 20] [--save-baseline]

Targets: the push API sustains at least 40% of the floor's throughput, and its p99 at
100 reports/s is under 150 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = HERE / "baseline" / "intake.json"
PUSH_PATH = "/api/intake/orders"
FLOOR_PATH = "/dev/bench-floor/"


# -- the world and the server ---------------------------------------------------------------
def build_world() -> str:
    """Migrate, make the test district, give the hotline an API key; returns the key."""
    from django.core.management import call_command
    from django.db import connection

    from tests.factories import make_tree
    from wangge.dev.bench_floor import TABLE_SQL
    from wangge.intake.models import Channel
    from wangge.intake.services import channel_issue_key

    call_command("migrate", interactive=False, verbosity=0)
    make_tree()
    with connection.cursor() as cursor:
        cursor.execute(TABLE_SQL)
    key = channel_issue_key(Channel.objects.get(code="hotline"))
    connection.close()
    return key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, data_dir: Path, workers: int) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "WANGGE_DATABASE_URL": url,
        "WANGGE_DATA_DIR": str(data_dir),
        "WANGGE_BENCH_FLOOR": "1",
        "WANGGE_LOG_LEVEL": "ERROR",
    }
    log = (data_dir / "server.log").open("wb")
    wangge = str(Path(sys.executable).parent / "wangge")
    process = subprocess.Popen(
        [wangge, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {data_dir / 'server.log'}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start within 60 s")
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


# -- the load -------------------------------------------------------------------------------
@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    elapsed_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ms: float, status: int, body: bytes) -> None:
        with self.lock:
            if status in (200, 201):
                self.latencies_ms.append(ms)
            else:
                self.errors += 1
                self.first_error = self.first_error or f"{status} {body[:200]!r}"

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0

    def pct(self, p: float) -> float:
        return float(np.percentile(self.latencies_ms, p)) if self.latencies_ms else float("nan")


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.port, self.path, self.headers = port, path, headers
        self.local = threading.local()

    def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, 30)
            try:
                conn.request("POST", self.path, body, self.headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def order_body(serial: str, rng: random.Random) -> bytes:
    # make_tree's district: the 0.08° square from (120.10, 30.20).
    return json.dumps(
        {
            "order_no": serial,
            "content": "小区门口垃圾堆放三天无人清运，请尽快处理",
            "address": "文晖路 1 号",
            "category": "0102",
            "called_at": "2026-03-01 09:30",
            "caller_name": "张三",
            "caller_phone": "13800000000",
            "lon": 120.10 + rng.random() * 0.079,
            "lat": 30.20 + rng.random() * 0.079,
        },
        ensure_ascii=False,
    ).encode()


def constant_rate(
    client: Client, make: Callable[[int], bytes], rate: float, seconds: float, threads: int
) -> Run:
    """`rate` requests a second for `seconds`; latency from each one's scheduled start."""
    run = Run()
    total = int(rate * seconds)
    bodies = [make(i) for i in range(total)]
    start = time.perf_counter() + 0.2

    def one(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            status, body = client.post(bodies[i])
        except OSError as exc:
            status, body = 0, str(exc).encode()
        run.record((time.perf_counter() - due) * 1000, status, body)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(total)))
    run.elapsed_s = time.perf_counter() - start
    return run


def flat_out(client: Client, make: Callable[[int], bytes], seconds: float, threads: int) -> Run:
    run = Run()
    counter = iter(range(10**9))
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop:
            with lock:
                i = next(counter)
            body = make(i)
            began = time.perf_counter()
            try:
                status, answer = client.post(body)
            except OSError as exc:
                status, answer = 0, str(exc).encode()
            run.record((time.perf_counter() - began) * 1000, status, answer)

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    run.elapsed_s = time.perf_counter() - began
    return run


# -- the benchmark --------------------------------------------------------------------------
def measure(args: argparse.Namespace, url: str, say: Callable[[str], None]) -> list[Metric]:
    data_dir = Path(tempfile.mkdtemp(prefix="wangge-bench-intake-"))
    setup_django(url, data_dir)
    key = build_world()
    rng = random.Random(7)
    metrics: list[Metric] = []
    with server(url, data_dir, args.workers) as port:
        json_headers = {"Content-Type": "application/json"}
        targets = {
            "push": Client(port, PUSH_PATH, {**json_headers, "X-Api-Key": key}),
            "floor": Client(port, FLOOR_PATH, json_headers),
        }
        runs: dict[tuple[str, str], Run] = {}
        busy_start, wall_start = cpu_busy_s(), time.perf_counter()
        for name, client in targets.items():
            say(f"{name}: warming up …")
            runs[name, "warm"] = flat_out(
                client, lambda i, n=name: order_body(f"{n}-w{i}", rng), 2, args.threads
            )
            say(f"{name}: {args.rate:.0f}/s for {args.seconds:.0f} s …")
            runs[name, "rate"] = constant_rate(
                client,
                lambda i, n=name: order_body(f"{n}-r{i}", rng),
                args.rate,
                args.seconds,
                args.threads * 4,
            )
            say(f"{name}: flat out with {args.threads} threads for {args.flat_seconds:.0f} s …")
            runs[name, "flat"] = flat_out(
                client,
                lambda i, n=name: order_body(f"{n}-f{i}", rng),
                args.flat_seconds,
                args.threads,
            )
        busy = (cpu_busy_s() - busy_start) / (time.perf_counter() - wall_start)
        # Every pushed order really is one event.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events_event WHERE channel = 'hotline'")
            events = int(cursor.fetchone()[0])
        connection.close()
    pushed = sum(len(runs["push", k].latencies_ms) for k in ("warm", "rate", "flat"))
    for name in targets:
        rate, flat = runs[name, "rate"], runs[name, "flat"]
        metrics += [
            Metric(f"{name}: sustained at {args.rate:.0f}/s", rate.throughput, "/s"),
            Metric(f"{name}: p50 at {args.rate:.0f}/s", rate.pct(50), "ms"),
            Metric(f"{name}: p95 at {args.rate:.0f}/s", rate.pct(95), "ms"),
            Metric(
                f"{name}: p99 at {args.rate:.0f}/s",
                rate.pct(99),
                "ms",
                ("<", 150.0) if name == "push" else None,
            ),
            Metric(f"{name}: flat-out throughput", flat.throughput, "/s"),
            Metric(f"{name}: flat-out p50", flat.pct(50), "ms"),
            Metric(f"{name}: flat-out p99", flat.pct(99), "ms"),
            Metric(
                f"{name}: failed requests",
                rate.errors + flat.errors,
                "requests",
                ("==", 0),
                note=(rate.first_error or flat.first_error)[:60],
            ),
        ]
    push, floor = runs["push", "flat"], runs["floor", "flat"]
    metrics += [
        Metric("push throughput, share of the floor's", push.throughput / floor.throughput, "×"),
        # The target "at least 40% of the floor" as the table's comparisons can state it.
        Metric("floor / push throughput", floor.throughput / push.throughput, "×", ("<=", 2.5)),
        Metric(
            "push / floor p99 at rate",
            runs["push", "rate"].pct(99) / runs["floor", "rate"].pct(99),
            "×",
        ),
        Metric("events ≠ accepted pushes", abs(events - pushed), "events", ("==", 0)),
        Metric("machine CPU busy during the load", busy, "CPUs", note=f"of {os.cpu_count()}"),
    ]
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="reports a second, phase 1")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of phase 1")
    parser.add_argument("--flat-seconds", type=float, default=10.0, help="length of phase 2")
    parser.add_argument("--threads", type=int, default=8, help="load threads, phase 2")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--server",
        default=os.environ.get("WANGGE_BENCH_SERVER", DEFAULT_SERVER),
        help="URL of any database on the PostgreSQL server (to create/drop the bench one)",
    )
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed target")
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        if not args.quiet:
            print(text, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_start = os.getloadavg()
    with bench_database(args.server) as url:
        say(f"database {url.rsplit('/', 1)[1]}: migrating, building the world …")
        metrics = measure(args, url, say)
    baseline = json.loads(BASELINE.read_text())["metrics"] if BASELINE.exists() else {}
    print()
    print_table(metrics, baseline)

    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "timestamp": now.isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
            "args": vars(args),
        },
        "metrics": metrics_doc(metrics),
    }
    save_run("intake", doc, now, args.save_baseline)
    missed = [m for m in metrics if m.passed is False]
    if missed:
        print("missed targets: " + ", ".join(m.name for m in missed))
    wrong = any(m.unit in ("events", "requests") for m in missed)
    return 1 if wrong or (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
