"""Must attend (五必到): events of some categories need a grid worker on the spot in time.

An `AttendRule` links event categories (a 大类 covers its 小类) to an `AttendTask` for the
responsible post holder of the event's grid, due `deadline_hours` after the report; the
`AttendRecord` (time, place, note) also goes on the event's timeline.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import Role
from wangge.regions.models import Area

__all__ = ["AttendRecord", "AttendRule", "AttendTask"]


class AttendRule(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    categories = models.ManyToManyField(
        "events.Category", related_name="+", verbose_name=_("event categories")
    )
    responsible_role = models.CharField(
        _("responsible post"), max_length=20, choices=Role.choices, default=Role.FULL_TIME
    )
    deadline_hours = models.PositiveIntegerField(_("attend within (hours)"), default=24)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("must-attend rule")
        verbose_name_plural = _("must-attend rules")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class AttendTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("to attend")
        DONE = "done", _("attended")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AttendRule, on_delete=models.PROTECT, related_name="tasks")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attendance task")
        verbose_name_plural = _("attendance tasks")
        ordering = ["deadline", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "rule"], name="attend_task_unique")]
        indexes = [
            models.Index(
                fields=["assignee", "status", "deadline"], name="attend_task_assignee_idx"
            ),
            models.Index(fields=["status", "deadline"], name="attend_task_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.rule_id}"

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.now()


class AttendRecord(models.Model):
    task = models.ForeignKey(AttendTask, on_delete=models.PROTECT, related_name="records")
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attended_at = models.DateTimeField(_("attended at"), default=timezone.now)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    far = models.BooleanField(_("checked in far away"), default=False)
    note = models.TextField(_("note"), blank=True)
    client_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["-attended_at"]

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.attended_at:%Y-%m-%d %H:%M}"
