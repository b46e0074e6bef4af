"""When visits are due and to whom.

- A rule's period containing a day: `period_of(...)` (yearly, quarterly, monthly, ISO weeks,
  or every N days counted from the rule's anchor).
- `generate(on=day)` plans, in SQL over the whole jurisdiction, one task per household for
  the period of its strictest rule that contains the day, assigned to the nearest live post
  holder of the rule's role (falling back to the grid's full-time worker, then its leader),
  then reconciles with the open tasks of those periods: reassigns, drops what is no longer
  due, adds what is new. Running it again changes nothing.
"""

import calendar
import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.fieldwork import changes
from wangge.fieldwork.responsible import chunks, responsible_users
from wangge.fieldwork.visits.models import (
    Frequency,
    VisitRecord,
    VisitRule,
    VisitTask,
)
from wangge.people.models import (
    Household,
    Resident,
    ResidentTag,
)


# -- periods ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date  # inclusive: the due day


def period_of(
    frequency: str, day: dt.date, every_days: int | None = None, anchor: dt.date | None = None
) -> Period:
    """The period of this frequency that contains `day`."""
    if frequency == Frequency.YEARLY:
        return Period(f"{day.year}", dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    if frequency == Frequency.QUARTERLY:
        q = (day.month - 1) // 3
        start = dt.date(day.year, 3 * q + 1, 1)
        last_month = 3 * q + 3
        end = dt.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
        return Period(f"{day.year}-Q{q + 1}", start, end)
    if frequency == Frequency.MONTHLY:
        end = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        return Period(f"{day:%Y-%m}", day.replace(day=1), end)
    if frequency == Frequency.WEEKLY:
        year, week, weekday = day.isocalendar()
        start = day - dt.timedelta(days=weekday - 1)
        return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
    if frequency == Frequency.EVERY_N_DAYS:
        if not every_days or every_days < 1 or anchor is None:
            raise DomainError.one(_("Give the number of days."), field="every_days")
        k = (day - anchor).days // every_days  # floor: days before the anchor work too
        start = anchor + dt.timedelta(days=k * every_days)
        end = start + dt.timedelta(days=every_days - 1)
        return Period(f"D{every_days}-{start:%Y-%m-%d}", start, end)
    raise DomainError.one(_("Unknown frequency %(f)s.") % {"f": frequency}, field="frequency")


def rule_period(rule: VisitRule, day: dt.date) -> Period:
    return period_of(rule.frequency, day, rule.every_days, rule.anchor)


_NOMINAL_DAYS = {
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 31,
    Frequency.QUARTERLY: 92,
    Frequency.YEARLY: 366,
}


def strictness(rule: VisitRule) -> tuple[int, int, int]:
    """Sort key: the shortest period first (the strictest schedule wins)."""
    if rule.frequency == Frequency.EVERY_N_DAYS:
        days = rule.every_days or 1
    else:
        days = _NOMINAL_DAYS[Frequency(rule.frequency)]
    return (days, rule.order, rule.pk or 0)


# -- generation ------------------------------------------------------------------------------
@dataclass
class GenerateResult:
    on: dt.date
    planned: int = 0  # households with a task for the day's periods
    created: int = 0
    reassigned: int = 0
    dropped: int = 0
    already_visited: int = 0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["on"] = self.on.isoformat()
        return d


PLAN = "fw_visit_plan"


ASSIGN = "fw_visit_assignee"


GENERATE_LOCK = 0x57475649  # pg_advisory_xact_lock key of visit generation ("WGVI")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _match_sql(rule: VisitRule, day: Any) -> tuple[str, list[Any]]:
    """SQL condition on household `h` for the rule (and its parameters)."""
    if rule.all_households:
        return "1 = 1", []
    resident, tag = _q(Resident._meta.db_table), _q(ResidentTag._meta.db_table)
    ors, params = [], []
    kind_ids = [k.pk for k in rule.tag_kinds.all()]
    if kind_ids:
        ors.append(
            f"h.id IN (SELECT r.household_id FROM {resident} r JOIN {tag} t ON t.resident_id = r.id"
            f" WHERE r.status = 'living' AND r.household_id IS NOT NULL"
            f" AND t.kind_id IN ({', '.join(['%s'] * len(kind_ids))})"
            " AND t.valid_from <= %s AND (t.valid_to IS NULL OR t.valid_to > %s))"
        )
        params += [*kind_ids, day, day]
    if rule.residence_types:
        ors.append(
            f"h.id IN (SELECT r.household_id FROM {resident} r WHERE r.status = 'living'"
            f" AND r.household_id IS NOT NULL"
            f" AND r.residence_type IN ({', '.join(['%s'] * len(rule.residence_types))}))"
        )
        params += list(rule.residence_types)
    if not ors:
        return "1 = 0", []
    return "(" + " OR ".join(ors) + ")", params


def generate(*, on: dt.date | None = None) -> GenerateResult:
    """Plan and reconcile the visit tasks of the periods containing `on` (default today)."""
    day = on or timezone.localdate()
    result = GenerateResult(on=day)
    rules = sorted(
        VisitRule.objects.filter(active=True).prefetch_related("tag_kinds"), key=strictness
    )
    pg = connection.vendor == "postgresql"
    task, household = _q(VisitTask._meta.db_table), _q(Household._meta.db_table)
    record = _q(VisitRecord._meta.db_table)
    d = _date(day)
    with transaction.atomic(), connection.cursor() as cur:
        if pg:
            # One generation at a time (huey, API and CLI); released at commit.
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [GENERATE_LOCK])
        cur.execute(f"DROP TABLE IF EXISTS {PLAN}")
        cur.execute(f"DROP TABLE IF EXISTS {ASSIGN}")
        tail = " ON COMMIT DROP" if pg else ""
        cur.execute(
            f"CREATE TEMP TABLE {PLAN} (household_id bigint PRIMARY KEY, rule_id bigint NOT NULL,"
            " role varchar(20) NOT NULL, area_id bigint NOT NULL, assignee_id bigint,"
            " period varchar(24) NOT NULL, period_start date NOT NULL, due_on date NOT NULL)" + tail
        )
        cur.execute(
            f"CREATE TEMP TABLE {ASSIGN} (area_id bigint NOT NULL, role varchar(20) NOT NULL,"
            " user_id bigint NOT NULL, PRIMARY KEY (area_id, role))" + tail
        )
        try:
            # 1. The plan: each household under its strictest rule (rules strictest first).
            for rule in rules:
                period = rule_period(rule, day)
                cond, params = _match_sql(rule, d)
                cur.execute(
                    f"INSERT INTO {PLAN} (household_id, rule_id, role, area_id, period,"
                    " period_start, due_on)"
                    f" SELECT h.id, %s, %s, h.area_id, %s, %s, %s FROM {household} h"
                    f" WHERE h.dissolved_on IS NULL AND {cond}"
                    f" AND NOT EXISTS (SELECT 1 FROM {PLAN} p WHERE p.household_id = h.id)",
                    [
                        rule.pk,
                        rule.responsible_role,
                        period.key,
                        _date(period.start),
                        _date(period.end),
                        *params,
                    ],
                )
            # 2. Who: resolved once per micro-grid and role, not per household.
            cur.execute(f"SELECT DISTINCT area_id, role FROM {PLAN}")
            pairs = cur.fetchall()
            found = responsible_users([a for a, _r in pairs], [r for _a, r in pairs])
            rows = [(a, r, found[(a, r)]) for a, r in pairs if (a, r) in found]
            for chunk in chunks(rows, 2000):
                cur.executemany(
                    f"INSERT INTO {ASSIGN} (area_id, role, user_id) VALUES (%s, %s, %s)", chunk
                )
            cur.execute(
                f"UPDATE {PLAN} SET assignee_id = (SELECT a.user_id FROM {ASSIGN} a"
                f" WHERE a.area_id = {PLAN}.area_id AND a.role = {PLAN}.role)"
            )
            if pg:
                cur.execute(f"ANALYZE {PLAN}")
            cur.execute(f"SELECT COUNT(*) FROM {PLAN}")
            result.planned = cur.fetchone()[0]
            current = "t.status = 'open' AND t.period_start <= %s AND t.due_on >= %s"
            unplanned = (
                f"NOT EXISTS (SELECT 1 FROM {PLAN} p WHERE p.household_id = t.household_id"
                " AND p.period = t.period)"
            )
            # 3. Drop open tasks of these periods that the plan no longer has. The status
            #    test on the target row is re-checked by PostgreSQL after a concurrent visit.
            changes.visit_tasks_sql(cur, f"{task} t", f"{current} AND {unplanned}", [d, d])
            cur.execute(
                f"DELETE FROM {task} WHERE status = 'open'"
                f" AND id IN (SELECT t.id FROM {task} t WHERE {current} AND {unplanned})",
                [d, d],
            )
            result.dropped = cur.rowcount
            # A task moving with its household leaves one grid's buckets for another's.
            moved_from = (
                f"SELECT {{}}, t.period_start, t.due_on FROM {task} t JOIN {PLAN} p"
                " ON p.household_id = t.household_id"
                " WHERE t.status = 'open' AND t.area_id <> p.area_id"
            )
            both = f"{moved_from.format('t.area_id')} UNION ALL {moved_from.format('p.area_id')}"
            changes.visit_tasks_sql(cur, f"({both}) m", "1 = 1", [])
            # 4. Follow moves and post changes, for every open task (an overdue task of
            #    an earlier period too): its area and assignee follow the household's grid.
            cur.execute(
                f"UPDATE {task} AS t SET area_id = p.area_id,"
                f" assignee_id = p.assignee_id FROM {PLAN} p"
                " WHERE p.household_id = t.household_id AND t.status = 'open'"
                " AND (t.area_id <> p.area_id"
                " OR t.assignee_id IS DISTINCT FROM p.assignee_id)"
            )
            moved = cur.rowcount
            cur.execute(
                f"UPDATE {task} AS t SET rule_id = p.rule_id FROM {PLAN} p"
                f" WHERE p.household_id = t.household_id AND p.period = t.period AND {current}"
                " AND t.rule_id <> p.rule_id",
                [d, d],
            )
            result.reassigned = moved + cur.rowcount
            # 5. Add the new ones. What exists already leaves the plan first: an anti-join
            #    inside the INSERT would read the table it grows (the planner, thinking it
            #    empty, scans it once per row).
            cur.execute(
                f"DELETE FROM {PLAN} WHERE EXISTS (SELECT 1 FROM {task} t"
                f" WHERE t.household_id = {PLAN}.household_id AND t.period = {PLAN}.period)"
            )
            changes.visit_tasks_sql(cur, f"{PLAN} p", "1 = 1", [])
            cur.execute(
                f"INSERT INTO {task} (household_id, rule_id, area_id, period, period_start,"
                " due_on, assignee_id, status, created_at)"
                " SELECT p.household_id, p.rule_id, p.area_id, p.period, p.period_start,"
                # (SQLite parses "SELECT … ON CONFLICT" only after a WHERE.)
                f" p.due_on, p.assignee_id, 'open', %s FROM {PLAN} p WHERE 1 = 1"
                " ON CONFLICT DO NOTHING",
                [connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            result.created = cur.rowcount
            # 6. A household already visited in a new task's period (its schedule changed
            #    after the visit) needs no second visit.
            visited = (
                f"{current} AND EXISTS (SELECT 1 FROM {record} r"
                " WHERE r.household_id = t.household_id AND r.visited_on >= t.period_start"
                " AND r.visited_on <= t.due_on)"
            )
            changes.visit_tasks_sql(cur, f"{task} t", visited, [d, d])
            cur.execute(
                f"UPDATE {task} AS t SET status = 'done', done_at = (SELECT MIN(r.visited_at)"
                f" FROM {record} r WHERE r.household_id = t.household_id"
                " AND r.visited_on >= t.period_start AND r.visited_on <= t.due_on)"
                f" WHERE {visited}",
                [d, d],
            )
            result.already_visited = cur.rowcount
        finally:
            if not pg:
                cur.execute(f"DROP TABLE IF EXISTS {PLAN}")
                cur.execute(f"DROP TABLE IF EXISTS {ASSIGN}")
    return result
