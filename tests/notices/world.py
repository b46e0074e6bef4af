"""A small tree with posts for the notices tests."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.factories import make_tree, make_user, post
from wangge.accounts.models import Post
from wangge.regions.models import Area


@dataclass
class World:
    areas: dict[str, Area]
    district: Area
    street: Area
    other_street: Area
    community: Area
    grid: Area
    micro: Area
    other_grid: Area
    admin: Any
    street_op: Any
    secretary: Any
    leader: Any
    worker: Any
    part_timer: Any
    outsider: Any


def build() -> World:
    areas = make_tree(split=2)
    by_level: dict[int, list[Area]] = {}
    for a in sorted(areas.values(), key=lambda a: a.path):
        by_level.setdefault(a.level, []).append(a)
    district = by_level[1][0]
    street, other_street = by_level[2][0], by_level[2][1]
    community = next(a for a in by_level[3] if a.parent_id == street.pk)
    grid = next(a for a in by_level[4] if a.parent_id == community.pk)
    other_grid = next(a for a in by_level[4] if a.parent_id == community.pk and a != grid)
    micro = next(a for a in by_level[5] if a.parent_id == grid.pk)
    far_grid = next(a for a in by_level[4] if a.path.startswith(other_street.path))
    w = World(
        areas=areas,
        district=district,
        street=street,
        other_street=other_street,
        community=community,
        grid=grid,
        micro=micro,
        other_grid=other_grid,
        admin=make_user("admin", is_superuser=True, is_staff=True),
        street_op=make_user("street_op", first_name="街道"),
        secretary=make_user("secretary", first_name="书记"),
        leader=make_user("leader", last_name="王", first_name="网格长"),
        worker=make_user("worker", last_name="李", first_name="专职"),
        part_timer=make_user("part_timer"),
        outsider=make_user("outsider"),
    )
    post(w.street_op, street, "operator")
    post(w.secretary, community, "secretary")
    post(w.leader, grid, "grid_leader")
    post(w.worker, micro, "full_time")
    post(w.part_timer, grid, "part_time")
    post(w.outsider, far_grid, "full_time")
    # Posts held since long ago: tests run the clock at fixed days of 2026.
    Post.objects.update(started_on=date(2020, 1, 1))
    return w
