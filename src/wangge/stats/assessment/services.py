"""Runs of schemes over the stats facts: compute, recompute, publish, manual items, rankings.

The facts of a period are those reported in it (EventFact.day). A run's results keep the ids
of the events behind every number, so each lost point can be shown with its cases.
"""

import contextlib
import functools
import gc
import json
import logging
import re
from calendar import monthrange
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Min, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.accounts.models import Post
from wangge.accounts.scope import visible_paths
from wangge.errors import DomainError
from wangge.events.models import Department, Notification, OrderRole, WorkOrder
from wangge.notices import activities
from wangge.regions.models import Area
from wangge.stats.assessment import due, scoring, workers
from wangge.stats.assessment.models import (
    Bulletin,
    BulletinKind,
    Indicator,
    ManualItem,
    Result,
    Run,
    RunStatus,
    Scheme,
    Source,
    TargetType,
)
from wangge.stats.models import FLAGS, MAX_LEVELS, ORDER_FLAGS, RUN_FLAGS, EventFact

# The flags an area's or a department's scheme may use: the facts' and the run's own.
FACT_RUN_FLAGS = FLAGS + RUN_FLAGS
# Flags of the rows a run reads from the work orders (one row per lead order).
ORDER_ROW_FLAGS = ("ordered", *ORDER_FLAGS)
# Flags of 应结案 (`due`), worked out over the period.
DUE_FLAGS = ("due", "due_closed")

logger = logging.getLogger(__name__)


def invalid(message: str, field: str) -> DomainError:
    return DomainError.one(message, field=field, status=422)


def require(user: Actor, perm: str) -> None:
    """Computing, publishing and manual items are the assessors' (Django permissions)."""
    if not user.has_perm(perm):
        raise DomainError.one(_("You are not an assessor."), field="", code="forbidden", status=403)


def check_flags(flags: Any, field: str, allowed: tuple[str, ...] = FACT_RUN_FLAGS) -> list[str]:
    """A list of flags, each one of those the target type's rows have ("!flag": false)."""
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise invalid(_("%(f)s must be a list of flags.") % {"f": field}, field=field)
    for f in flags:
        if f.lstrip("!") not in allowed:
            raise invalid(_("%(f)s: unknown fact flag %(x)s.") % {"f": field, "x": f}, field=field)
    return flags


def period_bounds(period: str) -> tuple[date, date]:
    """ "2026-11" (a month), "2026-Q4" (a quarter) or "2026" (a year) → first and last day."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4]))?", period or "")
    if not m:
        raise invalid(
            _("Period %(p)s: expected YYYY-MM, YYYY-Qn or YYYY.") % {"p": period}, field="period"
        )
    year = int(m[1])
    if m[2]:
        month = int(m[2])
        if not 1 <= month <= 12:
            raise invalid(_("Period %(p)s: no such month.") % {"p": period}, field="period")
        first, last = month, month
    elif m[3]:
        first = (int(m[3]) - 1) * 3 + 1
        last = first + 2
    else:
        first, last = 1, 12
    return date(year, first, 1), date(year, last, monthrange(year, last)[1])


def previous_period(period: str) -> str:
    """The period of the same kind just before: 2026-01 → 2025-12, 2026-Q1 → 2025-Q4."""
    first, _last = period_bounds(period)
    if "-Q" in period:
        q = (first.month - 1) // 3
        return f"{first.year - 1}-Q4" if q == 0 else f"{first.year}-Q{q}"
    if "-" in period:
        return f"{first.year - 1}-12" if first.month == 1 else f"{first.year}-{first.month - 1:02d}"
    return str(first.year - 1)


def scheme_for(code: str, day: date) -> Scheme:
    """The version of a scheme that applies on a day."""
    scheme = Scheme.objects.filter(code=code, valid_from__lte=day).order_by("-valid_from").first()
    if scheme is None:
        raise invalid(
            _("No version of scheme %(c)s applies on %(d)s.") % {"c": code, "d": day},
            field="scheme",
        )
    return scheme


def snapshot(scheme: Scheme) -> dict[str, Any]:
    """The scheme as plain data: what a run computes with and keeps."""
    allowed = workers.WORKER_FLAGS if scheme.target_type == TargetType.WORKER else FACT_RUN_FLAGS
    items = []
    for it in scheme.items.select_related("indicator"):
        ind: Indicator = it.indicator
        items.append(
            {
                "code": ind.code,
                "name": ind.name,
                "source": ind.source,
                "ratio": ind.ratio and ind.source == Source.FACTS,
                "numerator": check_flags(ind.numerator, f"{ind.code}.numerator", allowed),
                "denominator": check_flags(ind.denominator, f"{ind.code}.denominator", allowed),
                "higher_is_better": ind.higher_is_better,
                "unit": ind.unit,
                "weight": str(it.weight),
                "floor": str(it.floor),
                "target": str(it.target),
                "bands": it.bands,
            }
        )
    adjustments = [
        {
            "name": a.name,
            "flags": check_flags(a.flags, a.name, allowed),
            "points": str(a.points),
            "cap": str(a.cap),
        }
        for a in scheme.adjustments.all()
    ]
    return {
        "id": scheme.pk,
        "code": scheme.code,
        "name": scheme.name,
        "target_type": scheme.target_type,
        "level": scheme.level,
        "valid_from": scheme.valid_from.isoformat(),
        "grades": scheme.grades or scoring.DEFAULT_GRADES,
        "items": items,
        "adjustments": adjustments,
    }


def _targets(
    snap: dict[str, Any], date_from: date, date_to: date
) -> tuple[str, list[tuple[int, str, str]]]:
    """The fact column naming a target, and the targets (id, code, name)."""
    if snap["target_type"] == TargetType.WORKER:
        return "", workers.targets(date_from, date_to, snap["level"])
    if snap["target_type"] == TargetType.DEPARTMENT:
        deps = Department.objects.order_by("code").values_list("id", "code", "name")
        return "department_id", list(deps)
    level = snap["level"]
    if not level or not 1 <= level <= MAX_LEVELS:
        raise invalid(
            _("An area scheme needs a level from 1 to %(n)d.") % {"n": MAX_LEVELS}, field="level"
        )
    areas = Area.objects.live().filter(level=level).order_by("code")
    return f"area_{level}", list(areas.values_list("id", "code", "name"))


def _flags_used(snap: dict[str, Any]) -> list[str]:
    used = {f.lstrip("!") for it in snap["items"] for f in it["numerator"] + it["denominator"]}
    used |= {f.lstrip("!") for a in snap["adjustments"] for f in a["flags"]}
    return sorted(used)


# An activity indicator's source → the count `activities.by_level` gives per area.
ACTIVITY_COUNTS = {
    Source.ACTIVITY_SESSIONS: "sessions",
    Source.ACTIVITY_PEOPLE: "people",
    Source.ACTIVITY_GRIDS: "grids",
}


# A target's rows grouped by their signature (the values of the flags the scheme uses):
# {signature: [ids]}. Whether a condition holds is worked out once per signature, not per row.
Groups = dict[tuple[Any, ...], list[Any]]


class Matcher:
    """Which signatures satisfy a condition (a list of flags), remembered."""

    def __init__(self, flags: list[str]) -> None:
        self.flags = flags
        # per condition (its flags as a tuple): signature → whether it holds
        self.memo: dict[tuple[str, ...], dict[tuple[Any, ...], bool]] = {}
        # id of a condition list → its tuple (the lists kept alive, so ids stay theirs)
        self.keys: dict[int, tuple[str, ...]] = {}
        self.held: list[list[str]] = []
        # (item, numerator, denominator) → (points, value, points, reason), for every target
        # of a run (adjustments: item −1, −2 …)
        self.scored: dict[tuple[int, int, int], tuple[Decimal, str | None, str, str | None]] = {}

    def ids(
        self,
        condition: list[str],
        groups: Groups,
        seen: dict[tuple[str, ...], list[Any]] | None = None,
    ) -> list[Any]:
        """The ids of the target's rows that satisfy the condition, in id order. `seen`: the
        target's lists so far, so conditions repeated across items (denominators) are worked
        out once per target and share one list."""
        key = self.keys.get(id(condition))
        if key is None:
            key = self.keys[id(condition)] = tuple(condition)
            self.held.append(condition)
        if seen is not None:
            got = seen.get(key)
            if got is not None:
                return got
        hits = self.memo.get(key)
        if hits is None:
            hits = self.memo[key] = {}
        matched = []
        for sig, ids in groups.items():
            hit = hits.get(sig)
            if hit is None:
                hit = scoring.matches(condition, dict(zip(self.flags, sig, strict=True)))
                hits[sig] = hit
            if hit:
                matched.append(ids)
        if not matched:
            out: list[Any] = []
        elif len(matched) == 1:
            out = list(matched[0])
        else:
            out = [x for ids in matched for x in ids]
            out.sort() if isinstance(out[0], int) else out.sort(key=_id_key)
        if seen is not None:
            seen[key] = out
        return out


def _id_key(x: Any) -> tuple[str, int]:
    """Event ids (int) and worker rows' references ("visit:12") in id order."""
    if isinstance(x, int):
        return "", x
    kind, _sep, pk = str(x).partition(":")
    return kind, int(pk) if pk.isdigit() else 0


def _score_target(
    snap: dict[str, Any],
    groups: Groups,
    manual: list[ManualItem],
    matcher: Matcher,
    held: dict[str, int] | None = None,
    formats: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """`held`: the target's activity counts (`activities.by_level`), for activity sources.

    An item's value, points and reason depend on its two counts only: they are worked out
    once per (item, numerator, denominator) for all the run's targets (`matcher.scored`)."""
    indicators = []
    lines: list[str] = []
    total = Decimal(0)
    scored = matcher.scored
    seen: dict[tuple[str, ...], list[Any]] = {}
    ratio_f, count_f, adjusted_f = formats or _reason_formats(get_language())
    for k, it in enumerate(snap["items"]):
        source = it.get("source", Source.FACTS)
        if source in ACTIVITY_COUNTS:
            count = (held or {}).get(ACTIVITY_COUNTS[source], 0)
            num, den = [], []
        else:
            num = matcher.ids(it["numerator"], groups, seen)
            den = matcher.ids(it["denominator"], groups, seen)
            count = len(num)
        key = (k, count, len(den))
        got = scored.get(key)
        if got is None:
            got = scored[key] = _item_points(it, source, count, len(den), ratio_f, count_f)
        points, value, points_s, line = got
        total += points
        if line is not None:
            lines.append(line)
        indicators.append(
            {
                "code": it["code"],
                "name": it["name"],
                "unit": it["unit"],
                "numerator": count,
                "denominator": len(den) if it["ratio"] else None,
                "value": value,
                "weight": it["weight"],
                "points": points_s,
                "numerator_events": num,
                "denominator_events": den if it["ratio"] else [],
            }
        )
    adjustments = []
    for j, a in enumerate(snap["adjustments"]):
        ids = matcher.ids(a["flags"], groups, seen)
        key = (-1 - j, len(ids), 0)
        got = scored.get(key)
        if got is None:
            points = scoring.adjustment_points(len(ids), Decimal(a["points"]), Decimal(a["cap"]))
            points_s = str(points)
            line = adjusted_f % {"n": a["name"], "c": len(ids), "p": points_s} if points else None
            got = scored[key] = (points, None, points_s, line)
        points, _v, points_s, line = got
        total += points
        if line is not None:
            lines.append(line)
        adjustments.append(
            {"name": a["name"], "count": len(ids), "points": points_s, "events": ids}
        )
    manual_rows = []
    for m in manual:
        total += m.points
        manual_rows.append(
            {
                "points": str(m.points),
                "reason": m.reason,
                "assessor": m.assessor.get_username(),
                "at": m.created_at.isoformat(),
            }
        )
    if manual_rows:
        lines.extend(reasons([], [], manual_rows, formats))
    score = scoring.q(max(Decimal(0), total))
    return {
        "score": score,
        "grade": scoring.grade(score, snap["grades"]),
        "detail": {
            "indicators": indicators,
            "adjustments": adjustments,
            "manual": manual_rows,
            "reasons": lines,
        },
    }


def _item_points(
    it: dict[str, Any], source: str, count: int, den: int, ratio_f: str, count_f: str
) -> tuple[Decimal, str | None, str, str | None]:
    """An item's points, value (text), points (text) and reason (None: no point lost)."""
    v = scoring.value(count, den, it["ratio"] and source not in ACTIVITY_COUNTS)
    points = scoring.q(Decimal(it["weight"]) * scoring.share(it, v))
    lost = Decimal(it["weight"]) - points
    line = None
    if lost > 0:
        if it["ratio"]:
            line = ratio_f % {"n": it["name"], "a": count, "b": den, "p": lost}
        else:
            line = count_f % {"n": it["name"], "a": count, "p": lost}
    return points, None if v is None else str(v), str(points), line


@functools.lru_cache(maxsize=8)
def _reason_formats(language: str | None) -> tuple[str, str, str]:
    """The reasons' formats in a language, translated once (a run words 100,000s of them)."""
    return (
        _("%(n)s: %(a)s of %(b)s cases, %(p)s points lost"),
        _("%(n)s: %(a)s, %(p)s points lost"),
        _("%(n)s: %(c)s cases, %(p)s points"),
    )


def reasons(
    indicators: list[dict[str, Any]],
    adjustments: list[dict[str, Any]],
    manual: list[dict[str, Any]],
    formats: tuple[str, str, str] | None = None,
) -> list[str]:
    """Every lost (or won) point in words: "按期处置率: 7 件中 6 件, 丢 2.50 分"."""
    out = []
    ratio, count, adjusted = formats or _reason_formats(get_language())
    for i in indicators:
        lost = Decimal(i["weight"]) - Decimal(i["points"])
        if lost > 0:
            if i["denominator"] is not None:
                out.append(
                    ratio % {"n": i["name"], "a": i["numerator"], "b": i["denominator"], "p": lost}
                )
            else:
                out.append(count % {"n": i["name"], "a": i["numerator"], "p": lost})
    for a in adjustments:
        if Decimal(a["points"]) != 0:
            out.append(adjusted % {"n": a["name"], "c": a["count"], "p": a["points"]})
    for m in manual:
        out.append(
            _("%(r)s (%(u)s): %(p)s points")
            % {"r": m["reason"], "u": m["assessor"], "p": m["points"]}
        )
    return out


_RESULT_COLUMNS = (
    "run_id",
    "target_id",
    "target_code",
    "target_name",
    "score",
    "grade",
    "rank",
    "detail",
)


def write_results(rows: list[dict[str, Any]]) -> None:
    """Insert results: COPY on PostgreSQL (bulk_create quotes each detail's long id lists
    into an array literal, most of a run's time), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Result.objects.bulk_create([Result(**row) for row in rows], batch_size=1000)
        return
    table = Result._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in _RESULT_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        texts: dict[int, str] = {}  # a detail shared by several results, encoded once
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                detail = row["detail"]
                text = texts.get(id(detail))
                if text is None:
                    text = texts[id(detail)] = json.dumps(detail, ensure_ascii=False)
                copy.write_row([text if c == "detail" else row[c] for c in _RESULT_COLUMNS])


def score_all(
    snap: dict[str, Any],
    date_from: date,
    date_to: date,
    manual: dict[int, list[ManualItem]] | None = None,
) -> tuple[list[tuple[int, str, str, dict[str, Any]]], list[int]]:
    """Every target's score under a scheme snapshot over the period, and their ranks."""
    column, targets = _targets(snap, date_from, date_to)
    flags = _flags_used(snap)
    by_target: dict[int, Groups] = defaultdict(lambda: defaultdict(list))
    if snap["target_type"] == TargetType.WORKER:
        for tid, rows in workers.rows(date_from, date_to, snap["level"]).items():
            for r in rows:
                by_target[tid][tuple(r[f] for f in flags)].append(r["event_id"])
    else:
        _fact_rows(by_target, snap, column, flags, date_from, date_to)
    manual = manual or {}
    held: dict[str, dict[str, int]] = {}
    if snap["target_type"] == TargetType.AREA and any(
        it.get("source", Source.FACTS) in ACTIVITY_COUNTS for it in snap["items"]
    ):
        held = activities.by_level(snap["level"], date_from, date_to)
    matcher = Matcher(flags)
    formats = _reason_formats(get_language())
    empty: Groups = {}
    # targets with no rows, no manual items and no activity score alike (most workers in
    # a month): one result, shared (and written as one JSON text)
    blank: dict[str, Any] | None = None
    scored = []
    for tid, code, name in targets:
        groups, mine, counts = by_target.get(tid), manual.get(tid), held.get(code)
        if groups is None and not mine and counts is None:
            if blank is None:
                blank = _score_target(snap, empty, [], matcher, None, formats)
            scored.append((tid, code, name, blank))
            continue
        s = _score_target(snap, groups or empty, mine or [], matcher, counts, formats)
        scored.append((tid, code, name, s))
    return scored, scoring.ranks([s["score"] for *_, s in scored])


def _fact_rows(
    by_target: dict[int, Groups],
    snap: dict[str, Any],
    column: str,
    flags: list[str],
    date_from: date,
    date_to: date,
) -> None:
    """An area's or a department's rows, grouped by signature (the values of `flags`):

    * a row per fact reported in the period (its flags; the order flags false);
    * when the scheme counts 应结案 (`due`, `due_closed`): the facts due in the period
      (see `due`) reported outside it too, with only those two flags;
    * when it counts signing (`ordered`, `signed`, `signed_on_time`): a row per lead work
      order of the period's events, for the department that received it (an event returned
      and dispatched again gives each department its own order), with only those flags.

    On PostgreSQL the database groups the rows (one statement: a group's event ids come back
    as one sorted array); elsewhere they are grouped here.
    """
    parts: list[tuple[str, Any]] = list(_fact_queries(column, flags, date_from, date_to))
    if any(f in ORDER_ROW_FLAGS for f in flags):
        parts.append(_order_query(snap, column, flags, date_from, date_to))
    sigs = "".join(f", s{i}" for i in range(len(flags)))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JIT compiles this one-off statement for seconds longer than it runs
            cursor.execute("SET LOCAL jit = off")
            union = " UNION ALL ".join(f"({sql})" for sql, _p in parts)
            cursor.execute(
                f"SELECT t, array_agg(e ORDER BY e){sigs} FROM ({union}) r GROUP BY t{sigs}",
                [p for _sql, ps in parts for p in ps],
            )
            for target, ids, *sig in cursor.fetchall():
                by_target[target][tuple(sig)] = ids
            return
        for sql, ps in parts:
            cursor.execute(sql, ps)
            while chunk := cursor.fetchmany(5000):
                for target, event_id, *sig in chunk:
                    by_target[target][tuple(bool(x) for x in sig)].append(event_id)
    for groups in by_target.values():
        for ids in groups.values():
            ids.sort()


def _fact_queries(
    column: str, flags: list[str], date_from: date, date_to: date
) -> list[tuple[str, tuple[Any, ...]]]:
    """SQL of the fact rows: target `t`, event `e`, then `s0` … one per flag.

    With 应结案 these are disjoint parts, each read through an index rather than one OR over
    all facts (which PostgreSQL answers with a scan of every fact): the facts reported in the
    period; and, reported outside it, those due in it, those due earlier and still open (the
    partial index on open cases' deadlines) and those due earlier and closed since its start.
    """
    want_due = any(f in DUE_FLAGS for f in flags)
    in_period = Q(day__gte=date_from, day__lte=date_to)
    base = EventFact.objects.filter(**{f"{column}__isnull": False}).order_by()
    if not want_due:
        return [_fact_part(base.filter(in_period), column, flags, {})]
    start, end = due.bounds(date_from, date_to)
    owed = due.due_q(date_from, date_to)
    closed = due.closed_q(date_to)
    outside = base.filter(~in_period).exclude(status="merged")
    earlier = Q(handle_deadline__lt=start)
    return [
        _fact_part(
            base.filter(in_period), column, flags, {"due": owed, "due_closed": owed & closed}
        ),
        _fact_part(
            outside.filter(handle_deadline__gte=start, handle_deadline__lt=end),
            column,
            flags,
            {"due": True, "due_closed": closed},
            outside=True,
        ),
        _fact_part(
            outside.filter(earlier, closed_at__isnull=True),
            column,
            flags,
            {"due": True, "due_closed": False},
            outside=True,
        ),
        _fact_part(
            outside.filter(earlier, closed_at__gte=start),
            column,
            flags,
            {"due": True, "due_closed": closed},
            outside=True,
        ),
    ]


def _fact_part(
    facts: Any,
    column: str,
    flags: list[str],
    due_exprs: dict[str, Any],
    outside: bool = False,
) -> tuple[str, tuple[Any, ...]]:
    """One part's SQL: the facts' own flags (false for facts reported outside the period),
    the order flags false, 应结案's flags from `due_exprs` (a condition or a constant)."""
    columns: dict[str, Any] = {"t": F(column), "e": F("event_id")}
    for i, f in enumerate(flags):
        if f in DUE_FLAGS:
            expr: Any = due_exprs.get(f, False)
        elif f in ORDER_ROW_FLAGS or outside:
            expr = False
        else:
            expr = F(f)
        if isinstance(expr, bool):
            expr = Value(expr, output_field=BooleanField())
        elif isinstance(expr, Q):
            expr = ExpressionWrapper(expr, output_field=BooleanField())
        columns[f"s{i}"] = expr
    qs = facts.annotate(**columns).values_list(*columns)
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _order_query(
    snap: dict[str, Any],
    column: str,
    flags: list[str],
    date_from: date,
    date_to: date,
) -> tuple[str, list[Any]]:
    """SQL of a row per lead work order of the period's events, for the department that
    received it (area schemes: the event's area): `t`, `e`, `s0` … as `_fact_queries`."""
    order, fact = WorkOrder._meta.db_table, EventFact._meta.db_table
    qn = connection.ops.quote_name
    target = (
        "o.department_id" if snap["target_type"] == TargetType.DEPARTMENT else f"f.{qn(column)}"
    )
    signed = "o.signed_at IS NOT NULL"
    on_time = f"{signed} AND (o.sign_deadline IS NULL OR o.signed_at <= o.sign_deadline)"
    exprs = {"ordered": "1 = 1", "signed": signed, "signed_on_time": on_time}
    sigs = ", ".join(
        f"CASE WHEN {exprs[f]} THEN 1 = 1 ELSE 1 = 0 END AS s{i}"
        if f in exprs
        else f"1 = 0 AS s{i}"
        for i, f in enumerate(flags)
    )
    sql = f"""
        SELECT {target} AS t, o.event_id AS e{", " if flags else ""}{sigs}
        FROM {order} o JOIN {fact} f ON f.event_id = o.event_id
        WHERE o.role = %s AND f.day >= %s AND f.day <= %s AND f.status <> 'merged'
          AND {target} IS NOT NULL"""
    adapt = connection.ops.adapt_datefield_value
    return sql, [OrderRole.LEAD, adapt(date_from), adapt(date_to)]


@contextlib.contextmanager
def _gc_paused() -> Any:
    """The cyclic garbage collector off for a while: a run makes millions of small lists
    and dicts (a result per target) and none of them in cycles, yet each of the collector's
    passes over them took longer as they grew (a third of a 100,000-target run)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@transaction.atomic
def compute(run: Run, now: Any = None) -> Run:
    """(Re)compute a draft run from the facts with the scheme as it is now."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.PUBLISHED:
        raise DomainError.one(
            _("Run %(s)s %(p)s is published: its results are frozen.")
            % {"s": run.scheme.code, "p": run.period},
            field="period",
            code="conflict",
            status=409,
        )
    snap = snapshot(run.scheme)
    manual: dict[int, list[ManualItem]] = defaultdict(list)
    for m in run.manual_items.select_related("assessor"):
        manual[m.target_id].append(m)
    with _gc_paused():
        scored, ranks = score_all(snap, run.date_from, run.date_to, manual)
        run.results.all().delete()
        write_results(
            [
                {
                    "run_id": run.pk,
                    "target_id": tid,
                    "target_code": code,
                    "target_name": name,
                    "score": s["score"],
                    "grade": s["grade"],
                    "rank": rank,
                    "detail": s["detail"],
                }
                for (tid, code, name, s), rank in zip(scored, ranks, strict=True)
            ]
        )
        del scored
    run.snapshot = snap
    run.computed_at = now or timezone.now()
    run.save(update_fields=["snapshot", "computed_at"])
    return run


def run_period(code: str, period: str, *, publish: bool = False, now: Any = None) -> Run:
    """Compute (or recompute) a scheme's run for a period; publish it when asked."""
    date_from, date_to = period_bounds(period)
    scheme = scheme_for(code, date_from)
    with transaction.atomic():
        run, _created = Run.objects.get_or_create(
            scheme__code=code,
            period=period,
            defaults={"scheme": scheme, "date_from": date_from, "date_to": date_to},
        )
        if run.status == RunStatus.DRAFT and run.scheme_id != scheme.pk:
            run.scheme = scheme  # a version added since the draft was computed
            run.save(update_fields=["scheme"])
    if run.status == RunStatus.DRAFT:
        run = compute(run, now=now)
    if publish:
        run = publish_run(run, now=now)
    return run


def run_all(period: str, *, publish: bool = False, now: Any = None) -> list[Run]:
    """Every scheme with a version that applies to the period."""
    date_from, _to = period_bounds(period)
    codes = (
        Scheme.objects.filter(valid_from__lte=date_from)
        .order_by("code")
        .values_list("code", flat=True)
        .distinct()
    )
    return [run_period(c, period, publish=publish, now=now) for c in codes]


@transaction.atomic
def publish_run(run: Run, now: Any = None) -> Run:
    """Freeze a run and tell the assessed in their inbox (once: publishing again is a no-op)."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.PUBLISHED:
        run.status = RunStatus.PUBLISHED
        run.published_at = now or timezone.now()
        run.save(update_fields=["status", "published_at"])
        notify_assessed(run)
        update_bulletin_scores(run.period)
    return run


def published_scores(area: Area, period: str) -> list[dict[str, Any]]:
    """The published results of the month's runs for targets under the area (departments'
    runs in a top-level area's bulletin), with ranks and reasons."""
    out = []
    runs = Run.objects.filter(period=period, status=RunStatus.PUBLISHED).select_related("scheme")
    for run in runs.order_by("scheme__code"):
        results = Result.objects.filter(run=run)
        if run.snapshot.get("target_type") == TargetType.DEPARTMENT:
            if area.parent_id is not None:
                continue
        else:
            under = Area.objects.filter(path__startswith=area.path).values("id")
            results = results.filter(target_id__in=under)
        items = [
            {
                "rank": r.rank,
                "code": r.target_code,
                "name": r.target_name,
                "score": float(r.score),
                "grade": r.grade,
                "reasons": r.detail.get("reasons", []),
            }
            for r in results.order_by("rank", "target_code")
        ]
        if items:
            out.append({"scheme": run.scheme.code, "name": run.scheme.name, "results": items})
    return out


def update_bulletin_scores(period: str) -> int:
    """A run published after its month's bulletins were made: their scores follow (the
    figures stay as generated)."""
    changed = 0
    monthly = Bulletin.objects.filter(kind=BulletinKind.MONTHLY, period=period)
    for b in monthly.select_related("area"):
        b.data["scores"] = published_scores(b.area, period)
        b.save(update_fields=["data"])
        changed += 1
    return changed


def assessed_user_ids(run: Run) -> dict[int, list[int]]:
    """Per target, the active users assessed with it: the posts held at the area itself
    (its secretary, its grid workers), or the department's handlers."""
    targets = list(run.results.values_list("target_id", flat=True))
    out: dict[int, list[int]] = defaultdict(list)
    if run.snapshot.get("target_type") == TargetType.WORKER:
        active = set(
            Post.objects.filter(user_id__in=targets, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
        return {t: [t] for t in targets if t in active}
    if run.snapshot.get("target_type") == TargetType.DEPARTMENT:
        through = Department.handlers.through
        for dep_id, user_id in through.objects.filter(
            department_id__in=targets, user__is_active=True
        ).values_list("department_id", "user_id"):
            out[dep_id].append(user_id)
        return out
    today = timezone.localdate()
    posts = (
        Post.objects.filter(area_id__in=targets, started_on__lte=today, user__is_active=True)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .values_list("area_id", "user_id")
    )
    for area_id, user_id in posts:
        out[area_id].append(user_id)
    return out


def notify_assessed(run: Run) -> int:
    """An inbox row per assessed user, linking to their result."""
    results = dict(run.results.values_list("target_id", "score"))
    grades = dict(run.results.values_list("target_id", "grade"))
    rows = []
    for target_id, users in assessed_user_ids(run).items():
        text = _("%(s)s %(p)s published: %(score)s points, grade %(g)s") % {
            "s": run.scheme.name,
            "p": run.period,
            "score": results[target_id],
            "g": grades[target_id],
        }
        link = reverse("assessment:result", args=[run.pk, target_id])
        rows += [
            Notification(user_id=u, kind=Notification.Kind.ASSESSMENT, link=link, text=text[:300])
            for u in dict.fromkeys(users)
        ]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# -- the worker's schedule ---------------------------------------------------------------


def last_closed(kind: str, day: date) -> str:
    """The latest period of a kind (month, quarter, year) that ended before `day`."""
    if kind == "year":
        return str(day.year - 1)
    if kind == "quarter":
        q = (day.month - 1) // 3  # the current quarter's index; the one before closed
        return f"{day.year - 1}-Q4" if q == 0 else f"{day.year}-Q{q}"
    if kind == "month":
        return f"{day.year - 1}-12" if day.month == 1 else f"{day.year}-{day.month - 1:02d}"
    raise invalid(_("Unknown kind of period %(k)s.") % {"k": kind}, field="WANGGE_ASSESS_PERIODS")


def due_periods(now: Any = None) -> list[str]:
    """The periods whose runs are due: closed, and the wait for late call-backs over."""
    moment = (now or timezone.now()) - timedelta(hours=settings.WANGGE_ASSESS_WAIT_HOURS)
    day = timezone.localtime(moment).date()
    return [last_closed(kind, day) for kind in settings.WANGGE_ASSESS_PERIODS]


# A period's kind from its name (month, quarter, year).
PERIOD_PATTERNS = {
    "month": r"^[0-9]{4}-[0-9]{2}$",
    "quarter": r"^[0-9]{4}-Q[1-4]$",
    "year": r"^[0-9]{4}$",
}
LOOK_BACK = 400  # periods looked back at most for skipped ones


def _window(latest: str) -> list[str]:
    """The catch-up window ending with `latest`: WANGGE_ASSESS_CATCHUP_PERIODS periods of its
    kind, oldest first."""
    window = [latest]
    for _i in range(settings.WANGGE_ASSESS_CATCHUP_PERIODS - 1):
        window.append(previous_period(window[-1]))
    return window[::-1]


def catchup_periods(now: Any = None) -> list[str]:
    """The periods the worker runs (oldest first, per kind): the latest closed one whose wait
    is over and the WANGGE_ASSESS_CATCHUP_PERIODS − 1 before it."""
    return [p for latest in due_periods(now) for p in _window(latest)]


def skipped_periods(now: Any = None) -> list[str]:
    """Closed periods older than the catch-up window that have no run, since the first one
    that has (a worker down longer than the window skips them; nothing before the first run
    is missed), LOOK_BACK periods back at most: made by hand with `wangge assess run`."""
    out: list[str] = []
    first_valid = Scheme.objects.aggregate(m=Min("valid_from"))["m"]
    if first_valid is None:
        return out
    for kind, latest in zip(settings.WANGGE_ASSESS_PERIODS, due_periods(now), strict=True):
        candidates = []
        p = previous_period(_window(latest)[0])
        for _i in range(LOOK_BACK):
            candidates.append(p)
            p = previous_period(p)
        floor, _l = period_bounds(candidates[-1])
        start, _l = period_bounds(candidates[0])
        made = set(
            Run.objects.filter(
                period__regex=PERIOD_PATTERNS[kind], date_from__gte=floor, date_from__lte=start
            ).values_list("period", flat=True)
        )
        if not made:
            continue
        first_made = min(period_bounds(x)[0] for x in made)
        out += [
            c
            for c in reversed(candidates)
            if c not in made and period_bounds(c)[0] >= max(first_made, first_valid)
        ]
    return out


_warned: dict[str, tuple[Any, ...]] = {}


def warn_skipped(what: str, skipped: list[Any]) -> None:
    """Log the skipped periods once (again when they change), for the worker's log."""
    key = tuple(skipped)
    if skipped and _warned.get(what) != key:
        logger.warning(
            "assessment catch-up: %s older than WANGGE_ASSESS_CATCHUP_PERIODS=%s skipped: %s",
            what,
            settings.WANGGE_ASSESS_CATCHUP_PERIODS,
            ", ".join(str(x) for x in skipped),
        )
    _warned[what] = key


def run_due(now: Any = None) -> list[Run]:
    """The worker's step: compute each scheme's run of each due period once (a draft for the
    assessors to check and publish). A run that exists is left alone, so a tick fires once per
    period, and a worker that was down over the period's end catches up at its next tick, at
    most WANGGE_ASSESS_CATCHUP_PERIODS periods of each kind back (older ones skipped with a
    warning: a worker back after months does not stall on them)."""
    made = []
    warn_skipped("runs", skipped_periods(now))
    for period in catchup_periods(now):
        date_from, _to = period_bounds(period)
        codes = set(Scheme.objects.filter(valid_from__lte=date_from).values_list("code", flat=True))
        done = set(Run.objects.filter(period=period).values_list("scheme__code", flat=True))
        for code in sorted(codes - done):
            made.append(run_period(code, period, now=now))
    return made


def add_manual(
    run: Run, *, target_id: int, points: Any, reason: str, assessor: Any, now: Any = None
) -> ManualItem:
    """A manual item (上级督查) on a draft run; the run is recomputed with it."""
    if run.status == RunStatus.PUBLISHED:
        raise DomainError.one(
            _("Run %(p)s is published: its results are frozen.") % {"p": run.period},
            field="run",
            code="conflict",
            status=409,
        )
    if not (reason or "").strip():
        raise invalid(_("A manual item needs a reason."), field="reason")
    try:
        value = Decimal(str(points))
    except InvalidOperation:
        raise invalid(_("Points must be a number."), field="points") from None
    if not value.is_finite() or abs(value) > 100:
        raise invalid(_("Points must lie between -100 and 100."), field="points")
    if not run.results.filter(target_id=target_id).exists():
        raise invalid(
            _("Target %(t)s is not assessed in this run.") % {"t": target_id}, field="target_id"
        )
    with transaction.atomic():
        item = ManualItem.objects.create(
            run=run,
            target_id=target_id,
            points=value,
            reason=reason.strip(),
            assessor=assessor,
            created_at=now or timezone.now(),
        )
        compute(run, now=now)
    return item


def visible_target_ids(user: Actor, target_type: str, ids: list[int]) -> set[int] | None:
    """The targets among `ids` the user may see (None: all), as `visible_results` does."""
    paths = visible_paths(user)
    if paths is None:
        return None
    if target_type == TargetType.DEPARTMENT or not paths:
        return set()
    if target_type == TargetType.WORKER:
        return set(workers.visible_ids(paths, ids).values_list("user_id", flat=True))
    return set(
        Area.objects.filter(id__in=ids).filter(_path_any(paths)).values_list("id", flat=True)
    )


def visible_results(user: Actor, run: Run) -> Any:
    """The results a user may see: areas under their posts; departments for whole-tree views."""
    paths = visible_paths(user)
    results = run.results.all()
    if paths is None:
        return results
    if run.snapshot.get("target_type") == TargetType.DEPARTMENT or not paths:
        return results.none()
    if run.snapshot.get("target_type") == TargetType.WORKER:
        ids = workers.visible_ids(paths, results.values("target_id"))
        return results.filter(target_id__in=ids)
    ids = Area.objects.filter(
        id__in=results.values("target_id"),
    ).filter(_path_any(paths))
    return results.filter(target_id__in=ids.values("id"))


def _path_any(paths: list[str], field: str = "path") -> Any:
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def lists(results: list[Result], n: int) -> dict[str, list[Result]]:
    """Red list (the top n) and black list (the bottom n) of a ranking."""
    ordered = sorted(results, key=lambda r: (r.rank, r.target_code))
    return {"red": ordered[:n], "black": list(reversed(ordered[-n:])) if n else []}
