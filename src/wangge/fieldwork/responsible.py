"""Who is responsible for an area: the post holder a visit or must-attend task is assigned to."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from wangge.accounts.models import Post, Role
from wangge.accounts.scope import in_force
from wangge.regions.models import Area

# When the rule's own role has nobody in the household's chain of areas.
FALLBACK_ROLES = (Role.FULL_TIME, Role.GRID_LEADER, Role.PART_TIME, Role.LIAISON)


def responsible_users(area_ids: Iterable[int], roles: Iterable[str]) -> dict[tuple[int, str], int]:
    """(area id, role) → the user to assign: the holder of a live post with the role at the
    area or its nearest ancestor; when nobody holds it anywhere up the chain, the nearest
    full-time worker, then grid leader, part-time worker, liaison. Missing: nobody at all.
    Ties (two holders at one area) go to the earliest post."""
    area_ids = list(dict.fromkeys(area_ids))
    roles = list(dict.fromkeys(roles))
    if not area_ids or not roles:
        return {}
    paths: dict[int, str] = {}
    for chunk in chunks(area_ids, 500):
        paths.update(Area.objects.filter(pk__in=chunk).values_list("pk", "path"))
    today = timezone.localdate()
    holders: dict[tuple[str, str], int] = {}  # (area path, role) → user
    live = (
        Post.objects.filter(in_force(today), user__is_active=True)
        .order_by("started_on", "id")
        .values_list("area__path", "role", "user_id")
    )
    for path, role, user_id in live.iterator(chunk_size=5000):
        holders.setdefault((path, role), user_id)
    out: dict[tuple[int, str], int] = {}
    for area_id, path in paths.items():
        parts = [c for c in path.split("/") if c]
        chain = ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]
        for role in roles:
            for candidate in (role, *(r for r in FALLBACK_ROLES if r != role)):
                holder = next(
                    (holders[(p, candidate)] for p in chain if (p, candidate) in holders), None
                )
                if holder is not None:
                    out[(area_id, role)] = holder
                    break
    return out


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
