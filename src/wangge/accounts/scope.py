"""The one scope: which areas an actor sees, and which posts they hold.

A user sees the subtrees under their live posts (a post at an area gives sight of its whole
subtree); an administrator (superuser) and the system (`SYSTEM`) see the whole tree; an
anonymous or deactivated user sees nothing. Every selector of every app limits its rows
through this module: `scope_of` (the value), `path_q` (rows with a path), `area_q` (rows
with an area, one subquery), `can_see` (one area); and every role check reads the posts
through `live_posts` / `posts_over`. Nothing else reads posts for sight.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from wangge.accounts.actors import Actor, is_system, is_user
from wangge.accounts.models import Post
from wangge.regions import scope as region_scope
from wangge.regions.models import Area
from wangge.regions.scope import Scope

__all__ = [
    "Scope",
    "area_q",
    "can_see",
    "live_posts",
    "path_q",
    "post_rows",
    "posts_memo",
    "posts_over",
    "scope_of",
    "visible_paths",
]


# -- the posts ------------------------------------------------------------------------------
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


def remember_posts(actor: Actor, posts: list[tuple[str, str]]) -> None:
    """Posts read along another query (the event lock), for the checks of this action."""
    memo = _memo.get()
    if memo is not None and actor.pk is not None:
        memo[actor.pk] = posts


def live_posts(actor: Actor) -> list[tuple[str, str]]:
    """(area path, role) of the actor's posts in force today (none for the system)."""
    if not is_user(actor) or actor.pk is None:
        return []
    memo = _memo.get()
    if memo is not None and actor.pk in memo:
        return memo[actor.pk]
    day = posts_day()
    with connection.cursor() as cursor:
        cursor.execute(posts_select(), [actor.pk, day, day])
        found = [(path, role) for path, role in cursor.fetchall()]
    remember_posts(actor, found)
    return found


def in_force(day: dt.date | None = None, prefix: str = "") -> Q:
    """Posts in force on `day` (today): started, and not ended by then. `prefix` reaches the
    post through a relation ("posts__"). The one definition of a live post for the ORM;
    `posts_select` and `_SCOPE_SQL` say the same in SQL."""
    day = day or timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": day}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": day})
    )


def post_rows(
    actor: Actor, roles: tuple[str, ...] | None = None, day: dt.date | None = None
) -> QuerySet[Post]:
    """The actor's posts in force on `day` (today) as rows, optionally of some roles."""
    if not is_user(actor) or actor.pk is None:
        return Post.objects.none()
    qs = Post.objects.filter(in_force(day), user_id=actor.pk)
    return qs if roles is None else qs.filter(role__in=roles)


def posts_over(actor: Actor, area: Area, roles: tuple[str, ...]) -> bool:
    """Does the actor hold one of `roles` at the area or at one of its ancestors?"""
    if not is_user(actor):
        return False
    chain = set(area.chain_paths())
    return any(path in chain and role in roles for path, role in live_posts(actor))


# -- what they see --------------------------------------------------------------------------
def scope_of(actor: Actor) -> Scope:
    if is_system(actor):
        return Scope.everything()
    if not is_user(actor):
        return Scope.nothing()
    if actor.is_superuser:
        return Scope.everything()
    return Scope.of(path for path, _role in live_posts(actor))


def visible_paths(actor: Actor) -> list[str] | None:
    """Path prefixes the actor may see; None means the whole tree; [] means nothing."""
    return scope_of(actor).path_list()


def path_q(actor: Actor, path_field: str = "path") -> Q:
    """A filter on a path field (e.g. "area__path") limiting rows to the actor's scope."""
    return scope_of(actor).q(path_field)


def can_see(actor: Actor, area: Area) -> bool:
    return scope_of(actor).sees(area)


def area_q(actor: Actor, area_field: str = "area") -> Q:
    """Rows whose area lies under the actor's live posts, as `area IN (areas under a post)`.

    One subquery does it all (the posts are read by the database, not by a round trip
    first), and the planner uses the rows' area index instead of joining the area table.
    It is written as SQL because every list and search of people builds it: composed from
    querysets it cost more to compile than the search it limits.
    """
    if is_system(actor):
        return Q()
    if not is_user(actor):
        return Q(pk__in=[])
    if actor.is_superuser:
        return Q()  # the whole tree
    today = timezone.localdate()
    sql = RawSQL(_SCOPE_SQL, [actor.pk, today, today])  # noqa: S611 (constant text, bound values)
    return Q(**{f"{area_field}__in": sql})


_SCOPE_SQL = (
    f"SELECT a.id FROM {Area._meta.db_table} a WHERE EXISTS ("
    f"SELECT 1 FROM {Post._meta.db_table} p JOIN {Area._meta.db_table} pa ON pa.id = p.area_id"
    " WHERE p.user_id = %s AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on > %s)"
    # An exact prefix test: no LIKE, so no wildcard in a path can widen it.
    " AND substr(a.path, 1, length(pa.path)) = pa.path)"
)


def connect() -> None:
    """Hand `scope_of` to regions, whose area reads may not import this app."""
    region_scope.provide(scope_of)
