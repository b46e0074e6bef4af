"""Mass reveals: a user may reveal at most WANGGE_REVEAL_LIMIT people's numbers (residents'
ID numbers and phones, reporters' phones) within an hour; past it the reveal is refused (429,
with the seconds until one leaves the window) and the auditors are alerted, once per window.

The count is read from the audit log itself (every reveal is an entry `reveal`, by actor and
time, indexed), so nothing else keeps it; the user's row is locked while a reveal is
counted and written, so two at once cannot both slip under the limit.
"""

import contextlib
import datetime as dt
import math
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor, is_user
from wangge.accounts.models import AuditAction, AuditEntry, SecurityAlert
from wangge.accounts.permissions import Action, may
from wangge.errors import DomainError, Problem

WINDOW = dt.timedelta(hours=1)


def _wait(actor: Actor, now: dt.datetime) -> int:
    """0 when the actor may reveal once more now, else the seconds until they may."""
    limit = settings.WANGGE_REVEAL_LIMIT
    if limit <= 0:
        return 0
    times = list(
        AuditEntry.objects.filter(actor_id=actor.pk, action=AuditAction.REVEAL, at__gt=now - WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit:
        return 0
    # The limit-th newest reveal leaving the window frees one reveal.
    return max(1, math.ceil((times[-1] + WINDOW - now).total_seconds()))


@contextlib.contextmanager
def admitted(actor: Actor, *, ip: str = "") -> Iterator[None]:
    """Run the block (which writes the reveal's audit entry) when the actor is under the
    limit; else alert the auditors (once per window) and refuse with 429."""
    if not is_user(actor) or actor.pk is None:  # the system; anonymous never gets here
        yield
        return
    now = timezone.now()
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=actor.pk).exists()
        wait = _wait(actor, now)
        if not wait:
            yield
            return
    alert_mass_reveal(actor=actor, now=now, ip=ip)
    message = _(
        "You have viewed the full numbers of %(n)s people within an hour, the most allowed."
        " The auditors have been told. Try again in %(minutes)s minutes."
    ) % {"n": settings.WANGGE_REVEAL_LIMIT, "minutes": math.ceil(wait / 60)}
    raise DomainError([Problem(message, code="reveal_limit")], status=429, retry_after=wait)


def alert_mass_reveal(*, actor: Actor, now: dt.datetime, ip: str = "") -> SecurityAlert | None:
    """Raise the alert for the actor's refused reveal, unless one was raised for them within
    the window (an alert a window, however many refusals). Written to the audit log too."""
    with transaction.atomic():
        recent = SecurityAlert.objects.filter(
            kind=SecurityAlert.Kind.MASS_REVEAL, user_id=actor.pk, raised_at__gt=now - WINDOW
        )
        if recent.exists():
            return None
        detail = {
            "limit": settings.WANGGE_REVEAL_LIMIT,
            "window_seconds": int(WINDOW.total_seconds()),
        }
        alert = SecurityAlert.objects.create(
            kind=SecurityAlert.Kind.MASS_REVEAL,
            user_id=actor.pk,
            username=actor.get_username(),
            raised_at=now,
            detail=detail,
        )
        audit.record(
            actor,
            AuditAction.ALERT,
            "security_alert",
            alert.pk,
            label=str(alert.get_kind_display()),
            ip=ip,
            detail={"kind": alert.kind, **detail},
        )
    return alert


def open_alerts(actor: Actor) -> QuerySet[SecurityAlert]:
    """The alerts not yet acknowledged, for those who read the audit log (none otherwise)."""
    if not may(actor, Action.READ_AUDIT):
        return SecurityAlert.objects.none()
    return SecurityAlert.objects.filter(acknowledged_at__isnull=True)


def alert_acknowledge(*, actor: Actor, alert_id: int, ip: str = "") -> SecurityAlert:
    """An auditor (or administrator) has looked at the alert; audited."""
    if not may(actor, Action.READ_AUDIT):
        raise DomainError.one(_("Only auditors acknowledge alerts."), code="forbidden", status=403)
    with transaction.atomic():
        alert = SecurityAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise DomainError.one(_("No such alert."), code="not_found", status=404)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.get_username()
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(
            actor,
            AuditAction.ACKNOWLEDGE,
            "security_alert",
            alert.pk,
            label=str(alert.get_kind_display()),
            ip=ip,
            detail={"kind": alert.kind, "user": alert.username},
        )
    return alert
