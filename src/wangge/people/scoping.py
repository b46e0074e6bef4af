"""The scoped reads every people sub-package builds on: a model's rows in the user's areas, one
row by key (404 outside scope), an area's subtree, and the offset page of a list."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.accounts.scope import area_q
from wangge.errors import DomainError
from wangge.regions.models import Area

M = TypeVar("M", bound=Model)


def scoped(model: type[M], user: Actor, area_field: str = "area") -> QuerySet[M]:
    return model._default_manager.filter(area_q(user, area_field))


def get_scoped(model: type[M], user: Actor, pk: Any, area_field: str = "area") -> M:
    return get_in(scoped(model, user, area_field), pk)


def get_in(qs: QuerySet[M], pk: Any) -> M:
    """One row of an (already scoped) queryset by primary key; DomainError 404 otherwise."""
    obj = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return obj


def subtree_ids(area_code: str) -> Any:
    """The ids of the live area with this code and of everything under it (none if unknown)."""
    area = Area.objects.live().filter(code=area_code).first()
    if area is None:
        return Area.objects.none().values("pk")
    return Area.objects.subtree(area).values("pk")


MAX_PAGE = 100_000


def page(qs: QuerySet[M], number: int, size: int) -> tuple[list[M], bool]:
    """An offset page; returns the rows and whether a next page exists.

    The page's keys come first from a narrow query (the database sorts ids, not whole joined
    rows: at offset 20,000 that is the difference between an index scan and a sort spilling
    to disk), then the rows of those keys with the queryset's joins and prefetches.
    """
    size = max(1, min(size, 200))
    number = max(1, min(number, MAX_PAGE))  # a huge OFFSET is a database error, not a page
    keys = list(qs.values_list("pk", flat=True)[(number - 1) * size : number * size + 1])
    rows = list(qs.filter(pk__in=keys[:size])) if keys else []
    return rows, len(keys) > size
