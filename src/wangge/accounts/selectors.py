"""Reads of posts: an area's staff, the grids short of staff, who holds posts over or under an
area."""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from wangge.accounts.actors import Actor
from wangge.accounts.models import Post, Role
from wangge.accounts.scope import scope_of
from wangge.regions.models import Area

User = get_user_model()


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


def incomplete_grids(*, user: Actor, level: int = 4) -> list[dict[str, Any]]:
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


def posts_under(*, user: Actor, area: Area, role: str) -> QuerySet[Post]:
    """The live posts of `role` at the area and under it that the user sees (the roster's
    list of part-time workers), by area then username; users and areas joined, no geometry."""
    areas = Area.objects.live().subtree(area).filter(scope_of(user).q()).values("pk")
    return (
        Post.objects.filter(ended_on__isnull=True, role=role, area__in=areas)
        .select_related("user", "area")
        .defer("area__geometry")
        .order_by("area__path", "user__username", "pk")
    )


def shortfalls(user: Actor) -> list[dict[str, Any]]:
    return incomplete_grids(user=user)


# -- who holds posts over, or under, an area ----------------------------------------------


def like_prefix(path: str) -> str:
    """A LIKE pattern of the paths under `path`, its wildcards escaped (ESCAPE '\\')."""
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def holders_sql(
    *,
    columns: str,
    roles: tuple[str, ...] | list[str],
    day: dt.date,
    at_paths: list[str] | None = None,
    under_paths: list[str] | None = None,
) -> tuple[str, list[Any]]:
    """SELECT `columns` (of `p`, the post, `a`, its area, `u`, its user) of the posts held on
    `day` in one of `roles` by active users: at the areas whose path is in `at_paths` (an
    area's chain: the posts over it), or at live areas under one of `under_paths` (the posts
    in those subtrees). The one text of "who holds posts over/under an area" for the reads
    that run it as SQL: who to notify (`events.access`) and a notice's recipients, copied by
    one INSERT … SELECT (`notices.services`). Give roles and paths (an empty list is
    refused: `IN ()` is no SQL)."""
    if (at_paths is None) == (under_paths is None):
        raise ValueError("give at_paths or under_paths")
    paths = at_paths if at_paths is not None else under_paths
    if not roles or not paths:
        raise ValueError("no roles or no paths: nobody holds such a post")
    if at_paths is not None:
        where = f"a.path IN ({', '.join(['%s'] * len(at_paths))})"
        values = list(at_paths)
    else:
        where = "(" + " OR ".join(["a.path LIKE %s ESCAPE '\\'"] * len(paths)) + ")"
        where += " AND a.valid_to IS NULL"
        values = [like_prefix(p) for p in paths]
    day_value = connection.ops.adapt_datefield_value(day)
    # `columns` is the callers' constant text; every value is bound.
    sql = (
        f"SELECT {columns} FROM {Post._meta.db_table} p"  # noqa: S608
        f" JOIN {Area._meta.db_table} a ON a.id = p.area_id"
        f" JOIN {User._meta.db_table} u ON u.id = p.user_id"
        f" WHERE p.role IN ({', '.join(['%s'] * len(roles))}) AND {where}"
        " AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on > %s) AND u.is_active"
    )
    return sql, [*roles, *values, day_value, day_value]


def nearest_holder_ids(rows: list[tuple[int, int]]) -> list[int]:
    """From (user id, area level) rows of the posts over an area, the users at the deepest
    level that has any, once each, in the rows' order."""
    by_depth: dict[int, list[int]] = {}
    for user_id, level in rows:
        by_depth.setdefault(level, []).append(user_id)
    if not by_depth:
        return []
    return list(dict.fromkeys(by_depth[max(by_depth)]))


def holder_ids_nearest(area: Area, roles: tuple[str, ...], day: dt.date | None = None) -> list[int]:
    """Ids of the active users holding `roles` at the area, or else at its nearest ancestor
    that has any (who to notify: the level responsible, not every level above it)."""
    if not roles:
        return []
    sql, params = holders_sql(
        columns="p.user_id, a.level",
        roles=roles,
        day=day or timezone.localdate(),
        at_paths=area.chain_paths(),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return nearest_holder_ids(cursor.fetchall())
