"""网格联动's staffing figures (1+1+N), kept by the stats worker.

For every area: its live grids, those staffed 1+1+N (a grid leader and a full-time grid
worker in post at the grid itself), and the part-time grid workers in post anywhere under it.

Posts are a small table (a handful per grid) that changes rarely, but from several places —
accounts' services, the roster import, the admin — and partly by bulk updates that no per-row
hook would see. So instead of a change log, each fill step recomputes the whole snapshot from
three grouped reads, adds each grid's and post's counts up its chain of areas, and writes only
the rows that differ. When any did, the "staffing" fill state moves, and with it the
dashboard's cache key (`dashboard.fill_mark`). A rebuild is the same call, so the two agree.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from wangge.accounts.models import Post, Role
from wangge.regions.models import Area
from wangge.stats.facts import area_chains
from wangge.stats.models import FillState, StaffingFigure

STATE = "staffing"
GRID_LEVEL = 4  # "1+1+N" is counted on grids (网格), as the roster page does
COUNTS = ("grids", "complete", "part_time")
Counts = dict[int, tuple[int, int, int]]  # area id -> (grids, complete, part_time)


def compute() -> Counts:
    """Every area's staffing counts from the posts in force (areas with none left out)."""
    grids = list(Area.objects.live().filter(level=GRID_LEVEL).values_list("pk", flat=True))
    roles: dict[int, set[str]] = defaultdict(set)
    at_grids = (
        Post.objects.filter(ended_on__isnull=True, role__in=(Role.GRID_LEADER, Role.FULL_TIME))
        .order_by()
        .values_list("area_id", "role")
        .distinct()
    )
    for area_id, role in at_grids:
        roles[area_id].add(role)
    part_time = dict(
        Post.objects.filter(ended_on__isnull=True, role=Role.PART_TIME)
        .order_by()
        .values("area_id")
        .annotate(n=Count("pk"))
        .values_list("area_id", "n")
    )
    chains = area_chains(set(grids) | set(part_time))
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for grid in grids:
        complete = int({Role.GRID_LEADER, Role.FULL_TIME} <= roles[grid])
        for area in chains.get(grid, ()):
            totals[area][0] += 1
            totals[area][1] += complete
    for area_id, n in part_time.items():
        for area in chains.get(area_id, ()):
            totals[area][2] += n
    return {area: (c[0], c[1], c[2]) for area, c in totals.items() if any(c)}


def refresh() -> int:
    """Bring the stored figures to the posts now; returns the rows that changed."""
    new = compute()
    with transaction.atomic():
        state, _created = FillState.objects.select_for_update().get_or_create(
            name=STATE, defaults={"asof": timezone.now(), "position": 0}
        )
        old: Counts = {
            area: (g, c, p)
            for area, g, c, p in StaffingFigure.objects.values_list("area_id", *COUNTS)
        }
        changed = [a for a in old.keys() | new.keys() if old.get(a) != new.get(a)]
        if changed:
            gone = [a for a in changed if a in old]
            for start in range(0, len(gone), 1000):
                StaffingFigure.objects.filter(area_id__in=gone[start : start + 1000]).delete()
            StaffingFigure.objects.bulk_create(
                [
                    StaffingFigure(area_id=a, **dict(zip(COUNTS, new[a], strict=True)))
                    for a in sorted(changed)
                    if a in new
                ],
                batch_size=1000,
            )
            state.position += 1
            state.last_modified = timezone.now()
        state.asof = timezone.now()
        state.save()
    return len(changed)


def figures(area: Area) -> dict[str, int]:
    """The area's staffing counts as last filled (zeros where nothing is in post)."""
    row = StaffingFigure.objects.filter(area_id=area.pk).values_list(*COUNTS).first()
    return dict(zip(COUNTS, row or (0, 0, 0), strict=True))
