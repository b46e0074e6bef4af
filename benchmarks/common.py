"""What both benchmarks share: machine-noise figures and the printed table with its
baseline column."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


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
