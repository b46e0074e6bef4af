"""Rollups refilled from the facts: day rows per level, then month rows from the days.

A refill deletes the buckets of the given days (and their months) and regroups them, in the
caller's transaction: the buckets are never seen half-filled.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from wangge.regions import levels
from wangge.stats.models import MAX_LEVELS, MEASURES, Dimension, EventFact, Rollup

# Each dimension's key, as text, from a fact row.
KEY_SQL = {
    Dimension.ALL: "''",
    Dimension.CATEGORY: "CAST(category_class_id AS VARCHAR(20))",
    Dimension.CHANNEL: "channel",
    Dimension.DEPARTMENT: "CAST(COALESCE(department_id, 0) AS VARCHAR(20))",
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _columns() -> str:
    return ", ".join(["period", "level", "area_id", "day", "dimension", "key", *MEASURES])


def rolled_levels() -> int:
    """Levels 1 … this have rollups; deeper ones are read from the facts."""
    return min(levels.depth(), MAX_LEVELS, int(settings.WANGGE_STATS_ROLLUP_LEVELS))


def _in(values: list[date]) -> tuple[str, list[Any]]:
    adapt = connection.ops.adapt_datefield_value
    return ", ".join(["%s"] * len(values)), [adapt(v) for v in values]


def refill(days: Iterable[date] | None = None) -> None:
    """Regroup the day rollups of `days` (None: every day) and the month rollups of their
    months."""
    fact, rollup = EventFact._meta.db_table, Rollup._meta.db_table
    day_list = None if days is None else sorted(set(days))
    if day_list == []:
        return
    depth = rolled_levels()
    sums = ", ".join(f"SUM(CASE WHEN {m} THEN 1 ELSE 0 END)" for m in MEASURES)
    with connection.cursor() as cursor:
        marks, params = "", list[Any]()
        if day_list is None:
            cursor.execute(f"DELETE FROM {rollup}")
        else:
            marks, params = _in(day_list)
            cursor.execute(f"DELETE FROM {rollup} WHERE period = 'd' AND day IN ({marks})", params)
        # One SELECT per level and dimension, over the facts of the days (read once into a
        # materialized CTE: an incremental step's few days, not the whole table each time).
        source = fact if day_list is None else "f"
        selects = [
            f"SELECT 'd', {n}, area_{n}, day, '{dimension}', {key}, {sums} FROM {source}"
            f" WHERE area_{n} IS NOT NULL GROUP BY area_{n}, day"
            + ("" if dimension == Dimension.ALL else f", {key}")
            for n in range(1, depth + 1)
            for dimension, key in KEY_SQL.items()
        ]
        if day_list is None:
            for select in selects:
                cursor.execute(f"INSERT INTO {rollup} ({_columns()}) {select}")
        elif selects:
            cursor.execute(
                f"INSERT INTO {rollup} ({_columns()})"
                f" WITH f AS MATERIALIZED (SELECT * FROM {fact} WHERE day IN ({marks}))"
                f" {' UNION ALL '.join(selects)}",
                params,
            )
        if day_list is None:
            cursor.execute(f"SELECT MIN(day), MAX(day) FROM {rollup} WHERE period = 'd'")
            first, last = cursor.fetchone()
            if first is None:
                return
            months = _months_between(_as_date(first), _as_date(last))
        else:
            months = sorted({month_start(d) for d in day_list})
        month_sums = ", ".join(f"SUM({m})" for m in MEASURES)
        adapt = connection.ops.adapt_datefield_value
        for month in months:
            bounds = [adapt(month), adapt(next_month(month))]
            if day_list is not None:
                cursor.execute(
                    f"DELETE FROM {rollup} WHERE period = 'm' AND day = %s", [adapt(month)]
                )
            cursor.execute(
                f"INSERT INTO {rollup} ({_columns()})"
                f" SELECT 'm', level, area_id, %s, dimension, key, {month_sums}"
                f" FROM {rollup} WHERE period = 'd' AND day >= %s AND day < %s"
                f" GROUP BY level, area_id, dimension, key",
                [adapt(month), *bounds],
            )


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


ROLLUP_COLUMNS = ("period", "level", "area_id", "day", "dimension", "key", *MEASURES)
