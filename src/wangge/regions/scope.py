"""Which areas a user sees: the subtrees under their active posts (superusers: everything)."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from wangge.regions.models import Area, Post


def visible_paths(user: Any) -> list[str] | None:
    """Path prefixes the user may see; None means the whole tree; [] means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    today = timezone.localdate()
    paths = sorted(
        set(
            Post.objects.filter(user=user, started_on__lte=today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
            .values_list("area__path", flat=True)
        )
    )
    # Drop paths already inside another visible subtree.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def path_q(user: Any, path_field: str = "path") -> Q:
    """A filter on a path field (e.g. "area__path") limiting rows to the user's scope."""
    paths = visible_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def can_see(user: Any, area: Area) -> bool:
    paths = visible_paths(user)
    return paths is None or any(area.path.startswith(p) for p in paths)
