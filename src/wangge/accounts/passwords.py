"""Password policy: character classes, no reuse of the last N, and the forced change.

Both validators sit in AUTH_PASSWORD_VALIDATORS, so every form that sets a password (the
change page, the back office, `wangge admin`) applies them. Django calls `password_changed`
on each validator when a user with a new password is saved: the history is kept there.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.accounts.actors import Actor, author
from wangge.accounts.models import LoginProfile, PasswordHistory

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _classes(password: str) -> int:
    kinds = [str.islower, str.isupper, str.isdigit]
    found = {i for c in password for i, k in enumerate(kinds) if k(c)}
    other = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return len(found) + other


class CharacterClassesValidator:
    """At least N of: lower case, upper case, digits, other characters."""

    def __init__(self, classes: int | None = None) -> None:
        self._classes = classes

    @property
    def classes(self) -> int:  # read late: Django keeps validators for the process
        return self._classes if self._classes is not None else settings.WANGGE_PASSWORD_CLASSES

    def validate(self, password: str, user: "User | None" = None) -> None:
        if _classes(password) < self.classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(n)s of: lower case letters, upper case "
            "letters, digits, other characters."
        ) % {"n": self.classes}


class HistoryValidator:
    """Not one of the user's last N passwords (the current one included)."""

    def __init__(self, keep: int | None = None) -> None:
        self._keep = keep

    @property
    def keep(self) -> int:
        return self._keep if self._keep is not None else settings.WANGGE_PASSWORD_HISTORY

    def _recent(self, user: "User | None") -> list[str]:
        if self.keep <= 0 or user is None or user.pk is None:
            return []
        return list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : self.keep
            ]
        )

    def validate(self, password: str, user: "User | None" = None) -> None:
        hashes = self._recent(user)
        if user is not None and user.pk and user.password:
            hashes.append(user.password)  # the one in use, even if set before the history
        if any(check_password(password, h) for h in hashes if h):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: "User | None" = None) -> None:
        if self.keep <= 0 or user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.keep :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return ngettext(
            "Your password may not be your last one.",
            "Your password may not be one of your last %(n)s.",
            self.keep,
        ) % {"n": self.keep}


def must_change_password(user: Actor) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return LoginProfile.objects.filter(user=author(user), must_change_password=True).exists()


def password_change_require(*, user: "User", required: bool = True) -> None:
    """Flag (or clear) the forced change at the next request: for accounts whose password
    was generated or chosen by someone else (onboarding, the back office)."""
    with transaction.atomic():
        LoginProfile.objects.update_or_create(
            user=user, defaults={"must_change_password": required}
        )


def password_set_generated(*, user: "User", password: str) -> None:
    """Give `user` a password that someone else knows: they must change it at first login."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        password_change_require(user=user)
