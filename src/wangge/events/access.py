"""Who may act on an event: posts at or above its responsible area, department handlers.

The roles come from the one matrix (`wangge.accounts.permissions`)."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.accounts import permissions, selectors
from wangge.accounts.actors import Actor
from wangge.accounts.permissions import Action, roles_for
from wangge.events import rows
from wangge.regions.models import Area

User = get_user_model()
GRID_ROLES = roles_for(Action.HANDLE_AT_GRID)
CENTRE_ROLES = roles_for(Action.RUN_CENTRE)


def is_admin(user: Actor) -> bool:
    return permissions.is_admin(user)


def is_centre_for(user: Actor, area: Area) -> bool:
    """A command-centre operator (or community secretary) at or above the area."""
    return permissions.may(user, Action.RUN_CENTRE, area)


def is_grid_staff_for(user: Actor, area: Area) -> bool:
    return permissions.may(user, Action.HANDLE_AT_GRID, area)


def holder_ids_nearest(area: Area, roles: tuple[str, ...]) -> list[int]:
    """Ids of the active users holding `roles` at the area, or else at its nearest ancestor
    that has any (who to notify: the level responsible, not every level above it). The
    query is accounts' (`holders_sql`), run here as a prepared statement: transitions run it."""
    sql, params = selectors.holders_sql(
        columns="p.user_id, a.level",
        roles=roles,
        day=timezone.localdate(),
        at_paths=area.chain_paths(),
    )
    return selectors.nearest_holder_ids(rows.fetchall(sql, params))
