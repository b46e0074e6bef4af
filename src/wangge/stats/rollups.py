"""Rollups refilled from the facts: day rows per level, then month rows from the days.

A refill deletes the buckets of the given days (and their months) and regroups them, in the
caller's transaction: the buckets are never seen half-filled.
"""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from wangge.regions import levels
from wangge.stats.models import MAX_LEVELS, MEASURES, Dimension, EventFact, Period, Rollup

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
    return ", ".join(["period", "level", "area_id", "day", "dimension", "key", "facts", *MEASURES])


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
            f"SELECT 'd', {n}, area_{n}, day, '{dimension}', {key}, COUNT(*), {sums} FROM {source}"
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
        month_sums = ", ".join(f"SUM({m})" for m in ("facts", *MEASURES))
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


ROLLUP_COLUMNS = ("period", "level", "area_id", "day", "dimension", "key", "facts", *MEASURES)
BUCKET = ("period", "level", "area_id", "day", "dimension", "key")
FACT_READ = (
    "day",
    "category_class_id",
    "channel",
    "department_id",
    *(f"area_{n}" for n in range(1, MAX_LEVELS + 1)),
    *MEASURES,
)


def _buckets(fact: dict[str, Any], depth: int) -> Iterator[tuple[Any, ...]]:
    """The day and month buckets a fact is counted in, at each rolled-up level."""
    day = fact["day"]
    month = month_start(day)
    keys = (
        (Dimension.ALL.value, ""),
        (Dimension.CATEGORY.value, str(fact["category_class_id"])),
        (Dimension.CHANNEL.value, fact["channel"]),
        (Dimension.DEPARTMENT.value, str(fact["department_id"] or 0)),
    )
    for n in range(1, depth + 1):
        area = fact[f"area_{n}"]
        if area is None:
            continue
        for dimension, key in keys:
            yield (Period.DAY.value, n, area, day, dimension, key)
            yield (Period.MONTH.value, n, area, month, dimension, key)


def difference(
    old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]
) -> dict[tuple[Any, ...], list[int]]:
    """What changing facts `old` into `new` adds to each bucket: [facts, *MEASURES] (buckets
    left unchanged are left out)."""
    depth = rolled_levels()
    width = 1 + len(MEASURES)
    delta: dict[tuple[Any, ...], list[int]] = {}
    for sign, facts in ((-1, old), (1, new)):
        for fact in facts:
            on = [0] + [i + 1 for i, m in enumerate(MEASURES) if fact[m]]
            for bucket in _buckets(fact, depth):
                counts = delta.get(bucket)
                if counts is None:
                    counts = delta[bucket] = [0] * width
                for i in on:
                    counts[i] += sign
    return {bucket: counts for bucket, counts in delta.items() if any(counts)}


def apply(delta: dict[tuple[Any, ...], list[int]]) -> None:
    """Add the differences to their buckets (a new bucket is inserted) and drop the buckets no
    fact is left in: only the buckets the changed facts were or are in are touched."""
    if not delta:
        return
    table = Rollup._meta.db_table
    quote = connection.ops.quote_name
    counted = ("facts", *MEASURES)
    columns = ", ".join(quote(c) for c in (*BUCKET, *counted))
    conflict = ", ".join(quote(c) for c in BUCKET)
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counted)
    marks = ", ".join(["%s"] * (len(BUCKET) + len(counted)))
    adapt = connection.ops.adapt_datefield_value
    rows = [
        [period, level, area, adapt(day), dimension, key, *counts]
        for (period, level, area, day, dimension, key), counts in delta.items()
    ]
    emptied = [row[: len(BUCKET)] for row in rows if row[len(BUCKET)] < 0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a scratch table, then one upsert and one delete: a statement with
            # thousands of parameters costs more to prepare than to run.
            cursor.execute("DROP TABLE IF EXISTS stats_delta")
            cursor.execute(
                f"CREATE TEMP TABLE stats_delta ON COMMIT DROP AS SELECT {columns}"
                f" FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY stats_delta ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM stats_delta"
                f" ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
            )
            if emptied:
                same = " AND ".join(f"r.{quote(c)} = d.{quote(c)}" for c in BUCKET)
                cursor.execute(
                    f"DELETE FROM {table} r USING stats_delta d"
                    f" WHERE d.facts < 0 AND r.facts = 0 AND {same}"
                )
            cursor.execute("DROP TABLE stats_delta")
            return
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            f" ON CONFLICT ({conflict}) DO UPDATE SET {sets}",
            rows,
        )
        where = " AND ".join(f"{quote(c)} = %s" for c in BUCKET)
        cursor.executemany(f"DELETE FROM {table} WHERE facts = 0 AND {where}", emptied)
