"""What a session must do before it may use the site: a second factor, a new password.

Worked out once at login (from the user's devices, roles and flag) and kept in the session,
so an ordinary request reads no table for it. Idle and absolute timeouts are kept there too.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django_otp import user_has_device

from wangge.accounts.actors import Actor
from wangge.accounts.models import Role
from wangge.accounts.passwords import must_change_password
from wangge.accounts.permissions import AUDIT_PERMISSION
from wangge.accounts.scope import post_rows

LOGIN_AT = "wangge_login_at"
SEEN_AT = "wangge_seen_at"
OTP = "wangge_otp"  # "verify", "enrol" or "" (nothing to do)
CHANGE = "wangge_change_password"
TOUCH_SECONDS = 60  # the last-seen stamp is rewritten at most this often


def otp_expected(user: Actor) -> bool:
    """Operators, auditors and administrators: the roles WANGGE_OTP_REQUIRED applies to."""
    if user.is_staff or user.is_superuser or user.has_perm(AUDIT_PERMISSION):
        return True
    return post_rows(user, (Role.OPERATOR,)).exists()


def otp_step(user: Actor) -> str:
    if user_has_device(user):
        return "verify"
    if settings.WANGGE_OTP_REQUIRED and otp_expected(user):
        return "enrol"
    return ""


def start(session: Any, user: Actor, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session[LOGIN_AT] = session[SEEN_AT] = now
    session[OTP] = otp_step(user)
    session[CHANGE] = must_change_password(user)


def _on_login(sender: Any, request: Any, user: Actor, **_: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start(request.session, user)


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="wangge-login-policy")


def expired(session: Any, now: float) -> bool:
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return False
    return bool(
        now - login_at > settings.SESSION_COOKIE_AGE or now - seen_at > settings.WANGGE_IDLE_SECONDS
    )


def pending(session: Any) -> str:
    """The step this session must take next: "otp-verify", "otp-enrol", "password" or ""."""
    otp = session.get(OTP, "")
    if otp:
        return f"otp-{otp}"
    return "password" if session.get(CHANGE) else ""
