"""The audit log as the auditors' page reads it: filtered newest first, and the chain check."""

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditEntry
from wangge.errors import DomainError


def _day(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DomainError.one(_("Not a valid date."), field=field) from exc


def audit_entries(
    *, user: str = "", record: str = "", since: str = "", until: str = ""
) -> QuerySet[AuditEntry]:
    """The audit log, newest first, filtered by actor name, record ("type:id" or id) and day."""
    qs = AuditEntry.objects.order_by("-seq")
    if user:
        qs = qs.filter(actor_name__contains=user)
    if record:
        kind, _sep, pk = record.rpartition(":")
        qs = qs.filter(object_id=pk.strip())
        if kind:
            qs = qs.filter(object_type=kind.strip())
    if day := _day(since, "since"):
        qs = qs.filter(at__date__gte=day)
    if day := _day(until, "until"):
        qs = qs.filter(at__date__lte=day)
    return qs


def audit_verification() -> audit.Verification:
    return audit.verify()
