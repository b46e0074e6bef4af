"""The audit log over HTTP, for auditors only: entries, and the check of the hash chain."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from wangge.accounts import audit
from wangge.accounts.models import AuditEntry
from wangge.api_pages import Rows, paged
from wangge.errors import DomainError
from wangge.inputs import Int
from wangge.people import access

router = Router(tags=["people"])


# -- audit -----------------------------------------------------------------------------------
class AuditOut(Schema):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    reason: str
    ip: str
    detail: dict[str, Any]
    hash: str


def _auditor(request: HttpRequest) -> None:
    if not access.is_auditor(request.user):
        raise DomainError.one(_("Only auditors read the audit log."), code="forbidden", status=403)


@router.get("/people/audit", response=list[AuditOut], summary="Audit log (auditors)")
@paged
def audit_list(
    request: HttpRequest,
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    before_seq: Int | None = None,
) -> Rows:
    _auditor(request)
    qs = AuditEntry.objects.all()
    if actor:
        qs = qs.filter(actor_name=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    return Rows(
        qs.order_by("-seq"),
        each=lambda e: {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor_name,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": e.object_label,
            "reason": e.reason,
            "ip": e.ip,
            "detail": e.detail,
            "hash": e.hash,
        },
    )


class VerifyOut(Schema):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str


@router.get("/people/audit/verify", response=VerifyOut, summary="Verify the hash chain")
def audit_verify(request: HttpRequest) -> dict[str, Any]:
    _auditor(request)
    v = audit.verify()
    return {"ok": v.ok, "checked": v.checked, "broken_seq": v.broken_seq, "reason": v.reason}
