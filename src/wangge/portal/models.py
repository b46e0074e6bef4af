"""The resident portal's own records: the reporter's private follow link, and attempts
counted for rate limits (in the database, so every web process sees the same counts)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.events.models import Event


class Follow(models.Model):
    """The private link of the resident who reported an event: only its holder may rate
    the result. The token itself is shown once; only its SHA-256 is kept."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="portal_follow")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow link")
        verbose_name_plural = _("follow links")

    def __str__(self) -> str:
        return self.event.code


class Attempt(models.Model):
    """One report counted against a limit. `key` is a keyed hash of the client address or
    the phone number, so this table holds neither."""

    class Kind(models.TextChoices):
        CLIENT = "client", _("client")
        PHONE = "phone", _("phone")

    kind = models.CharField(max_length=6, choices=Kind.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "key", "at"], name="portal_attempt_key_idx"),
            models.Index(fields=["at"], name="portal_attempt_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
