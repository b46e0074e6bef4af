"""Scoped reads of the area tree: every list goes through the acting user's scope."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area
from wangge.regions.scope import scope_of


def area_list(
    *,
    user: Any,
    level: int | None = None,
    parent_code: str | None = None,
    name: str | None = None,
    code_prefix: str | None = None,
) -> QuerySet[Area]:
    qs = without_geometry(Area.objects.live().filter(scope_of(user).q()).select_related("parent"))
    if level is not None:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if name:
        qs = qs.filter(name__icontains=name.strip())
    if code_prefix:
        qs = qs.filter(code__startswith=code_prefix.strip())
    return qs.order_by("path")


def area_get(*, user: Any, code: str) -> Area:
    """A live area by code; DomainError 404 when it does not exist or is outside the user's
    scope (which of the two is not told), as every app's selectors answer "not found"."""
    area = without_geometry(Area.objects.live().filter(code=code).select_related("parent")).first()
    if area is None or not scope_of(user).sees(area):
        raise DomainError.one(
            _("Area %(code)s not found.") % {"code": code},
            field="code",
            code="not_found",
            status=404,
        )
    return area


def area_chain(area: Area) -> list[Area]:
    """The area's ancestors from the top, then the area itself (one query)."""
    ancestors = Area.objects.filter(path__in=area.chain_paths()[:-1]).defer("geometry")
    if area.is_live:  # an ended area's path may be shared with its live successor
        ancestors = ancestors.live()
    return [*sorted(ancestors, key=lambda a: a.level), area]


def area_children(*, user: Any, area: Area) -> QuerySet[Area]:
    return (
        Area.objects.live()
        .filter(parent=area)
        .filter(scope_of(user).q())
        .defer("geometry")
        .annotate(child_count=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("code")
    )


def area_subtree_with_geometry(*, user: Any, area: Area, depth: int = 1) -> QuerySet[Area]:
    """Areas from the given one down to `depth` levels below it, geometry included."""
    return (
        Area.objects.live()
        .subtree(area)
        .filter(scope_of(user).q(), level__lte=area.level + depth)
        .exclude(geometry="")
        .order_by("path")
    )


def top_areas(*, user: Any) -> QuerySet[Area]:
    """The highest areas the user sees: the tree's roots, or the areas of their posts."""
    paths = scope_of(user).paths
    qs = Area.objects.live().defer("geometry")
    if paths is None:
        return qs.filter(parent__isnull=True).order_by("code")
    return qs.filter(path__in=paths).order_by("path")
