"""Where events come from (多网合一): each source system is a Channel with its own credentials."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.intake.dates import DateFormat, zone


class ChannelQuerySet(models.QuerySet["Channel"]):
    def update(self, **kwargs: Any) -> int:
        """As QuerySet.update, and forget this process's copy of the channels (as a save
        does, through its signal: see intake.channel_copy)."""
        from wangge.intake.channel_copy import forget_channels

        count = super().update(**kwargs)
        forget_channels(sender=Channel, using=self.db)
        return count


class Channel(models.Model):
    """A source of events: the grid app, the resident portal, the 12345 hotline, a video
    analytics system, an Open311 client… `Event.channel` holds its code."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)
    # SHA-256 of the API key (the key itself is shown once, when issued); empty: no key.
    api_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Shared secret for HMAC-signed pushes (webhooks from video analytics, hotline systems).
    secret = models.CharField(_("signing secret"), max_length=128, blank=True)
    skips_acceptance = models.BooleanField(
        _("skips acceptance"),
        default=False,
        help_text=_("Reports from this channel are accepted (立案) on arrival."),
    )
    default_category = models.ForeignKey(
        "events.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default category"),
    )
    # The source's own category names/codes → our category codes.
    category_map = models.JSONField(_("category mapping"), default=dict, blank=True)
    unmapped_to_default = models.BooleanField(
        _("unmapped categories to the default"),
        default=False,
        help_text=_(
            "An order whose category cannot be mapped is filed under the default category, "
            "flagged for the operator to classify at acceptance, instead of being refused."
        ),
    )
    # The source's column headings in import files → our order fields (intake.orders.FIELDS);
    # empty: the default headings of the 12345 hotline (intake.orders.DEFAULT_COLUMNS).
    import_columns = models.JSONField(_("import columns"), default=dict, blank=True)
    # The source's status values that mean "closed there": such orders are imported closed.
    closed_statuses = models.JSONField(
        _("statuses closed at the source"),
        default=list,
        blank=True,
        help_text=_("The source's status values (e.g. 已办结) that mean the order is closed."),
    )
    # How the source writes dates, and the zone of its times (empty: WANGGE_TIME_ZONE).
    date_format = models.CharField(
        _("date format"), max_length=8, choices=DateFormat.choices, default=DateFormat.ISO
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("IANA name, e.g. Asia/Shanghai; empty: the platform's own zone."),
    )
    # Where status changes of this channel's events are POSTed, signed with `secret`.
    webhook_url = models.URLField(_("webhook URL"), blank=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            zone(self.time_zone)
        except ValueError:
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from None


class Camera(models.Model):
    """A camera of a video analytics channel, registered with its location so its alerts
    become events there."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="cameras", verbose_name=_("channel")
    )
    camera_id = models.CharField(_("camera id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # Located from lon/lat by intake.video.camera_save (not edited by hand).
    area = models.ForeignKey(
        "regions.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["channel", "camera_id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "camera_id"], name="camera_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.name}"

    def clean(self) -> None:
        """Locate the camera: the area is always the one its point lies in."""
        from django.core.exceptions import ValidationError

        from wangge.errors import DomainError
        from wangge.intake.places import place

        try:
            self.lon, self.lat, self.area = place(self.lon, self.lat)
        except DomainError as exc:
            raise ValidationError({"lon": str(exc.problems[0].message)}) from None


class AlertFold(models.Model):
    """The open event that alerts of one camera and alert type fold into while they keep
    coming within the folding window."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="folds")
    alert_type = models.CharField(max_length=64)
    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["camera", "alert_type", "last_at"], name="alertfold_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.alert_type} ×{self.count}"


class ImportJob(models.Model):
    """A work-order file being imported by the worker (intake.imports): checked whole when
    uploaded, then written in batches, each its own transaction. `position` is the number of
    checked orders written so far, recorded in each batch's own transaction: a restarted job
    goes on from there."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job", "queued")
        RUNNING = "running", pgettext_lazy("import job", "running")
        DONE = "done", pgettext_lazy("import job", "done")
        FAILED = "failed", pgettext_lazy("import job", "failed")

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("channel")
    )
    kind = models.CharField(max_length=20, default="orders")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(max_length=10, default="api")  # api, admin, cli
    file_name = models.CharField(_("file"), max_length=300)
    token = models.CharField(max_length=64, unique=True)  # the stored upload's name
    sha256 = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)  # orders written (the rows done)
    batches = models.PositiveIntegerField(default=0)
    outcomes = models.JSONField(default=dict)  # created / updated / noted / unchanged
    unmapped = models.PositiveIntegerField(default=0)
    closed_at_source = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)  # as DomainError.as_dict()'s problems
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "updated_at"], name="importjob_state_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"
