"""Household visits (三必访) with their checklist (四必清).

A `VisitRule` says which households are visited how often and what is checked; the
generator (`wangge.fieldwork.visits.services.generate`) makes one `VisitTask` per household
and period — the strictest rule wins when several apply — assigned to the responsible post
holder. A `VisitRecord` is the visit itself: who, when, where (with the distance to the household),
the checklist answers, notes, photos and the events its findings became.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.accounts.models import Role
from wangge.regions.models import Area

__all__ = [
    "Frequency",
    "VisitPhoto",
    "VisitRecord",
    "VisitRule",
    "VisitTask",
]


class Frequency(models.TextChoices):
    YEARLY = "yearly", _("yearly")
    QUARTERLY = "quarterly", _("quarterly")
    MONTHLY = "monthly", _("monthly")
    WEEKLY = "weekly", _("weekly")
    EVERY_N_DAYS = "days", _("every N days")


class VisitRule(models.Model):
    """Which households, how often, what to check, who is responsible.

    `checklist`: a typed form (`forms`) without photo or signature fields, e.g. ``{"name":
    "family", "label": "家庭情况", "type": "text" | "yes_no" | "choice" | "multi_choice" |
    "number" | "date", "choices": [...], "required": bool}`` (see `visits.clean_checklist`)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    all_households = models.BooleanField(_("every household"), default=False)
    tag_kinds = models.ManyToManyField(
        "people.TagKind",
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("people", "groups"),
    )
    # Residence types (people.ResidenceType values) of any current member, e.g. floating.
    residence_types = models.JSONField(_("residence types"), default=list, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    every_days = models.PositiveIntegerField(_("every N days"), null=True, blank=True)
    # Periods of "every N days" are counted from this day.
    anchor = models.DateField(_("counted from"), default=timezone.localdate)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    responsible_role = models.CharField(
        _("responsible post"), max_length=20, choices=Role.choices, default=Role.LIAISON
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class VisitTask(models.Model):
    """One household to visit in one period (key like 2026, 2026-Q2, 2026-05, 2026-W19,
    or D14-2026-05-04 for every 14 days from that day)."""

    class Status(models.TextChoices):
        OPEN = "open", _("to visit")
        DONE = "done", _("visited")

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("household")
    )
    rule = models.ForeignKey(VisitRule, on_delete=models.PROTECT, related_name="tasks")
    # The household's micro-grid when the task was (re)planned: what scope filters on.
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=24)
    period_start = models.DateField(_("from"))
    due_on = models.DateField(_("due"))  # the period's last day
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="visit_task_unique")
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="visit_task_assignee_idx"),
            models.Index(fields=["area", "period_start", "due_on"], name="visit_task_area_idx"),
            models.Index(fields=["status", "due_on"], name="visit_task_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())


class VisitRecord(models.Model):
    task = models.ForeignKey(VisitTask, on_delete=models.PROTECT, related_name="records")
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    visited_on = models.DateField(_("visited on"), default=timezone.localdate)  # local day
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    # Metres from the household's point; None when either point is unknown.
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    far = models.BooleanField(_("checked in far away"), default=False)
    answers = models.JSONField(_("checklist answers"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    findings = models.ManyToManyField(
        "events.Event", blank=True, related_name="+", verbose_name=_("findings")
    )
    client_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["household", "visited_on"], name="visit_record_hh_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.visited_at:%Y-%m-%d}"


class VisitPhoto(models.Model):
    record = models.ForeignKey(VisitRecord, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="visits/%Y/%m/")
    thumbnail = models.FileField(upload_to="visits/%Y/%m/", blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.file.name or ""
