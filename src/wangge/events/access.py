"""Who may act on an event: posts at or above its responsible area, department handlers."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from wangge.regions.models import Area, Post, Role

GRID_ROLES = (Role.GRID_LEADER, Role.FULL_TIME, Role.PART_TIME, Role.LIAISON)
CENTRE_ROLES = (Role.OPERATOR, Role.SECRETARY)


def posts_over(user: Any, area: Area, roles: tuple[str, ...]) -> bool:
    """Does the user hold one of `roles` at the area or at one of its ancestors?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    today = timezone.localdate()
    return (
        Post.objects.filter(
            user=user, role__in=roles, area__path__in=area.chain_paths(), started_on__lte=today
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .exists()
    )


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


def users_nearest(area: Area, roles: tuple[str, ...]) -> list[Any]:
    """Holders of `roles` at the area, or else at its nearest ancestor that has any (who to
    notify: the level responsible, not every level above it)."""
    today = timezone.localdate()
    posts = (
        Post.objects.filter(role__in=roles, area__path__in=area.chain_paths())
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today), user__is_active=True)
        .select_related("user", "area")
    )
    by_depth: dict[int, list[Any]] = {}
    for post in posts:
        by_depth.setdefault(post.area.level, []).append(post.user)
    if not by_depth:
        return []
    return list({u.pk: u for u in by_depth[max(by_depth)]}.values())
