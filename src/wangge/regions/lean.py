"""Lists never load boundaries they do not draw.

An area's `geometry` can be megabytes of GeoJSON (a real county's boundaries have thousands of
vertices each); joined into a list of events it travels through the sort and the wire for
nothing. Every list, queue, export and figure passes its queryset through `without_geometry`
after its `select_related`; the map and the GeoJSON endpoints, which draw it, do not.
tests/sqlguard.py fails any list request whose SQL names a geometry column.
"""

from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet

HEAVY = ("geometry",)  # field names of boundaries, on Area and LayerArea

Q = TypeVar("Q", bound=QuerySet[Any])


def heavy_fields(model: type[models.Model]) -> list[str]:
    names = {f.name for f in model._meta.concrete_fields}
    return [name for name in HEAVY if name in names]


def without_geometry(qs: Q) -> Q:
    """`qs` with the geometry of its own rows and of every row it joins by `select_related`
    deferred (a deferred column is fetched only if read, one query per row: don't read it)."""
    deferred = heavy_fields(qs.model)
    related = qs.query.select_related
    if isinstance(related, dict):
        deferred += list(_joined(qs.model, related, ""))
    return qs.defer(*deferred) if deferred else qs


def _joined(model: type[models.Model], tree: dict[str, Any], prefix: str) -> Any:
    for name, sub in tree.items():
        target = model._meta.get_field(name).related_model
        if not isinstance(target, type):
            continue
        path = f"{prefix}{name}__"
        yield from (path + field for field in heavy_fields(target))
        yield from _joined(target, sub, path)
