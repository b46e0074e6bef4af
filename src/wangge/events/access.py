"""Who may act on an event: posts at or above its responsible area, department handlers.

The roles come from the one matrix (`wangge.accounts.permissions`)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from wangge.accounts import permissions
from wangge.accounts.models import Post
from wangge.accounts.permissions import Action, roles_for
from wangge.events import rows
from wangge.regions.models import Area

User = get_user_model()
GRID_ROLES = roles_for(Action.HANDLE_AT_GRID)
CENTRE_ROLES = roles_for(Action.RUN_CENTRE)


def is_admin(user: Any) -> bool:
    return permissions.is_admin(user)


def is_centre_for(user: Any, area: Area) -> bool:
    """A command-centre operator (or community secretary) at or above the area."""
    return permissions.may(user, Action.RUN_CENTRE, area)


def is_grid_staff_for(user: Any, area: Area) -> bool:
    return permissions.may(user, Action.HANDLE_AT_GRID, area)


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
