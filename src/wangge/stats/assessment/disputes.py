"""Disputes (申诉): the assessed contest a published result with a reason within the set
time (WANGGE_ASSESS_DISPUTE_DAYS after publishing); an assessor records the decision once.

A published run stays frozen: an upheld dispute is recorded with the result (and shown with
it); a correction goes into the next period as a manual item."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Dispute, DisputeStatus, Run, RunStatus


def deadline(run: Run) -> Any:
    if run.published_at is None:
        return None
    return run.published_at + timedelta(days=settings.WANGGE_ASSESS_DISPUTE_DAYS)


def raise_dispute(run: Run, *, target_id: int, user: Any, reason: str, now: Any = None) -> Dispute:
    """A dispute of a result the user may see, on a published run, within the time."""
    now = now or timezone.now()
    if run.status != RunStatus.PUBLISHED:
        raise DomainError.one(
            _("Only a published result can be disputed."), field="run", code="conflict", status=409
        )
    due = deadline(run)
    if due is not None and now > due:
        raise DomainError.one(
            _("The time to dispute this result ended on %(d)s.")
            % {"d": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
            field="run",
            code="conflict",
            status=409,
        )
    reason = (reason or "").strip()
    if not reason:
        raise services.invalid(_("A dispute needs a reason."), field="reason")
    if len(reason) > 500:
        raise services.invalid(_("The reason is longer than 500 characters."), field="reason")
    result = services.visible_results(user, run).filter(target_id=target_id).first()
    if result is None:
        raise DomainError.one(
            _("No result of target %(t)s that you may see.") % {"t": target_id},
            field="target_id",
            code="not_found",
            status=404,
        )
    if result.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise DomainError.one(
            _("This result already has an open dispute."),
            field="target_id",
            code="conflict",
            status=409,
        )
    return Dispute.objects.create(result=result, raised_by=user, reason=reason, raised_at=now)


@transaction.atomic
def decide(dispute: Dispute, *, user: Any, upheld: bool, decision: str, now: Any = None) -> Dispute:
    """The assessor's decision (permission assessment.change_dispute), recorded once."""
    services.require(user, "assessment.change_dispute")
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError.one(
            _("This dispute is decided already."), field="dispute", code="conflict", status=409
        )
    decision = (decision or "").strip()
    if not decision:
        raise services.invalid(_("A decision needs its reasons."), field="decision")
    if len(decision) > 500:
        raise services.invalid(_("The decision is longer than 500 characters."), field="decision")
    dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    dispute.decided_by = user
    dispute.decided_at = now or timezone.now()
    dispute.decision = decision
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    return dispute


def dispute_get(pk: int) -> Dispute:
    d = Dispute.objects.select_related("result__run__scheme").filter(pk=pk).first()
    if d is None:
        raise DomainError.one(_("No such dispute."), field="dispute", code="not_found", status=404)
    return d


def visible(user: Any) -> Any:
    """Assessors see every dispute; others the ones they raised."""
    qs = Dispute.objects.select_related("result__run__scheme", "raised_by", "decided_by")
    if user.has_perm("assessment.change_dispute"):
        return qs
    return qs.filter(raised_by=user)


def as_dict(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.pk,
        "run": d.result.run_id,
        "period": d.result.run.period,
        "scheme": d.result.run.scheme.code,
        "target_id": d.result.target_id,
        "target_name": d.result.target_name,
        "reason": d.reason,
        "raised_by": d.raised_by.get_username(),
        "raised_at": d.raised_at.isoformat(),
        "status": d.status,
        "decided_by": d.decided_by.get_username() if d.decided_by else None,
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "decision": d.decision,
    }
