"""Coverage of a campaign: done / not reachable / total per area, live.

One GROUP BY (micro-grid, status) over the campaign's counted targets — an index-only scan of
`campaign_target_cover_idx` — then the counts are rolled up the area tree by path in Python
(a few thousand micro-grids at most), so every level (grid, community, street, district)
comes from the same single pass.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from wangge.accounts.actors import SYSTEM, Actor, needs_check
from wangge.accounts.scope import area_q
from wangge.fieldwork.campaigns.models import Campaign, CampaignTarget
from wangge.regions.models import Area

DONE, UNREACHABLE, PENDING = (
    CampaignTarget.Status.DONE,
    CampaignTarget.Status.UNREACHABLE,
    CampaignTarget.Status.PENDING,
)


@dataclass
class Counts:
    total: int = 0
    done: int = 0
    unreachable: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.done - self.unreachable

    @property
    def rate(self) -> float:
        """Share of targets done (0..1); an area without targets counts as covered."""
        return self.done / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return int(self.rate * 100)

    def add(self, status: str, n: int) -> None:
        self.total += n
        if status == DONE:
            self.done += n
        elif status == UNREACHABLE:
            self.unreachable += n

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "done": self.done,
            "unreachable": self.unreachable,
            "pending": self.pending,
            "rate": round(self.rate, 4),
        }


@dataclass
class Coverage:
    """Counts by area path (every level that has targets) and the grand total."""

    by_path: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)

    def of(self, area: Area) -> Counts:
        return self.by_path.get(area.path, Counts())


def counted(campaign: Campaign, user: Actor = SYSTEM) -> QuerySet[CampaignTarget]:
    """The targets that count (not left scope), within the user's scope when one is given."""
    qs = CampaignTarget.objects.filter(campaign=campaign, left_at__isnull=True)
    if needs_check(user):  # the system: the whole tree
        qs = qs.filter(area_q(user, "area"))
    return qs


def coverage(campaign: Campaign, user: Actor = SYSTEM) -> Coverage:
    rows = list(
        counted(campaign, user).order_by().values_list("area_id", "status").annotate(n=Count("*"))
    )
    paths = dict(Area.objects.filter(pk__in={a for a, _s, _n in rows}).values_list("pk", "path"))
    result = Coverage()
    # Sum per micro-grid first, then add each micro-grid once to each of its ancestors.
    per_micro: dict[str, Counts] = {}
    for area_id, status, n in rows:
        per_micro.setdefault(paths[area_id], Counts()).add(status, n)
        result.total.add(status, n)
    by_path = result.by_path
    for path, counts in per_micro.items():
        # "/a/b/c/" → "/a/", "/a/b/", "/a/b/c/"
        end = path.find("/", 1)
        while end != -1:
            key = path[: end + 1]
            end = path.find("/", end + 1)
            agg = by_path.get(key)
            if agg is None:
                agg = by_path[key] = Counts()
            agg.total += counts.total
            agg.done += counts.done
            agg.unreachable += counts.unreachable
    return result


def rows_for(cov: Coverage, areas: list[Area]) -> list[tuple[Area, Counts]]:
    return [(a, cov.of(a)) for a in areas]


def children(parent: Area | None, user: Actor, cov: Coverage) -> list[Area]:
    """The areas to show one level below `parent` (None: the user's own top areas, or the
    tree's roots), live ones and any ended one still holding targets. `user` SYSTEM (the
    CLI) sees the whole tree."""
    from wangge.accounts.scope import visible_paths

    if parent is None:
        paths = visible_paths(user)
        if paths is None:
            qs = Area.objects.filter(parent__isnull=True)
        else:
            qs = Area.objects.filter(path__in=paths)
    else:
        qs = Area.objects.filter(parent=parent)
    areas = list(qs.defer("geometry").order_by("code"))
    return [a for a in areas if a.valid_to is None or a.path in cov.by_path]


def at_level(level: int, user: Actor, cov: Coverage) -> list[tuple[Area, Counts]]:
    """Every area of one level (e.g. every grid of the district) with its counts."""
    from wangge.accounts.scope import path_q

    areas = Area.objects.filter(level=level).defer("geometry")
    if needs_check(user):  # the system: the whole tree
        areas = areas.filter(path_q(user, "path"))
    return [
        (a, cov.of(a))
        for a in areas.order_by("path")
        if a.valid_to is None or a.path in cov.by_path
    ]
