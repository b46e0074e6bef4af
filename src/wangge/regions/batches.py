"""Undoing an area import: its created areas go, as long as nothing refers to them yet.

Which models refer to areas is read from Django's relations, so apps further right
(events, people, fieldwork …) are checked without regions importing them.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.regions import services
from wangge.regions.models import Area, ImportBatch, LayerOverlap

# Derived from the areas themselves: removed with them (and recomputed by `layers remap`).
_DERIVED = {LayerOverlap}


@dataclass
class UndoResult:
    removed: int
    kept_updated: int  # areas the batch updated (not created): left as they are


def _references(rel: ForeignObjectRel, ids: list[int]) -> tuple[int, list[int]]:
    """How many rows of rel's model point at any of ids, and which of ids they point at."""
    name = rel.field.name
    rows = rel.related_model._default_manager.filter(**{f"{name}__in": ids})
    pointed = rows.values_list(name, flat=True).distinct()[:3]
    return rows.count(), list(pointed)


@transaction.atomic
def undo(batch_id: int) -> UndoResult:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise DomainError.one(
            _("Import batch %(id)s does not exist.") % {"id": batch_id}, code="not_found"
        )
    if batch.undone_at is not None:
        raise DomainError.one(
            _("Import batch %(id)s was already undone.") % {"id": batch_id}, code="already_undone"
        )
    areas = list(Area.objects.filter(import_batch=batch).order_by("path"))
    ids = [a.pk for a in areas]
    code_of = {a.pk: a.code for a in areas}
    problems = []
    for rel in Area._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.related_model in _DERIVED:
            continue
        if rel.related_model._meta.auto_created:  # a many-to-many's table: counted by its rel
            continue
        if rel.related_model is Area:  # children: only those of other imports count
            rows = Area.objects.filter(parent_id__in=ids).exclude(import_batch=batch)
            count, pointed = rows.count(), list(rows.values_list("parent_id", flat=True)[:3])
        else:
            count, pointed = _references(rel, ids)
        if count:
            problems.append(
                Problem(
                    _("%(n)s %(what)s refer to its areas (e.g. %(codes)s)")
                    % {
                        "n": count,
                        "what": rel.related_model._meta.verbose_name_plural,
                        "codes": ", ".join(code_of[i] for i in pointed if i in code_of),
                    },
                    item=f"{rel.related_model._meta.label}.{rel.field.name}",
                    code="referenced",
                )
            )
    if problems:
        raise DomainError(
            [Problem(_("Import batch %(id)s cannot be undone:") % {"id": batch_id}), *problems]
        )
    # PROTECT on parent: delete bottom-up.
    for level in sorted({a.level for a in areas}, reverse=True):
        Area.objects.filter(import_batch=batch, level=level).delete()
    batch.undone_at = timezone.now()
    batch.save(update_fields=["undone_at"])
    if areas:
        services.tree_changed()
    return UndoResult(removed=len(areas), kept_updated=batch.updated_count)
