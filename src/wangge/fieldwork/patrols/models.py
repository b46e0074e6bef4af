"""Patrols (巡查): a grid worker's round with its track, the inspections of hazard points and
facilities made on it (or on their own), and the findings turned into events.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Finding", "Inspection", "Patrol", "PatrolPoint"]


class Patrol(models.Model):
    """One round: started, points sent along the way, ended. One open round per worker."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    # The grid (or micro-grid) of the worker's post the round is made for: its scope.
    area = models.ForeignKey(
        "regions.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Kept up to date from the points by `patrols.patrol_add_points` (metres).
    distance_m = models.FloatField(_("distance (m)"), default=0)
    point_count = models.PositiveIntegerField(_("points"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(ended_at__isnull=True),
                name="patrol_one_open_per_worker",
            )
        ]
        indexes = [
            models.Index(fields=["area", "started_at"], name="patrol_area_started_idx"),
            models.Index(fields=["worker", "started_at"], name="patrol_worker_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolPoint(models.Model):
    """A position of the track (WGS-84). The same timestamp sent twice is one point."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField(_("time"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        ordering = ["patrol", "at"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "at"], name="patrol_point_unique_time")
        ]

    def __str__(self) -> str:
        return f"{self.lon:.6f},{self.lat:.6f} @ {self.at:%H:%M:%S}"


class Inspection(models.Model):
    """One check of a hazard point or a facility: ok, or a problem (which may become an event)."""

    class Result(models.TextChoices):
        OK = "ok", _("all right")
        PROBLEM = "problem", _("problem found")

    patrol = models.ForeignKey(
        Patrol,
        verbose_name=_("patrol"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    hazard = models.ForeignKey(
        "people.HazardPoint",
        verbose_name=_("hazard point"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    facility = models.ForeignKey(
        "people.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    # The point's area when inspected: the scope of the record.
    area = models.ForeignKey(
        "regions.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    done_on = models.DateField(_("inspected on"), default=timezone.localdate)
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # Metres between the worker's position and the point when both are known.
    distance_m = models.FloatField(_("distance to the point (m)"), null=True, blank=True)
    photo = models.FileField(_("photo"), upload_to="inspections/%Y/%m/", blank=True)
    thumbnail = models.FileField(upload_to="inspections/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(hazard__isnull=False) & Q(facility__isnull=True))
                | (Q(hazard__isnull=True) & Q(facility__isnull=False)),
                name="inspection_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["area", "done_on"], name="inspection_area_done_idx"),
            models.Index(fields=["inspector", "done_on"], name="inspection_who_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.done_on} {self.result}"

    @property
    def target(self) -> object:
        return self.hazard or self.facility


class Finding(models.Model):
    """An event reported from a patrol or an inspection (the link both ways)."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="patrol_finding"
    )
    patrol = models.ForeignKey(
        Patrol, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.event_id)
