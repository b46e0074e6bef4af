"""Lockout (django-axes) as a service: who is locked, unlock, and a hook for the audit log.

django-axes counts failures in its AccessAttempt table (shared by every process) and locks
a username, or a client address, after AXES_FAILURE_LIMIT failures for the cool-off. The
audit log (`accounts.audit`, which imports this module) subscribes here (`listen`) rather
than being imported.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wangge.accounts.actors import SYSTEM, Actor
from wangge.accounts.clients import client_address


@dataclass(frozen=True)
class LoginEvent:
    action: str  # "lock" or "unlock"
    actor: Actor  # the unlocking user; SYSTEM for a lock (the platform locked)
    username: str
    ip: str  # the locked (or unlocked) address
    actor_ip: str = ""  # where the unlocking administrator was


_listeners: list[Callable[[LoginEvent], None]] = []


def listen(fn: Callable[[LoginEvent], None]) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def _emit(event: LoginEvent) -> None:
    for fn in _listeners:
        fn(event)


def _on_locked_out(sender: Any, request: Any, username: str, ip_address: str, **_: Any) -> None:
    # axes signals again for every try while locked; only the lock itself is an event.
    if request is not None and getattr(request, "wangge_was_locked", False):
        return
    _emit(LoginEvent("lock", SYSTEM, username or "", ip_address or ""))


def _forgive_own_typos(sender: Any, request: Any, user: Actor, **_: Any) -> None:
    """A successful login forgets that user's failures from that address only: not the
    address's failures for other usernames (axes' AXES_RESET_ON_SUCCESS would, letting one
    valid account reset an address that sprays passwords), nor other addresses' failures
    for this username (someone else guessing it)."""
    if request is None:
        return
    AccessAttempt.objects.filter(
        username=user.get_username(), ip_address=client_address(request)
    ).delete()


def connect() -> None:
    user_locked_out.connect(_on_locked_out, dispatch_uid="wangge-lockout-audit")
    user_logged_in.connect(_forgive_own_typos, dispatch_uid="wangge-lockout-forgive")


def locked() -> QuerySet[AccessAttempt]:
    """Attempts that lock now (at or over the limit, within the cool-off)."""
    cool_off = get_cool_off() or timedelta(days=36500)
    attempts: QuerySet[AccessAttempt] = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - cool_off,
    )
    return attempts


def login_unlock(*, actor: Actor, attempts: Iterable[AccessAttempt], ip: str = "") -> int:
    """Forget the failures behind `attempts`: every attempt of their usernames and of their
    addresses, so both locks lift. One audit event per attempt row given."""
    attempts = list(attempts)
    if not attempts:
        return 0
    match = Q(pk__in=[a.pk for a in attempts])
    for a in attempts:
        if a.username:
            match |= Q(username=a.username)
        if a.ip_address:
            match |= Q(ip_address=a.ip_address)
    with transaction.atomic():
        count, _deleted = AccessAttempt.objects.filter(match).delete()
        for a in attempts:
            _emit(LoginEvent("unlock", actor, a.username or "", a.ip_address or "", ip))
    return int(count)
