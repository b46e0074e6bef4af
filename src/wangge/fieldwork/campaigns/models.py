"""Campaigns (专项排查 / 专项行动): a door-to-door collection with its own form.

A `Campaign` names its scope (area subtrees), its target (every household, or residents /
households filtered by tags, residence type and age) and its form (`fields`, validated by
`forms`). Opening it materialises one `CampaignTarget` per target, each carrying its
micro-grid (`area`), so coverage is one GROUP BY on an index; a refresh adds targets that came
into scope later and marks (never deletes) the ones that left. Every submission is kept in
`CampaignSubmission`; photos and signatures are `CampaignFile`s in Django's storage.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.people.models import Household, Resident, TagKind
from wangge.regions.models import Area

__all__ = ["Campaign", "CampaignFile", "CampaignSubmission", "CampaignTarget"]


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", pgettext_lazy("campaign", "open")
        CLOSED = "closed", pgettext_lazy("campaign", "closed")

    class TargetKind(models.TextChoices):
        HOUSEHOLD = "household", _("households")
        RESIDENT = "resident", _("residents")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    areas = models.ManyToManyField(Area, verbose_name=_("scope"), related_name="+")
    target_kind = models.CharField(
        _("target"), max_length=20, choices=TargetKind.choices, default=TargetKind.HOUSEHOLD
    )
    # Filters on residents (a household qualifies when one current member does); none: all.
    tag_kinds = models.ManyToManyField(
        TagKind, verbose_name=_("special groups"), blank=True, related_name="+"
    )
    residence_types = models.JSONField(_("residence types"), default=list, blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    fields = models.JSONField(_("form fields"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class CampaignTarget(models.Model):
    """One household or resident to be covered. `area`, `address`, `lon`, `lat` are copied
    from the household (kept current by refresh) so coverage and lists never join people."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not yet done")
        DONE = "done", _("done")
        UNREACHABLE = "unreachable", _("not reachable")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    reason = models.CharField(_("reason not reachable"), max_length=300, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    # Set when the target left the campaign's scope or filter (moved away, tag ended): kept
    # with whatever was collected, but no longer counted.
    left_at = models.DateTimeField(_("left scope at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=Q(resident__isnull=True),
                name="campaign_target_household_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "resident"],
                condition=Q(resident__isnull=False),
                name="campaign_target_resident_unique",
            ),
        ]
        indexes = [
            # Coverage: WHERE campaign = ? AND left_at IS NULL GROUP BY area, status — an
            # index-only scan of this partial index.
            models.Index(
                fields=["campaign", "area", "status"],
                condition=Q(left_at__isnull=True),
                name="campaign_target_cover_idx",
            ),
            models.Index(fields=["campaign", "household"], name="campaign_target_hh_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.household_id or ''}/{self.resident_id or ''}"


class CampaignSubmission(models.Model):
    """Every answer or "not reachable" sent for a target, as sent (append-only history)."""

    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="submissions")
    status = models.CharField(max_length=12, choices=CampaignTarget.Status.choices)
    answers = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["target", "at", "id"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class CampaignFile(models.Model):
    """A photo (re-encoded JPEG) or a signature (PNG drawn on the phone) of one answer."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        SIGNATURE = "signature", _("signature")

    target = models.ForeignKey(CampaignTarget, on_delete=models.CASCADE, related_name="files")
    field = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="campaigns/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.file.name or ""
