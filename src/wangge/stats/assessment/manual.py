"""Manual items (上级督查): points (+ or −) an assessor enters on a target's result with a
reason, under their name; removable only while the run is a draft. Both audited.

The run recomputes with each change, so the result's breakdown shows every manual item with
who entered it and why (`services._score_target`)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor
from wangge.accounts.models import AuditAction
from wangge.errors import DomainError
from wangge.stats.assessment import services
from wangge.stats.assessment.models import ManualItem, Run, RunStatus


def items_of(run: Run, target_id: int) -> list[ManualItem]:
    return list(
        run.manual_items.filter(target_id=target_id).select_related("assessor").order_by("id")
    )


@transaction.atomic
def manual_add(
    run: Run,
    *,
    user: Actor,
    target_id: int,
    points: Any,
    reason: str,
    ip: str = "",
    now: Any = None,
) -> ManualItem:
    """Points with a reason on a draft run's target, by the assessor logged in (permission
    assessment.add_manualitem, and the target within their sight)."""
    services.require(user, "assessment.add_manualitem")
    if not services.visible_results(user, run).filter(target_id=target_id).exists():
        raise DomainError.one(
            _("No result of target %(t)s that you may see.") % {"t": target_id},
            field="target_id",
            code="not_found",
            status=404,
        )
    if len((reason or "").strip()) > 200:
        raise services.invalid(_("The reason is longer than 200 characters."), field="reason")
    item = services.add_manual(
        run, target_id=target_id, points=points, reason=reason, assessor=user, now=now
    )
    audit.record(
        user,
        AuditAction.CREATE,
        "assessment_manual",
        item.pk,
        label=f"{run.scheme.code} {run.period} {target_id}",
        reason=item.reason,
        ip=ip,
        detail={"run": run.pk, "target_id": target_id, "points": str(item.points)},
    )
    return item


def manual_get(run: Run, pk: int) -> ManualItem:
    item = run.manual_items.filter(pk=pk).first()
    if item is None:
        raise DomainError.one(
            _("No such manual item in this run."), field="item", code="not_found", status=404
        )
    return item


@transaction.atomic
def manual_remove(run: Run, *, user: Actor, item: ManualItem, ip: str = "", now: Any = None) -> Run:
    """Take a manual item back while the run is a draft (the run recomputes); audited with
    what it was."""
    services.require(user, "assessment.delete_manualitem")
    run = Run.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    if run.status == RunStatus.PUBLISHED:
        raise DomainError.one(
            _("Run %(p)s is published: its manual items stay.") % {"p": run.period},
            field="run",
            code="conflict",
            status=409,
        )
    if not services.visible_results(user, run).filter(target_id=item.target_id).exists():
        raise DomainError.one(
            _("No such manual item in this run."), field="item", code="not_found", status=404
        )
    detail = {
        "run": run.pk,
        "target_id": item.target_id,
        "points": str(item.points),
        "assessor": item.assessor.get_username(),
        "created_at": item.created_at.isoformat(),
    }
    reason = item.reason
    pk = item.pk
    item.delete()
    audit.record(
        user,
        AuditAction.DELETE,
        "assessment_manual",
        pk,
        label=f"{run.scheme.code} {run.period} {detail['target_id']}",
        reason=reason,
        ip=ip,
        detail=detail,
    )
    return services.compute(run, now=now)


def as_dict(item: ManualItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "target_id": item.target_id,
        "points": str(item.points),
        "reason": item.reason,
        "assessor": item.assessor.get_username(),
        "at": item.created_at.isoformat(),
    }
