"""Disputes (申诉): the assessed contest a published result with a reason within the set
time (WANGGE_ASSESS_DISPUTE_DAYS after publishing); an assessor records the decision once.

A published run stays frozen: an upheld dispute is recorded with the result with the score
the assessor found it should have (shown beside the frozen one); a correction of points goes
into the next period as a manual item. Raising and deciding are audited, and each tells the
other side in their inbox (the assessors of a raised dispute, the raiser of the decision)."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.accounts import audit
from wangge.accounts.actors import Actor, author, user_of
from wangge.accounts.models import AuditAction
from wangge.errors import DomainError
from wangge.events.models import Notification
from wangge.stats.assessment import scoring, services
from wangge.stats.assessment.models import Dispute, DisputeStatus, Result, Run, RunStatus


def deadline(run: Run) -> Any:
    if run.published_at is None:
        return None
    return run.published_at + timedelta(days=settings.WANGGE_ASSESS_DISPUTE_DAYS)


def is_open(run: Run, now: Any = None) -> bool:
    """May the run's results still be disputed?"""
    due = deadline(run)
    return run.status == RunStatus.PUBLISHED and (due is None or (now or timezone.now()) <= due)


def _link(result: Result) -> str:
    return reverse("assessment:result", args=[result.run_id, result.target_id])


def _assessors() -> Any:
    return (
        get_user_model()
        .objects.with_perm(
            "assessment.change_dispute", backend="django.contrib.auth.backends.ModelBackend"
        )
        .filter(is_active=True)
    )


@transaction.atomic
def raise_dispute(
    run: Run, *, target_id: int, user: Actor, reason: str, now: Any = None, ip: str = ""
) -> Dispute:
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
    d = Dispute.objects.create(result=result, raised_by=user_of(user), reason=reason, raised_at=now)
    audit.record(
        user,
        AuditAction.CREATE,
        "assessment_dispute",
        d.pk,
        label=f"{run.scheme.code} {run.period} {result.target_name}",
        reason=reason,
        ip=ip,
        detail={"run": run.pk, "target_id": target_id, "score": str(result.score)},
    )
    text = _("Dispute of %(t)s %(p)s by %(u)s: %(r)s") % {
        "t": result.target_name,
        "p": run.period,
        "u": user.get_username(),
        "r": reason,
    }
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=uid, kind=Notification.Kind.ASSESSMENT, link=_link(result), text=text[:300]
            )
            for uid in _assessors().exclude(pk=user.pk).values_list("pk", flat=True)[:200]
        ]
    )
    return d


def _score(value: Any) -> Decimal:
    try:
        x = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise services.invalid(_("The corrected score must be a number."), "new_score") from None
    if not x.is_finite() or not 0 <= x <= 1000:
        raise services.invalid(_("The corrected score lies between 0 and 1000."), "new_score")
    return scoring.q(x)


@transaction.atomic
def decide(
    dispute: Dispute,
    *,
    user: Actor,
    upheld: bool,
    decision: str,
    new_score: Any = None,
    now: Any = None,
    ip: str = "",
) -> Dispute:
    """The assessor's decision (permission assessment.change_dispute), recorded once: upheld
    with the corrected score, or rejected; with its reasons."""
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
    if upheld:
        if new_score in (None, ""):
            raise services.invalid(_("An upheld dispute needs the corrected score."), "new_score")
        score: Decimal | None = _score(new_score)
    elif new_score not in (None, ""):
        raise services.invalid(
            _("A rejected dispute keeps the score: leave it empty."), "new_score"
        )
    else:
        score = None
    dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    dispute.decided_by = user_of(user)
    dispute.decided_at = now or timezone.now()
    dispute.decision = decision
    dispute.new_score = score
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision", "new_score"])
    result = Result.objects.select_related("run__scheme").get(pk=dispute.result_id)
    audit.record(
        user,
        AuditAction.UPDATE,
        "assessment_dispute",
        dispute.pk,
        label=f"{result.run.scheme.code} {result.run.period} {result.target_name}",
        reason=decision,
        ip=ip,
        detail={
            "status": dispute.status,
            "score": str(result.score),
            "new_score": None if score is None else str(score),
        },
    )
    text = _("Your dispute of %(t)s %(p)s: %(s)s. %(d)s") % {
        "t": result.target_name,
        "p": result.run.period,
        "s": dispute.get_status_display() if upheld else pgettext("dispute", "Rejected"),
        "d": decision,
    }
    Notification.objects.create(
        user_id=dispute.raised_by_id,
        kind=Notification.Kind.ASSESSMENT,
        link=_link(result),
        text=text[:300],
    )
    return dispute


def dispute_get(pk: int) -> Dispute:
    d = Dispute.objects.select_related("result__run__scheme").filter(pk=pk).first()
    if d is None:
        raise DomainError.one(_("No such dispute."), field="dispute", code="not_found", status=404)
    return d


def visible(user: Actor) -> Any:
    """Assessors see every dispute; others the ones they raised."""
    qs = Dispute.objects.select_related("result__run__scheme", "raised_by", "decided_by")
    if user.has_perm("assessment.change_dispute"):
        return qs
    return qs.filter(raised_by=author(user))


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
        "new_score": None if d.new_score is None else str(d.new_score),
    }
