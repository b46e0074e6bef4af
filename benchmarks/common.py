"""What both benchmarks share: machine-noise figures and the printed table with its
baseline column."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg


def cpu_busy_s() -> float:
    """CPU seconds all processes have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:8]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    target: tuple[str, float] | None = None  # ("<", 10.0): value must be below 10
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        op, limit = self.target
        return {"<": self.value < limit, "<=": self.value <= limit, "==": self.value == limit}[op]


def fmt(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def print_table(metrics: list[Metric], baseline: dict[str, Any]) -> None:
    rows = [("metric", "value", "unit", "target", "pass", "baseline", "ratio")]
    for m in metrics:
        base = baseline.get(m.name, {}).get("value")
        ratio = m.value / base if base else None
        rows.append(
            (
                m.name + (f"  [{m.note}]" if m.note else ""),
                fmt(m.value),
                m.unit,
                f"{m.target[0]} {fmt(m.target[1])}" if m.target else "",
                {True: "PASS", False: "FAIL", None: ""}[m.passed],
                fmt(base) if base is not None else "",
                f"{ratio:.2f}" if ratio is not None else "",
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


# -- the benchmark --------------------------------------------------------------------------


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def metrics_doc(metrics: list[Metric]) -> dict[str, Any]:
    """The metrics as a run's JSON document keeps them (and a baseline is read back)."""
    return {
        m.name: {
            "value": m.value,
            "unit": m.unit,
            "target": list(m.target) if m.target else None,
            "passed": m.passed,
        }
        for m in metrics
    }


def save_run(name: str, doc: dict[str, Any], now: datetime, save_baseline: bool) -> None:
    """Write the run to benchmarks/results/<name>-<UTC time>.json, and with save_baseline
    to benchmarks/baseline/<name>.json, which later runs compare with."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{name}-{now:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text)
    print(f"\nsaved {path.relative_to(HERE.parent)}")
    if save_baseline:
        baseline = HERE / "baseline" / f"{name}.json"
        baseline.parent.mkdir(exist_ok=True)
        baseline.write_text(text)
        print(f"saved baseline {baseline.relative_to(HERE.parent)}")


def report(name: str, metrics: list[Metric], save_baseline: bool, **facts: Any) -> None:
    """The end of a run: the table beside benchmarks/baseline/<name>.json, then the run
    saved (with `facts`, e.g. the data size) by `save_run`."""
    from datetime import UTC

    path = HERE / "baseline" / f"{name}.json"
    baseline = json.loads(path.read_text())["metrics"] if path.exists() else {}
    print()
    print_table(metrics, baseline)
    now = datetime.now(UTC)
    doc = {
        "timestamp": now.isoformat(timespec="seconds"),
        **facts,
        "loadavg_end": os.getloadavg(),
        "metrics": metrics_doc(metrics),
    }
    save_run(name, doc, now, save_baseline)


def timed(fn: Any) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@contextlib.contextmanager
def bench_database(server: str) -> Iterator[str]:
    """A new, empty database on the server of `server` (a URL to any database there, used
    to create and drop it); yields its URL. Dropped on the way out, whatever happened."""
    name = f"wangge_bench_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(server)
    info["dbname"] = name
    url = "postgresql://{user}@{host}:{port}/{dbname}".format(
        user=info.get("user", "postgres"),
        host=info.get("host", "127.0.0.1"),
        port=info.get("port", 5432),
        dbname=name,
    )
    if info.get("password"):
        url = url.replace("@", f":{info['password']}@", 1)
    try:
        yield url
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str, data_dir: Path) -> None:
    """Point the settings at the bench database and a temporary data folder, then set up."""
    os.environ["WANGGE_DATABASE_URL"] = url
    os.environ["WANGGE_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    for name in ("WANGGE_DEBUG", "WANGGE_TASKS_IMMEDIATE", "WANGGE_REDIS_URL"):
        os.environ.pop(name, None)  # production-like: no debug cursor, a real (idle) queue
    sys.path.insert(0, str(ROOT))  # for tests.events.factories
    import django

    django.setup()


def open_django(stack: contextlib.ExitStack, tmp: str, *, sqlite: bool, server: str | None) -> None:
    """Django set up on a temporary SQLite database, or on a benchmark database of its own on
    the PostgreSQL server (dropped when `stack` closes), migrated."""
    if sqlite:
        os.environ.pop("WANGGE_DATABASE_URL", None)
        os.environ["WANGGE_DATA_DIR"] = tmp
        os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
        import django

        django.setup()
    else:
        url = stack.enter_context(bench_database(server or DEFAULT_SERVER))
        setup_django(url, Path(tmp))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
