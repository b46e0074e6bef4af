"""Patrol figures for a period: rounds, distance, inspections done and due, per worker and area.

"Due" in a period: points (open hazards, facilities in service, with a cycle) whose next check,
counted from their last inspection before the period, falls on or before its last day. "Done"
of those: inspected within the period. Rows are the children of the chosen area (drill-down).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.accounts.scope import area_q, can_see
from wangge.errors import DomainError
from wangge.fieldwork.patrols.models import Finding, Inspection, Patrol
from wangge.fieldwork.patrols.rounds import due_on, facilities_open, hazards_open
from wangge.regions import selectors as area_selectors
from wangge.regions.models import Area

MAX_DAYS = 366


@dataclass
class Row:
    key: str
    name: str
    patrols: int = 0
    distance_m: float = 0.0
    hours: float = 0.0
    inspections: int = 0
    problems: int = 0
    findings: int = 0
    due: int = 0
    due_done: int = 0

    @property
    def distance_km(self) -> float:
        return round(self.distance_m / 1000, 2)

    @property
    def due_rate(self) -> float | None:
        return round(self.due_done / self.due, 3) if self.due else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "patrols": self.patrols,
            "distance_km": self.distance_km,
            "hours": round(self.hours, 1),
            "inspections": self.inspections,
            "problems": self.problems,
            "findings": self.findings,
            "due": self.due,
            "due_done": self.due_done,
            "due_rate": self.due_rate,
        }


@dataclass
class Figures:
    since: dt.date
    until: dt.date
    area: Area | None
    total: Row
    areas: list[Row] = field(default_factory=list)
    workers: list[Row] = field(default_factory=list)


def parse_period(since: str, until: str) -> tuple[dt.date, dt.date]:
    """The period of a query string: this month so far unless given (YYYY-MM-DD)."""
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(since) if since else today.replace(day=1)
        end = dt.date.fromisoformat(until) if until else today
    except ValueError:
        raise DomainError.one(_("Dates are written as YYYY-MM-DD."), field="since") from None
    return start, end


def _period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise DomainError.one(_("The period ends before it starts."), field="until")
    if (until - since).days > MAX_DAYS:
        raise DomainError.one(_("Choose a period of at most a year."), field="since")


def _children(user: Actor, area: Area | None) -> list[Area]:
    if area is not None:
        kids = list(area_selectors.area_children(user=user, area=area))
        return kids or [area]
    return list(area_selectors.top_areas(user=user))


def figures(user: Actor, since: dt.date, until: dt.date, area: Area | None = None) -> Figures:  # noqa: C901
    _period(since, until)
    if area is not None and not can_see(user, area):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    rows_areas = _children(user, area)
    where = area_q(user, "area")
    if area is not None:
        where &= Q(area__path__startswith=area.path)
    total = Row("", area.name if area else _("All my areas"))
    by_area = {a.path: Row(a.code, a.name) for a in rows_areas}
    by_worker: dict[int, Row] = {}

    def row_of(path: str) -> Row | None:
        for p, row in by_area.items():
            if path.startswith(p):
                return row
        return None

    def worker_row(uid: int) -> Row:
        return by_worker.setdefault(uid, Row(str(uid), ""))

    start = dt.datetime.combine(since, dt.time.min)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min)
    start, end = timezone.make_aware(start), timezone.make_aware(end)
    for uid, path, dist, started, ended in (
        Patrol.objects.filter(where, started_at__gte=start, started_at__lt=end)
        .values_list("worker_id", "area__path", "distance_m", "started_at", "ended_at")
        .iterator()
    ):
        hours = ((ended - started).total_seconds() / 3600) if ended else 0.0
        for row in (total, row_of(path), worker_row(uid)):
            if row is not None:
                row.patrols += 1
                row.distance_m += dist
                row.hours += hours
    inspected: set[tuple[str, int]] = set()
    for uid, path, result, hid, fid in (
        Inspection.objects.filter(where, done_on__gte=since, done_on__lte=until)
        .values_list("inspector_id", "area__path", "result", "hazard_id", "facility_id")
        .iterator()
    ):
        inspected.add(("hazard", hid) if hid else ("facility", fid))
        for row in (total, row_of(path), worker_row(uid)):
            if row is not None:
                row.inspections += 1
                row.problems += result == Inspection.Result.PROBLEM
    for uid, path in (
        Finding.objects.filter(event__reported_at__gte=start, event__reported_at__lt=end)
        .filter(
            Q(patrol__in=Patrol.objects.filter(where))
            | Q(inspection__in=Inspection.objects.filter(where))
        )
        .values_list("event__reporter_id", "event__area__path")
    ):
        for row in (total, row_of(path or ""), worker_row(uid) if uid else None):
            if row is not None:
                row.findings += 1
    _count_due(where, since, until, inspected, total, row_of)
    users = get_user_model().objects.in_bulk(list(by_worker))
    for uid, row in by_worker.items():
        u = users.get(uid)
        row.name = (u.get_full_name() or u.get_username()) if u else str(uid)
    return Figures(
        since=since,
        until=until,
        area=area,
        total=total,
        areas=list(by_area.values()),
        workers=sorted(by_worker.values(), key=lambda r: (-r.inspections, -r.patrols, r.name)),
    )


def _count_due(
    where: Q,
    since: dt.date,
    until: dt.date,
    inspected: set[tuple[str, int]],
    total: Row,
    row_of: Any,
) -> None:
    for kind, qs, last_field, cycle_field, fk in (
        ("hazard", hazards_open(where), "last_checked_on", "check_cycle_days", "hazard_id"),
        (
            "facility",
            facilities_open(where),
            "last_inspected_on",
            "inspection_cycle_days",
            "facility_id",
        ),
    ):
        before = dict(
            Inspection.objects.filter(**{f"{fk}__in": qs.values("pk")}, done_on__lt=since)
            .values(fk)
            .annotate(last=Max("done_on"))
            .values_list(fk, "last")
        )
        for pk, path, last, cycle in qs.values_list("pk", "area__path", last_field, cycle_field):
            base = before.get(pk)
            if base is None and last is not None and last < since:
                base = last  # checked before the period without a record here (imported)
            due = due_on(base, cycle, since)
            if due is None or due > until:
                continue
            done = (kind, pk) in inspected or (last is not None and since <= last <= until)
            for row in (total, row_of(path)):
                if row is not None:
                    row.due += 1
                    row.due_done += done
