"""The reporter's phone on the event page: masked, revealed with a reason (audited)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wangge.accounts.audit import client_ip
from wangge.errors import DomainError
from wangge.events.privacy import reveal_reporter_phone
from wangge.people import access
from wangge.web.event_views import _visible_event


@never_cache
@login_required
@require_POST
def event_reporter_phone(request: HttpRequest, code: str) -> HttpResponse:
    event = _visible_event(request, code)
    reason = request.POST.get("reason", "")
    context: dict[str, Any] = {"event": event, "reason": reason, "errors": []}
    context["can_reveal"] = access.can_reveal(request.user, event.area)
    status = 200
    try:
        context["plain"] = reveal_reporter_phone(
            request.user, event, reason=reason, ip=client_ip(request)
        )
    except DomainError as exc:
        context["errors"] = [p.message for p in exc.problems]
        status = exc.status
    return render(request, "web/events/_reporter_phone.html", context, status=status)
