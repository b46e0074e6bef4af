"""Visit figures: due / done / overdue by area (drill-down) and by worker, for any dates."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.accounts.scope import can_see, visible_paths
from wangge.errors import DomainError
from wangge.fieldwork.visits.models import (
    Frequency,
    VisitTask,
)
from wangge.fieldwork.visits.schedule import period_of
from wangge.fieldwork.visits.selectors import tasks
from wangge.regions.models import Area


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


def root_areas(user: Actor) -> list[Area]:
    """The areas a user's figures start from: their posts' areas (superusers: the top)."""
    paths = visible_paths(user)
    qs = Area.objects.live().defer("geometry")
    if paths is None:
        return list(qs.filter(parent__isnull=True).order_by("code"))
    return list(qs.filter(path__in=paths).order_by("path"))


def figures(
    user: Actor,
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
