"""Inspection tasks of hazard points and facilities, computed rather than stored.

A point with a cycle (days > 0) is due on last check + cycle, or at once if never checked;
open hazard points and facilities in service only. The task belongs to the grid people of the
nearest area above the point that has any: its micro-grid's, else its grid's (full- and
part-time workers first; liaisons and grid leaders when the grid has no worker). Recording
an inspection moves the last-check date, which is the task's end.

Why computed: the task is a pure function of two columns on the point, so a stored task table
would only be a copy to keep in step with every change of cycle, resolution, move or post —
and the history a task table would give is the inspections themselves.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.accounts.models import Post, Role
from wangge.accounts.scope import area_q, in_force
from wangge.events import workflow
from wangge.fieldwork.patrols.models import Inspection
from wangge.fieldwork.patrols.selectors import PATROL_ROLES, Target, patrol_posts
from wangge.fieldwork.todo_item import TodoItem
from wangge.people.models import Facility, HazardPoint
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

WORKER_ROLES = (Role.FULL_TIME, Role.PART_TIME)  # the ones who walk the rounds


@dataclass(frozen=True)
class Task:
    kind: str  # "hazard" | "facility"
    target: Target
    due_on: dt.date

    def overdue(self, today: dt.date) -> bool:
        return self.due_on < today


def due_on(last: dt.date | None, cycle_days: int, today: dt.date) -> dt.date | None:
    """When the next check is due; None for a point without a cycle."""
    if cycle_days <= 0:
        return None
    if last is None:
        return today  # never checked: due now
    return last + dt.timedelta(days=cycle_days)


def hazards_open(where: Q) -> QuerySet[HazardPoint]:
    return HazardPoint.objects.filter(where, resolved_on__isnull=True, check_cycle_days__gt=0)


def facilities_open(where: Q) -> QuerySet[Facility]:
    return Facility.objects.filter(where, in_service=True, inspection_cycle_days__gt=0)


def due_tasks(where: Q, today: dt.date) -> list[Task]:
    """Every point under `where` due on or before `today`."""
    tasks: list[Task] = []
    for h in without_geometry(hazards_open(where).select_related("area")):
        d = due_on(h.last_checked_on, h.check_cycle_days, today)
        if d is not None and d <= today:
            tasks.append(Task("hazard", h, d))
    for f in without_geometry(facilities_open(where).select_related("area")):
        d = due_on(f.last_inspected_on, f.inspection_cycle_days, today)
        if d is not None and d <= today:
            tasks.append(Task("facility", f, d))
    return tasks


def _nearest_first(area: Area) -> list[str]:
    """The paths of the area and its ancestors down to grid level, nearest first."""
    return [p for i, p in enumerate(area.chain_paths(), 1) if i >= workflow.GRID_LEVEL][::-1]


def responsible(areas: Iterable[Area], today: dt.date) -> dict[int, set[int]]:
    """Area id → the user ids responsible for inspections of points in it: the grid workers
    (full- or part-time) of the nearest area that has any, from the micro-grid up to the grid;
    failing those, its liaisons or grid leader the same way."""
    areas = list({a.pk: a for a in areas}.values())
    paths = {p for a in areas for p in _nearest_first(a)}
    staff: dict[tuple[int, str], set[int]] = defaultdict(set)
    for path, role, user_id in (
        Post.objects.filter(area__path__in=paths, area__valid_to__isnull=True)
        .filter(in_force(today), role__in=PATROL_ROLES)
        .values_list("area__path", "role", "user_id")
    ):
        staff[(0 if role in WORKER_ROLES else 1, path)].add(user_id)
    found: dict[int, set[int]] = {}
    for a in areas:
        chain = _nearest_first(a)
        found[a.pk] = next(
            (staff[(tier, p)] for tier in (0, 1) for p in chain if staff.get((tier, p))), set()
        )
    return found


def tasks_for(user: Actor, today: dt.date) -> list[Task]:
    """The inspections due today or earlier that fall to this user."""
    posts = list(
        without_geometry(
            patrol_posts(user, today)
            .filter(area__level__gte=workflow.GRID_LEVEL)
            .select_related("area")
        )
    )
    if not posts:
        return []
    under = Q()
    for p in posts:
        under |= Q(area__path__startswith=p.area.path)
    tasks = due_tasks(under, today)
    owners = responsible([t.target.area for t in tasks if t.target.area], today)
    return [t for t in tasks if t.target.area and user.pk in owners.get(t.target.area.pk, ())]


def task_url(kind: str, pk: int) -> str:
    return reverse("fieldwork:inspect", args=[kind, pk])


def todo(user: Actor, today: dt.date) -> list[TodoItem]:
    items = []
    for t in tasks_for(user, today):
        label = _("Hazard check") if t.kind == "hazard" else _("Facility check")
        items.append(
            TodoItem(
                kind="inspection",
                pk=t.target.pk,
                # As people name it: "井盖 · 文晖路12号" (its name or kind, then where).
                title=" · ".join(
                    x
                    for x in (
                        t.target.name or t.target.get_kind_display(),
                        t.target.address or (t.target.area.name if t.target.area else ""),
                    )
                    if x
                ),
                address=label,
                lon=t.target.lon,
                lat=t.target.lat,
                due=t.due_on,
                overdue=t.overdue(today),
                url=task_url(t.kind, t.target.pk),
            )
        )
    return items


def tasks_in_scope(user: Actor, today: dt.date | None = None) -> list[Task]:
    """The command centre's view: every due point the user can see."""
    return due_tasks(area_q(user, "area"), today or timezone.localdate())


def inspections_visible(user: Actor) -> QuerySet[Inspection]:
    if not getattr(user, "is_authenticated", False):
        return Inspection.objects.none()
    scope = area_q(user, "area")
    if not scope:  # the whole tree
        return Inspection.objects.all()
    return Inspection.objects.filter(Q(inspector=user) | scope)
