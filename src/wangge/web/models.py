"""The web shell's one table: exports prepared in the background for the person who asked."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Download(models.Model):
    """A long export (the event list, a campaign's answers) built by the worker as its owner,
    with its progress, then kept for WANGGE_DOWNLOAD_DAYS for the owner alone to fetch."""

    class Kind(models.TextChoices):
        EVENTS = "events", _("Event list")
        CAMPAIGN = "campaign", _("Campaign answers")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="queued")
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    token = models.CharField(max_length=64, blank=True)  # the private file's name
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "created_at"], name="download_owner_idx")]
        verbose_name = _("download")
        verbose_name_plural = _("downloads")

    kept = True  # set by the list: False once the file was removed after its keeping time

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))
