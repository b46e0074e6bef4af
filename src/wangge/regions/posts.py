"""Whose posts cover an area: the live posts of a user, remembered for one action.

Scope sits here, left of every app that asks it (people, events, fieldwork)."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.utils import timezone

from wangge.regions.models import Area, Post

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
    with connection.cursor() as cursor:
        cursor.execute(posts_select(), [user.pk, day, day])
        found = [(path, role) for path, role in cursor.fetchall()]
    remember_posts(user, found)
    return found


def posts_over(user: Any, area: Area, roles: tuple[str, ...]) -> bool:
    """Does the user hold one of `roles` at the area or at one of its ancestors?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    chain = set(area.chain_paths())
    return any(path in chain and role in roles for path, role in live_posts(user))
