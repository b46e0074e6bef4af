"""The party on the grid: branches, members (linked to a resident when known) and the
report-ins of in-service members to their grid (到网格报到)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.people.places.models import Organization
from wangge.people.residents.models import Resident
from wangge.regions.models import Area


class PartyBranch(models.Model):
    """A party branch built on a grid (支部建在网格上)."""

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secretary = models.CharField(_("secretary"), max_length=100, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["area", "name"]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    class Kind(models.TextChoices):
        IN_SERVICE = "in_service", _("in service")  # 在职党员
        RETIRED = "retired", _("retired")
        FLOATING = "floating", _("floating")  # 流动党员
        OTHER = "other", _("other member")

    name = models.CharField(_("name"), max_length=100)
    resident = models.OneToOneField(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="party_member"
    )
    branch = models.ForeignKey(
        PartyBranch,
        verbose_name=_("party branch"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.IN_SERVICE)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    # The grid an in-service member reports to (到网格报到).
    report_area = models.ForeignKey(
        Area,
        verbose_name=_("reports to grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch", "name"]

    def __str__(self) -> str:
        return self.name


class PartyReportIn(models.Model):
    """An in-service member reporting to a grid and serving there once (at least 2×/year)."""

    member = models.ForeignKey(
        PartyMember, on_delete=models.CASCADE, related_name="report_ins", verbose_name=_("member")
    )
    area = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)
    activity = models.CharField(_("activity"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party member report-in")
        verbose_name_plural = _("party member report-ins")
        ordering = ["-reported_on", "id"]
        indexes = [models.Index(fields=["member", "reported_on"], name="report_in_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.reported_on}"
