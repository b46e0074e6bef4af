"""The audit log page for auditors: entries filtered, the chain checked on demand, reveal
alerts acknowledged."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts import reveals
from wangge.accounts.audit import client_ip
from wangge.errors import DomainError
from wangge.pages import scoped_page
from wangge.people import access
from wangge.people.auditlog import selectors


@scoped_page
def audit_log(request: HttpRequest) -> HttpResponse:
    if not access.is_auditor(request.user):
        raise Http404
    filters = {f: request.GET.get(f, "").strip() for f in ("user", "record", "since", "until")}
    try:
        entries = list(selectors.audit_entries(**filters)[:200])
        errors: list[str] = []
    except DomainError as exc:
        entries, errors = [], [p.message for p in exc.problems]
    verification = selectors.audit_verification() if request.GET.get("verify") else None
    return render(
        request,
        "people/audit.html",
        {
            "entries": entries,
            "filters": filters,
            "errors": errors,
            "verification": verification,
            "alerts": list(reveals.open_alerts(request.user)[:50]),
        },
    )


@require_POST
@scoped_page
def audit_alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """An auditor has looked at an alert (audited); back to the log."""
    if not access.is_auditor(request.user):
        raise Http404
    reveals.alert_acknowledge(actor=request.user, alert_id=pk, ip=client_ip(request))
    messages.success(request, _("Alert acknowledged."))
    return redirect("people:audit")
