import json
from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wangge import tiles
from wangge.accounts.actors import Actor, author
from wangge.accounts.models import Role

# The roles that work in the street with a phone: they get the phone shell (a bottom tab bar
# instead of the desktop menu on a narrow screen) and land on today's tasks after login.
FIELD_ROLES = frozenset({Role.GRID_LEADER, Role.FULL_TIME, Role.PART_TIME, Role.LIAISON})


class Shell:
    """What the page frame needs to know of the user, read once per page and only when the
    template asks (one query: the roles of the user's live posts)."""

    def __init__(self, user: Actor | None) -> None:
        self._user = author(user) if user is not None else None

    @cached_property
    def roles(self) -> frozenset[str]:
        if self._user is None:
            return frozenset()
        return frozenset(
            self._user.posts.filter(ended_on__isnull=True).values_list("role", flat=True)
        )

    @property
    def has_posts(self) -> bool:
        return bool(self.roles)

    @property
    def field(self) -> bool:
        return bool(self.roles & FIELD_ROLES)


def is_field_worker(user: Actor) -> bool:
    return Shell(user).field


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "tile_url": settings.WANGGE_TILE_URL,
        "tile_attribution": settings.WANGGE_TILE_ATTRIBUTION,
        "tiles_json": json.dumps(tiles.configured().as_json(), ensure_ascii=False),
        "shell": Shell(getattr(request, "user", None)),
    }
