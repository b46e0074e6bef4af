"""Household visits (三必访, 四必清): rules, periods, task generation, visit records, figures.

- A rule's period containing a day: `period_of(...)` (yearly, quarterly, monthly, ISO weeks,
  or every N days counted from the rule's anchor).
- `generate(on=day)` plans, in SQL over the whole jurisdiction, one task per household for
  the period of its strictest rule that contains the day, assigned to the nearest live post
  holder of the rule's role (falling back to the grid's full-time worker, then its leader),
  then reconciles with the open tasks of those periods: reassigns, drops what is no longer
  due, adds what is new. Running it again changes nothing.
- `visit_record(...)` records a visit (check-in distance kept, far ones flagged), validating
  the checklist answers against the rule; `visit_finding(...)` turns a finding into an event.
- `figures(...)`: due / done / overdue by area (drill-down) and by worker, for any dates.
- `sweep(...)`: alerts assignees of overdue visits, once per task.
"""

import calendar
import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import form_fields as forms
from wangge.accounts.actors import Actor, is_user, user_of
from wangge.accounts.models import Post, Role
from wangge.accounts.scope import area_q, can_see, in_force, visible_paths
from wangge.errors import DomainError, Problem
from wangge.events import access as event_access
from wangge.events import photos, workflow
from wangge.events.models import BuiltinChannel, Category, Event
from wangge.fieldwork.models import (
    FieldAlert,
    Frequency,
    VisitPhoto,
    VisitRecord,
    VisitRule,
    VisitTask,
)
from wangge.fieldwork.todo_item import TodoItem
from wangge.people.models import (
    Household,
    Relation,
    ResidenceType,
    Resident,
    ResidentTag,
    TagKind,
)
from wangge.people.selectors import get_in
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

FAR_METRES_DEFAULT = 200.0
# When the rule's own role has nobody in the household's chain of areas.
FALLBACK_ROLES = (Role.FULL_TIME, Role.GRID_LEADER, Role.PART_TIME, Role.LIAISON)


def far_metres() -> float:
    """Check-ins farther than this from the household are flagged (WANGGE_VISIT_FAR_METRES)."""
    return float(getattr(settings, "WANGGE_VISIT_FAR_METRES", FAR_METRES_DEFAULT))


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def check_in(
    lon: float | None, lat: float | None, target_lon: float | None, target_lat: float | None
) -> tuple[float | None, bool]:
    """(distance in metres or None, far?) of a check-in from its target."""
    if lon is None or lat is None:
        return None, False
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise DomainError.one(_("The location is not a valid longitude/latitude."), field="lon")
    if target_lon is None or target_lat is None:
        return None, False
    distance = round(metres(lon, lat, target_lon, target_lat), 1)
    return distance, distance > far_metres()


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


# -- checklists ------------------------------------------------------------------------------
def clean_checklist(items: Any) -> list[dict[str, Any]]:
    """A checklist is a typed form (`forms`) that may be empty and takes no photo or signature
    fields (a visit's photos are its own); DomainError naming each bad item."""
    return forms.clean_fields(items, at="checklist", types=forms.VALUE_TYPES, min_fields=0)


# -- rules -----------------------------------------------------------------------------------
FOUR_CLEAR = [  # 四必清
    {
        "name": "family",
        "label": "家庭情况",
        "type": "text",
        "required": True,
        "help": "家庭成员、就业、收入、健康等有无变化",
    },
    {
        "name": "groups",
        "label": "人员类别",
        "type": "multi_choice",
        "choices": [
            "无变化",
            "独居老人",
            "空巢老人",
            "留守儿童",
            "残疾人",
            "低保/特困",
            "困难群众",
            "失业人员",
            "流动/暂住人口",
        ],
        "required": True,
    },
    {"name": "facilities", "label": "设施完好(水电气、消防)", "type": "yes_no", "required": True},
    {"name": "hazards", "label": "发现安全隐患", "type": "yes_no", "required": True},
    {"name": "disputes", "label": "存在矛盾纠纷", "type": "yes_no", "required": True},
    {"name": "needs", "label": "群众诉求", "type": "text", "required": False},
]

# 三必访: (code, name, frequency, all households, tag kinds, residence types, role, order)
DEFAULT_RULES: list[tuple[str, str, str, bool, list[str], list[str], str, int]] = [
    ("living_alone", "独居老人户", "monthly", False, ["living_alone"], [], "full_time", 10),
    (
        "hardship",
        "困难家庭(低保/特困/困难群众)",
        "quarterly",
        False,
        ["subsistence", "hardship"],
        [],
        "full_time",
        20,
    ),
    ("disabled", "残疾人家庭", "quarterly", False, ["disabled"], [], "full_time", 30),
    (
        "floating",
        "流动/暂住人口户",
        "quarterly",
        False,
        [],
        [ResidenceType.FLOATING.value, ResidenceType.TEMPORARY.value],
        "full_time",
        40,
    ),
    ("unemployed", "失业人员家庭", "quarterly", False, ["unemployed"], [], "full_time", 50),
    ("assisted", "重点帮扶户", "quarterly", False, ["key_assistance"], [], "full_time", 60),
    ("every_household", "普通家庭户(每户每年)", "yearly", True, [], [], "liaison", 90),
]


def install_defaults(apps: Any = None) -> int:
    """Create the missing default rules (三必访 with the 四必清 checklist); never overwrites
    an edit. `apps` is a migration's registry, or None for the live models."""
    from django.apps import apps as live_apps

    registry = apps or live_apps
    rule_model = registry.get_model("fieldwork", "VisitRule")
    kind_model = registry.get_model("people", "TagKind")
    created = 0
    with transaction.atomic():
        for code, name, freq, every, kinds, types, role, order in DEFAULT_RULES:
            if rule_model.objects.filter(code=code).exists():
                continue
            rule = rule_model.objects.create(
                code=code,
                name=name,
                frequency=freq,
                all_households=every,
                residence_types=types,
                checklist=FOUR_CLEAR,
                responsible_role=role,
                order=order,
                anchor=dt.date(2024, 1, 1),
            )
            rule.tag_kinds.set(kind_model.objects.filter(code__in=kinds))
            created += 1
    return created


def is_rule_admin(user: Any, perm: str = "fieldwork.change_visitrule") -> bool:
    return bool(is_user(user) and (user.is_superuser or user.has_perm(perm)))


def check_rule_fields(
    problems: list[Problem],
    *,
    model: type[models.Model],
    rule: models.Model | None,
    code: str,
    name: str,
    order: Any,
    responsible_role: str,
    every_days: Any = None,
) -> None:
    """What visit and must-attend rules ask alike: a free code, a name, the post, bounds
    (column sizes; a huge period overflows)."""
    if not code:
        problems.append(Problem(_("A code is required."), field="code", code="required"))
    elif model._default_manager.filter(code=code).exclude(pk=rule.pk if rule else 0).exists():
        problems.append(Problem(_("This code is taken."), field="code", code="duplicate"))
    if not name:
        problems.append(Problem(_("A name is required."), field="name", code="required"))
    if responsible_role not in Role.values:
        problems.append(
            Problem(_("Unknown post %(r)s.") % {"r": responsible_role}, field="responsible_role")
        )
    if len(code) > 40:
        problems.append(
            Problem(_("The code is longer than %(n)d characters.") % {"n": 40}, field="code")
        )
    if len(name) > 100:
        problems.append(
            Problem(_("The name is longer than %(n)d characters.") % {"n": 100}, field="name")
        )
    if not isinstance(order, int) or not 0 <= order <= 32767:
        problems.append(
            Problem(
                _("The order must be between %(a)d and %(b)d.") % {"a": 0, "b": 32767},
                field="order",
            )
        )
    if every_days is not None and (not isinstance(every_days, int) or not 1 <= every_days <= 3660):
        problems.append(
            Problem(
                _("The number of days must be between %(a)d and %(b)d.") % {"a": 1, "b": 3660},
                field="every_days",
            )
        )


def require_admin(user: Any) -> None:
    if not is_rule_admin(user):
        raise DomainError.one(
            _("Only administrators may change rules."), code="forbidden", status=403
        )


def rule_save(
    actor: Actor,
    *,
    rule: VisitRule | None = None,
    code: str,
    name: str,
    frequency: str,
    every_days: int | None = None,
    anchor: dt.date | None = None,
    all_households: bool = False,
    tag_kinds: Iterable[str] = (),
    residence_types: Iterable[str] = (),
    checklist: Any = (),
    responsible_role: str = Role.LIAISON,
    active: bool = True,
    order: int = 0,
) -> VisitRule:
    """Create or change a rule (administrators)."""
    require_admin(actor)
    problems: list[Problem] = []
    code, name = code.strip(), name.strip()
    if frequency not in Frequency.values:
        problems.append(
            Problem(_("Unknown frequency %(f)s.") % {"f": frequency}, field="frequency")
        )
    if frequency == Frequency.EVERY_N_DAYS and not every_days:
        problems.append(Problem(_("Give the number of days."), field="every_days", code="required"))
    check_rule_fields(
        problems,
        model=VisitRule,
        rule=rule,
        code=code,
        name=name,
        order=order,
        responsible_role=responsible_role,
        every_days=every_days if frequency == Frequency.EVERY_N_DAYS else None,
    )
    types = list(dict.fromkeys(residence_types))
    for t in types:
        if t not in ResidenceType.values:
            problems.append(
                Problem(_("Unknown residence type %(t)s.") % {"t": t}, field="residence_types")
            )
    codes = list(dict.fromkeys(tag_kinds))
    kinds = list(TagKind.objects.filter(code__in=codes))
    for missing in sorted(set(codes) - {k.code for k in kinds}):
        problems.append(Problem(_("Unknown group %(c)s.") % {"c": missing}, field="tag_kinds"))
    # Task titles and rule lists are seen by everyone in scope: a sensitive group would
    # tell users without a grant who is in it.
    for kind in kinds:
        if kind.sensitive:
            problems.append(
                Problem(
                    _("The sensitive group %(c)s cannot drive visits.") % {"c": kind.code},
                    field="tag_kinds",
                    code="sensitive",
                )
            )
    if not all_households and not codes and not types:
        problems.append(
            Problem(
                _("Say which households: every household, groups or residence types."),
                field="all_households",
                code="required",
            )
        )
    try:
        items = clean_checklist(list(checklist))
    except DomainError as exc:
        problems.extend(exc.problems)
        items = []
    if problems:
        raise DomainError(problems, status=422)
    with transaction.atomic():
        rule = rule or VisitRule()
        rule.code, rule.name, rule.frequency = code, name, frequency
        rule.every_days = every_days if frequency == Frequency.EVERY_N_DAYS else None
        rule.anchor = anchor or rule.anchor or timezone.localdate()
        rule.all_households, rule.residence_types = all_households, types
        rule.checklist, rule.responsible_role = items, responsible_role
        rule.active, rule.order = active, order
        rule.save()
        rule.tag_kinds.set(kinds)
    return rule


def rule_delete(actor: Actor, rule: VisitRule) -> None:
    """Delete a rule without tasks; one with tasks is only deactivated (its history stays)."""
    require_admin(actor)
    with transaction.atomic():
        if rule.tasks.exists():
            rule.active = False
            rule.save(update_fields=["active"])
            VisitTask.objects.filter(rule=rule, status=VisitTask.Status.OPEN).delete()
        else:
            rule.delete()


# -- who is responsible ----------------------------------------------------------------------
def responsible_users(area_ids: Iterable[int], roles: Iterable[str]) -> dict[tuple[int, str], int]:
    """(area id, role) → the user to assign: the holder of a live post with the role at the
    area or its nearest ancestor; when nobody holds it anywhere up the chain, the nearest
    full-time worker, then grid leader, part-time worker, liaison. Missing: nobody at all.
    Ties (two holders at one area) go to the earliest post."""
    area_ids = list(dict.fromkeys(area_ids))
    roles = list(dict.fromkeys(roles))
    if not area_ids or not roles:
        return {}
    paths: dict[int, str] = {}
    for chunk in _chunks(area_ids, 500):
        paths.update(Area.objects.filter(pk__in=chunk).values_list("pk", "path"))
    today = timezone.localdate()
    holders: dict[tuple[str, str], int] = {}  # (area path, role) → user
    live = (
        Post.objects.filter(in_force(today), user__is_active=True)
        .order_by("started_on", "id")
        .values_list("area__path", "role", "user_id")
    )
    for path, role, user_id in live.iterator(chunk_size=5000):
        holders.setdefault((path, role), user_id)
    out: dict[tuple[int, str], int] = {}
    for area_id, path in paths.items():
        parts = [c for c in path.split("/") if c]
        chain = ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]
        for role in roles:
            for candidate in (role, *(r for r in FALLBACK_ROLES if r != role)):
                holder = next(
                    (holders[(p, candidate)] for p in chain if (p, candidate) in holders), None
                )
                if holder is not None:
                    out[(area_id, role)] = holder
                    break
    return out


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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
            for chunk in _chunks(rows, 2000):
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
            # 3. Drop open tasks of these periods that the plan no longer has. The status
            #    test on the target row is re-checked by PostgreSQL after a concurrent visit.
            cur.execute(
                f"DELETE FROM {task} WHERE status = 'open'"
                f" AND id IN (SELECT t.id FROM {task} t WHERE {current}"
                f" AND NOT EXISTS (SELECT 1 FROM {PLAN} p WHERE p.household_id = t.household_id"
                " AND p.period = t.period))",
                [d, d],
            )
            result.dropped = cur.rowcount
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
            cur.execute(
                f"UPDATE {task} AS t SET status = 'done', done_at = (SELECT MIN(r.visited_at)"
                f" FROM {record} r WHERE r.household_id = t.household_id"
                " AND r.visited_on >= t.period_start AND r.visited_on <= t.due_on)"
                f" WHERE {current} AND EXISTS (SELECT 1 FROM {record} r"
                " WHERE r.household_id = t.household_id AND r.visited_on >= t.period_start"
                " AND r.visited_on <= t.due_on)",
                [d, d],
            )
            result.already_visited = cur.rowcount
        finally:
            if not pg:
                cur.execute(f"DROP TABLE IF EXISTS {PLAN}")
                cur.execute(f"DROP TABLE IF EXISTS {ASSIGN}")
    return result


# -- overdue alerts --------------------------------------------------------------------------
def sweep(today: dt.date | None = None) -> dict[str, int]:
    """One alert per assignee for the visits that went overdue since the last sweep."""
    day = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        fresh = VisitTask.objects.filter(
            status=VisitTask.Status.OPEN,
            due_on__lt=day,
            overdue_alerted_at__isnull=True,
            assignee__isnull=False,
        )
        # Lock the rows so a concurrent sweep (CLI beside huey) cannot alert them twice.
        ids = list(fresh.select_for_update(skip_locked=True).values_list("id", flat=True))
        fresh = VisitTask.objects.filter(pk__in=ids)
        counts = list(fresh.values("assignee_id").annotate(n=Count("id")).order_by("assignee_id"))
        url = reverse("fieldwork:visit_mine")
        FieldAlert.objects.bulk_create(
            [
                FieldAlert(
                    user_id=c["assignee_id"],
                    kind=FieldAlert.Kind.VISITS_OVERDUE,
                    text=(_("%(n)d household visits are overdue.") % {"n": c["n"]})[:300],
                    url=url + "?overdue=1",
                )
                for c in counts
            ]
        )
        marked = fresh.update(overdue_alerted_at=now)
    return {"alerted_users": len(counts), "overdue_tasks": marked}


# -- reading ---------------------------------------------------------------------------------
def tasks(user: Any) -> QuerySet[VisitTask]:
    """Visit tasks in the user's scope."""
    return VisitTask.objects.filter(area_q(user, "area"))


def task_get(user: Any, pk: Any) -> VisitTask:
    return get_in(
        without_geometry(tasks(user).select_related("household", "rule", "area", "assignee")), pk
    )


def task_search(
    user: Any,
    *,
    status: str = "",
    mine: bool = False,
    overdue: bool = False,
    area_code: str = "",
    on: dt.date | None = None,
    household: int | None = None,
) -> QuerySet[VisitTask]:
    qs = without_geometry(tasks(user).select_related("household", "rule", "area", "assignee"))
    today = timezone.localdate()
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assignee=user)
    if overdue:
        qs = qs.filter(status=VisitTask.Status.OPEN, due_on__lt=today)
    if area_code:
        area = Area.objects.live().filter(code=area_code).first()
        if area is None or not can_see(user, area):
            raise DomainError.one(_("Unknown area."), field="area", code="not_found", status=404)
        qs = qs.filter(area__in=Area.objects.subtree(area).values("pk"))
    if on is not None:
        qs = qs.filter(period_start__lte=on, due_on__gte=on)
    if household is not None:
        qs = qs.filter(household_id=household)
    return qs.order_by("due_on", "id")


def household_visits(user: Any, household_pk: Any) -> dict[str, Any]:
    """A household's tasks and records (for its page), within scope."""
    from wangge.people.selectors import household_get

    household = household_get(user, household_pk)
    return {
        "household": household,
        "tasks": list(
            VisitTask.objects.filter(household=household)
            .select_related("rule", "assignee")
            .order_by("-period_start")[:20]
        ),
        "records": list(
            VisitRecord.objects.filter(household=household)
            .select_related("visitor", "task__rule")
            .prefetch_related("findings", "photos")
            .order_by("-visited_at")[:20]
        ),
    }


def records(user: Any) -> QuerySet[VisitRecord]:
    return VisitRecord.objects.filter(area_q(user, "area"))


def record_get(user: Any, pk: Any) -> VisitRecord:
    return get_in(records(user).select_related("task__rule", "household", "visitor"), pk)


# -- recording a visit -----------------------------------------------------------------------
def may_visit(user: Any, task: VisitTask) -> bool:
    if not is_user(user):
        return False
    return (
        task.assignee_id == user.pk
        or event_access.is_admin(user)
        or event_access.is_grid_staff_for(user, task.area)
    )


@dataclass(frozen=True)
class FindingIn:
    title: str
    category: str  # event category code
    description: str = ""


def visit_record(
    *,
    actor: Actor,
    task: VisitTask,
    answers: dict[str, Any],
    notes: str = "",
    lon: float | None = None,
    lat: float | None = None,
    visited_at: dt.datetime | None = None,
    photo_files: Sequence[bytes | IO[bytes]] = (),
    finding: FindingIn | None = None,
    client_key: str | None = None,
    correction: bool = False,
) -> VisitRecord:
    """Record a visit of the task's household; the task is done. A retry with the same
    client key returns the first record (offline drafts may be sent twice). A task already
    done takes another visit only as an explicit correction: a second draft with a new key is
    refused (409) rather than silently counted twice."""
    check_client_key(client_key)
    if client_key and (existing := _earlier_record(client_key, actor)):
        return existing
    if not may_visit(actor, task):
        raise DomainError.one(_("You may not record this visit."), code="forbidden", status=403)
    clean, _files = forms.clean_answers(task.rule.checklist, answers, at="answers")
    when = visited_at or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError.one(_("The visit time is in the future."), field="visited_at")
    if timezone.localtime(when).date() < task.period_start:
        raise DomainError.one(
            _("The visit is dated before this task's period (from %(d)s).")
            % {"d": task.period_start.isoformat()},
            field="visited_at",
            code="before_period",
            status=422,
        )
    if finding and len(finding.title.strip()) > 200:
        raise DomainError.one(
            _("The title is longer than %(n)d characters.") % {"n": 200}, field="finding.title"
        )
    household = task.household
    distance, far = check_in(lon, lat, household.lon, household.lat)
    cleaned = [photos.clean_photo(f, f"photos[{i}]") for i, f in enumerate(photo_files)]
    category = finding_category(finding) if finding else None
    try:
        return _visit_write(
            actor=actor,
            task=task,
            household=household,
            when=when,
            lon=lon,
            lat=lat,
            distance=distance,
            far=far,
            clean=clean,
            notes=notes,
            cleaned=cleaned,
            finding=finding,
            category=category,
            client_key=client_key,
            correction=correction,
        )
    except IntegrityError:
        # The same draft sent twice at once: the loser returns the winner's record.
        if client_key and (existing := _earlier_record(client_key, actor)):
            return existing
        raise


def check_client_key(client_key: str | None) -> None:
    if client_key and len(client_key) > 100:
        raise DomainError.one(
            _("The client key is longer than %(n)d characters.") % {"n": 100}, field="client_key"
        )


def _earlier_record(client_key: str, actor: Actor) -> VisitRecord | None:
    existing = VisitRecord.objects.filter(client_key=client_key).first()
    if existing and existing.visitor_id != actor.pk:
        raise DomainError.one(
            _("This client key is already used."),
            field="client_key",
            code="duplicate",
            status=409,
        )
    return existing


def already_visited(task: VisitTask, household: Household) -> DomainError:
    return DomainError.one(
        _(
            "Visit task %(task)d (household %(household)s, %(period)s) is already done; "
            "send the visit as a correction to add another."
        )
        % {"task": task.pk, "household": household.code, "period": task.period},
        field="correction",
        code="already_done",
        status=409,
    )


def task_gone() -> DomainError:
    return DomainError.one(
        _("This task has changed meanwhile; reload the page."), code="conflict", status=409
    )


def _visit_write(
    *,
    actor: Actor,
    task: VisitTask,
    household: Household,
    when: dt.datetime,
    lon: float | None,
    lat: float | None,
    distance: float | None,
    far: bool,
    clean: dict[str, Any],
    notes: str,
    cleaned: list[photos.CleanPhoto],
    finding: FindingIn | None,
    category: Category | None,
    client_key: str | None,
    correction: bool,
) -> VisitRecord:
    with transaction.atomic():
        locked = VisitTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:  # dropped by a generation run meanwhile
            raise task_gone()
        if locked.status == VisitTask.Status.DONE and not correction:
            # The same draft sent twice at once: the one that waited for the lock finds the
            # winner's record, a retry and not a second visit.
            if client_key and (existing := _earlier_record(client_key, actor)):
                return existing
            raise already_visited(locked, household)
        record = VisitRecord.objects.create(
            task=locked,
            household=household,
            area=household.area,
            visitor=user_of(actor),
            visited_at=when,
            visited_on=timezone.localtime(when).date(),
            lon=lon,
            lat=lat,
            distance_m=distance,
            far=far,
            answers=clean,
            notes=notes.strip(),
            client_key=client_key or None,
        )
        for photo in cleaned:
            _store_photo(record, photo)
        if locked.status == VisitTask.Status.OPEN:
            locked.status, locked.done_at = VisitTask.Status.DONE, when
            locked.save(update_fields=["status", "done_at"])
        if finding and category:
            visit_finding(
                actor=actor,
                record=record,
                title=finding.title,
                category=category,
                description=finding.description,
            )
    return record


def _store_photo(record: VisitRecord, photo: photos.CleanPhoto) -> VisitPhoto:
    stem = f"visit-{record.pk}-{uuid.uuid4().hex[:12]}"
    item = VisitPhoto(record=record)
    item.file.save(f"{stem}.jpg", ContentFile(photo.jpeg), save=False)
    item.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
    item.save()
    return item


def visit_add_photo(*, actor: Actor, record: VisitRecord, file: bytes | IO[bytes]) -> VisitPhoto:
    if record.visitor_id != actor.pk and not event_access.is_admin(actor):
        raise DomainError.one(_("Only the visitor may add photos."), code="forbidden", status=403)
    photo = photos.clean_photo(file, "photo")
    with transaction.atomic():
        return _store_photo(record, photo)


def finding_category(finding: FindingIn) -> Category:
    category = Category.objects.filter(code=finding.category, active=True).first()
    if category is None:
        raise DomainError.one(
            _("Unknown event category %(c)s.") % {"c": finding.category},
            field="finding.category",
            status=422,
        )
    if not finding.title.strip():
        raise DomainError.one(
            _("A title is required."), field="finding.title", code="required", status=422
        )
    return category


def visit_finding(
    *,
    actor: Actor,
    record: VisitRecord,
    title: str,
    category: Category,
    description: str = "",
    client_key: str | None = None,
) -> Event:
    """Report what the visit found as an event (located at the household), linked to it."""
    household = record.household
    text = description.strip() or _("Found on a household visit (%(code)s).") % {
        "code": household.code
    }
    with transaction.atomic():
        event = workflow.event_report(
            actor=actor,
            title=title,
            category=category,
            channel=BuiltinChannel.GRID_APP,
            description=text,
            lon=household.lon if household.lon is not None else record.lon,
            lat=household.lat if household.lat is not None else record.lat,
            area=household.area,
            address=household.address,
            client_key=client_key,
        )
        record.findings.add(event)
    return event


# -- figures ---------------------------------------------------------------------------------
@dataclass
class Tally:
    due: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.due - self.done

    @property
    def coverage(self) -> float | None:
        return round(self.done / self.due, 4) if self.due else None

    def add(self, due: int, done: int, overdue: int) -> None:
        self.due += due
        self.done += done
        self.overdue += overdue

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "done": self.done,
            "open": self.open,
            "overdue": self.overdue,
            "coverage": self.coverage,
        }


def root_areas(user: Any) -> list[Area]:
    """The areas a user's figures start from: their posts' areas (superusers: the top)."""
    paths = visible_paths(user)
    qs = Area.objects.live().defer("geometry")
    if paths is None:
        return list(qs.filter(parent__isnull=True).order_by("code"))
    return list(qs.filter(path__in=paths).order_by("path"))


def figures(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    area_code: str = "",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Visits due / done / overdue of the tasks whose period overlaps [start, end]: the area
    (default: the user's first root) in total, per child area, and per worker."""
    if end < start:
        raise DomainError.one(_("The end is before the start."), field="end")
    day = today or timezone.localdate()
    if area_code:
        area = Area.objects.live().defer("geometry").filter(code=area_code).first()
        if area is None or not can_see(user, area):
            raise DomainError.one(_("Unknown area."), field="area", code="not_found", status=404)
    else:
        roots = root_areas(user)
        if not roots:
            raise DomainError.one(
                _("You have no areas."), field="area", code="not_found", status=404
            )
        area = roots[0]
    children = list(Area.objects.live().defer("geometry").filter(parent=area).order_by("code"))
    qs = tasks(user).filter(
        area__in=Area.objects.subtree(area).values("pk"), period_start__lte=end, due_on__gte=start
    )
    counts = dict(
        due=Count("id"),
        done=Count("id", filter=Q(status=VisitTask.Status.DONE)),
        overdue=Count("id", filter=Q(status=VisitTask.Status.OPEN, due_on__lt=day)),
    )
    # One pass over the tasks, by micro-grid and assignee; both views are sums of it.
    by_area: list[dict[str, Any]] = [
        dict(r) for r in qs.values("area_id", "assignee_id").annotate(**counts).order_by()
    ]
    paths = dict(
        Area.objects.filter(pk__in=[r["area_id"] for r in by_area]).values_list("pk", "path")
    )
    total = Tally()
    per_child: dict[str, Tally] = defaultdict(Tally)
    prefix = len(area.path)
    for row in by_area:
        total.add(row["due"], row["done"], row["overdue"])
        rest = paths.get(row["area_id"], "")[prefix:]
        code = rest.split("/", 1)[0] if rest else ""
        per_child[code].add(row["due"], row["done"], row["overdue"])
    user_model = get_user_model()
    per_worker: dict[int | None, Tally] = defaultdict(Tally)
    for row in by_area:
        per_worker[row["assignee_id"]].add(row["due"], row["done"], row["overdue"])
    names = {
        u.pk: (u.get_full_name() or u.username)
        for u in user_model.objects.filter(pk__in=[uid for uid in per_worker if uid])
    }
    workers = []
    for uid, tally in per_worker.items():
        workers.append(
            {
                "user_id": uid,
                "name": names.get(uid, _("(unassigned)")) if uid else _("(unassigned)"),
                **tally.as_dict(),
            }
        )
    workers.sort(key=lambda w: (-(w["overdue"]), w["name"]))
    return {
        "area": area,
        "start": start,
        "end": end,
        "total": total.as_dict(),
        "children": [{"area": c, **per_child.get(c.code, Tally()).as_dict()} for c in children],
        "here": per_child.get("", Tally()).as_dict(),  # tasks at the area itself (a micro-grid)
        "workers": workers,
        "chain": [
            a
            for a in Area.objects.filter(path__in=area.chain_paths())
            .defer("geometry")
            .order_by("level")
            if can_see(user, a)
        ],
    }


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    p = period_of(Frequency.MONTHLY, day)
    return p.start, p.end


# -- today's list ----------------------------------------------------------------------------
def masked_name(name: str) -> str:
    """A name as a list on a phone in the street shows it: the surname and 某 (王某)."""
    name = name.strip()
    return f"{name[0]}某" if name else ""


def head_names(household_ids: set[int]) -> dict[int, str]:
    """Household id -> the masked name of its head, for the households that have one."""
    rows = Resident.objects.filter(
        household_id__in=household_ids, relation=Relation.HEAD
    ).values_list("household_id", "name")
    return {hid: masked_name(name) for hid, name in rows if name}


def todo(user: Any, today: dt.date) -> list[TodoItem]:
    if not is_user(user):
        return []
    items = []
    qs = (
        VisitTask.objects.filter(
            area_q(user, "area"),
            assignee=user,
            status=VisitTask.Status.OPEN,
            period_start__lte=today,
        )
        .select_related("household__house", "rule")
        .order_by("due_on", "id")[:500]
    )
    tasks = list(without_geometry(qs))
    heads = head_names({t.household_id for t in tasks})
    for t in tasks:
        h = t.household
        place = h.address or h.house.address or h.code
        title = (
            _("%(place)s · head %(head)s") % {"place": place, "head": heads[h.pk]}
            if h.pk in heads
            else place
        )
        items.append(
            TodoItem(
                kind="visit",
                pk=t.pk,
                title=title,
                address=t.rule.name,
                lon=h.lon,
                lat=h.lat,
                due=t.due_on,
                overdue=t.due_on < today,
                url=reverse("fieldwork:visit_task", args=[t.pk]),
            )
        )
    return items


def alerts(user: Any, unread_only: bool = False) -> QuerySet[FieldAlert]:
    qs = FieldAlert.objects.filter(user=user) if is_user(user) else FieldAlert.objects.none()
    return qs.filter(read_at__isnull=True) if unread_only else qs


def alert_read(user: Any, pk: Any) -> FieldAlert:
    if not (str(pk).isascii() and str(pk).isdigit()):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    alert = get_in(alerts(user), pk)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


__all__ = [
    "FindingIn",
    "GenerateResult",
    "Period",
    "Tally",
    "clean_checklist",
    "figures",
    "generate",
    "install_defaults",
    "period_of",
    "responsible_users",
    "rule_save",
    "sweep",
    "todo",
    "visit_finding",
    "visit_record",
]
