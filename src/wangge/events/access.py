"""Who may act on an event: posts at or above its responsible area, department handlers."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from wangge.events import rows
from wangge.regions.models import Area, Post, Role

User = get_user_model()
GRID_ROLES = (Role.GRID_LEADER, Role.FULL_TIME, Role.PART_TIME, Role.LIAISON)
CENTRE_ROLES = (Role.OPERATOR, Role.SECRETARY)


# The live posts of each user, remembered while a `posts_memo()` block runs: one action's
# permission checks (several per transition, a dozen for a page's buttons) share one query.
_memo: ContextVar[dict[int, list[tuple[str, str]]] | None] = ContextVar("posts_memo", default=None)


@contextlib.contextmanager
def posts_memo() -> Iterator[None]:
    if _memo.get() is not None:  # nested: the outer block's memo serves
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def posts_select() -> str:
    """SELECT (area path, role) of a user's posts in force on a day; parameters: the user's
    id, then the day (`posts_day`) twice."""
    return (
        f"SELECT a.path, p.role FROM {Post._meta.db_table} p"
        f" JOIN {Area._meta.db_table} a ON a.id = p.area_id"
        " WHERE p.user_id = %s AND p.started_on <= %s"
        " AND (p.ended_on IS NULL OR p.ended_on > %s)"
    )


def posts_day() -> Any:
    """The day parameter of `posts_select`, as the database takes it."""
    return connection.ops.adapt_datefield_value(timezone.localdate())


def remember_posts(user: Any, posts: list[tuple[str, str]]) -> None:
    """Posts read along another query (the event lock), for the checks of this action."""
    memo = _memo.get()
    if memo is not None:
        memo[user.pk] = posts


def live_posts(user: Any) -> list[tuple[str, str]]:
    """(area path, role) of the user's posts in force today."""
    memo = _memo.get()
    if memo is not None and user.pk in memo:
        return memo[user.pk]
    day = posts_day()
    found = [(path, role) for path, role in rows.fetchall(posts_select(), [user.pk, day, day])]
    remember_posts(user, found)
    return found


def posts_over(user: Any, area: Area, roles: tuple[str, ...]) -> bool:
    """Does the user hold one of `roles` at the area or at one of its ancestors?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    chain = set(area.chain_paths())
    return any(path in chain and role in roles for path, role in live_posts(user))


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def is_centre_for(user: Any, area: Area) -> bool:
    """A command-centre operator (or community secretary) at or above the area."""
    return is_admin(user) or posts_over(user, area, CENTRE_ROLES)


def is_grid_staff_for(user: Any, area: Area) -> bool:
    return posts_over(user, area, GRID_ROLES)


def handles_department(user: Any, department_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.departments.filter(pk=department_id, active=True).exists()


def holder_ids_nearest(area: Area, roles: tuple[str, ...]) -> list[int]:
    """Ids of the active users holding `roles` at the area, or else at its nearest ancestor
    that has any (who to notify: the level responsible, not every level above it)."""
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    paths = area.chain_paths()
    by_depth: dict[int, list[int]] = {}
    for user_id, level in rows.fetchall(
        f"SELECT p.user_id, a.level FROM {Post._meta.db_table} p"
        f" JOIN {Area._meta.db_table} a ON a.id = p.area_id"
        f" JOIN {User._meta.db_table} u ON u.id = p.user_id"
        f" WHERE p.role IN ({', '.join(['%s'] * len(roles))})"
        f" AND a.path IN ({', '.join(['%s'] * len(paths))})"
        " AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on > %s) AND u.is_active",
        [*roles, *paths, today, today],
    ):
        by_depth.setdefault(level, []).append(user_id)
    if not by_depth:
        return []
    return list(dict.fromkeys(by_depth[max(by_depth)]))
