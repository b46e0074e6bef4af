"""Fieldwork alerts: the notices fieldwork sends a worker (overdue visits, a must-attend task,
an overdue attendance), written by visits and must-attend alike and read on the visits pages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["FieldAlert"]


class FieldAlert(models.Model):
    """A fieldwork notice to a worker (the events inbox is bound to events): overdue
    visits, a must-attend task, an overdue attendance."""

    class Kind(models.TextChoices):
        VISITS_OVERDUE = "visits_overdue", _("visits overdue")
        ATTEND_NEW = "attend_new", _("must attend")
        ATTEND_OVERDUE = "attend_overdue", _("attendance overdue")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_alerts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=Q(read_at__isnull=True),
                name="field_alert_unread_idx",
            )
        ]

    def __str__(self) -> str:
        return self.text
