"""Reads of posts: an area's staff, the grids short of staff."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from wangge.accounts.models import Post, Role
from wangge.accounts.scope import scope_of
from wangge.regions.models import Area


def area_staff(area: Area) -> QuerySet[Post]:
    return (
        Post.objects.filter(area=area, ended_on__isnull=True)
        .select_related("user")
        .order_by("role", "user__username")
    )


def area_staff_rows(area: Area) -> list[dict[str, str]]:
    """The area's staff as the area API shows them."""
    return [
        {
            "username": p.user.username,
            "name": p.user.get_full_name() or p.user.username,
            "role": p.role,
            "role_name": p.get_role_display(),
        }
        for p in area_staff(area)
    ]


def incomplete_grids(*, user: Any, level: int = 4) -> list[dict[str, Any]]:
    """Grids lacking "1+1+N": no grid leader or no full-time worker."""
    active = Post.objects.filter(ended_on__isnull=True)
    grids = (
        Area.objects.live()
        .filter(scope_of(user).q(), level=level)
        .select_related("parent")
        .defer("geometry", "parent__geometry")
        .prefetch_related(Prefetch("posts", queryset=active, to_attr="active_posts"))
        .order_by("path")
    )
    rows = []
    for grid in grids:
        roles = [p.role for p in grid.active_posts]  # type: ignore[attr-defined]  # prefetched
        leaders = roles.count(Role.GRID_LEADER)
        full_time = roles.count(Role.FULL_TIME)
        if leaders and full_time:
            continue
        rows.append(
            {
                "area": grid,
                "leaders": leaders,
                "full_time": full_time,
                "part_time": roles.count(Role.PART_TIME),
            }
        )
    return rows


def shortfalls(user: Any) -> list[dict[str, Any]]:
    return incomplete_grids(user=user)
