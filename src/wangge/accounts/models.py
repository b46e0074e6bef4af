"""What the login policy keeps per user: the forced-change flag and past password hashes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_profile"
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for accounts whose password someone else chose or generated."),
    )

    class Meta:
        verbose_name = _("login profile")
        verbose_name_plural = _("login profiles")

    def __str__(self) -> str:
        return str(self.user)


class PasswordHistory(models.Model):
    """A password hash the user had; a new password may not match the last few."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="password_history_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d}"
