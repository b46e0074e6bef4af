"""Assessment (考核): indicators and schemes as data, runs per period and their frozen results.

An indicator counts facts (stats.EventFact) by their flags; a scheme turns indicator values
into points. A run stores a snapshot of the scheme it used and every result with the event ids
behind each number, so neither a later scheme edit nor a late fact changes a published score.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.stats.models import FLAGS, RUN_FLAGS


def validate_flags(flags: Any) -> None:
    """A list of fact flags ("!flag": must be false), for back-office edits."""
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ValidationError(_("Expected a list of flags."))
    from wangge.stats.assessment.workers import WORKER_FLAGS

    unknown = [f for f in flags if f.lstrip("!") not in FLAGS + RUN_FLAGS + WORKER_FLAGS]
    if unknown:
        raise ValidationError(_("Unknown fact flags: %(f)s.") % {"f": ", ".join(unknown)})


class TargetType(models.TextChoices):
    AREA = "area", _("area")  # street, community, grid …: the scheme's level says which
    DEPARTMENT = "department", _("department")
    WORKER = "worker", _("grid worker")  # the scheme's level, if any: of their posts' areas


class Source(models.TextChoices):
    """What an indicator counts: event facts by their flags, or the grid activities
    (notices.activities) held in and under the target area in the period."""

    FACTS = "facts", _("event facts (flags)")
    ACTIVITY_SESSIONS = "activity_sessions", _("grid activities held")
    ACTIVITY_PEOPLE = "activity_people", _("people reached by grid activities")
    ACTIVITY_GRIDS = "activity_grids", _("grids covered by grid activities")


class Indicator(models.Model):
    """A count of facts whose flags all hold (numerator), or a ratio over a second count
    (denominator). A flag written "!flag" must be false. With an activity source, a count
    of the target area's grid activities instead (flags unused; never a ratio)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    ratio = models.BooleanField(_("ratio"), default=True)
    numerator = models.JSONField(_("numerator flags"), default=list, validators=[validate_flags])
    denominator = models.JSONField(
        _("denominator flags"), default=list, blank=True, validators=[validate_flags]
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    unit = models.CharField(_("unit"), max_length=10, default="%")
    targets = models.JSONField(_("target types"), default=list)
    formula = models.CharField(_("formula"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=24, choices=Source.choices, default=Source.FACTS
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.source != Source.FACTS and self.ratio:
            raise ValidationError(
                {"ratio": _("An indicator counting grid activities is a count, not a ratio.")}
            )


class Scheme(models.Model):
    """One version of a scheme (考核方案): versions share a code and apply from valid_from on
    (the first day of a period) until the next version's."""

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    target_type = models.CharField(_("target type"), max_length=12, choices=TargetType.choices)
    level = models.PositiveSmallIntegerField(_("area level"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    # [["A", 90], ["B", 80], …, ["E", 0]]: the first grade whose minimum the score reaches.
    grades = models.JSONField(_("grades"), default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="scheme_version_uniq")
        ]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.valid_from:%Y-%m})"


class SchemeItem(models.Model):
    """An indicator's weight and how its value becomes points: linear between floor (no
    points) and target (full weight), or bands [[value, share of the weight], …] checked in
    order (value reached: ≥ when higher is better, ≤ otherwise)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    floor = models.DecimalField(_("floor"), max_digits=10, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2, default=100)
    bands = models.JSONField(_("bands"), default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "indicator"], name="scheme_item_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} × {self.weight}"


class Adjustment(models.Model):
    """Points per fact whose flags all hold (negative: a deduction), their sum capped."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="adjustments")
    name = models.CharField(_("name"), max_length=60)
    flags = models.JSONField(_("flags"), default=list, validators=[validate_flags])
    points = models.DecimalField(_("points per case"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("cap"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} {self.points}/{self.cap}"


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class Run(models.Model):
    """A scheme's scores for one period. Recomputed until published, then frozen."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="runs")
    period = models.CharField(_("period"), max_length=7)  # 2026-11, 2026-Q4, 2026
    date_from = models.DateField()
    date_to = models.DateField()  # inclusive
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    snapshot = models.JSONField(default=dict)  # the scheme as computed with
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date_from", "scheme__code"]
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "period"], name="run_scheme_period_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.period} {self.status}"


class Result(models.Model):
    """A target's score in a run; `detail` holds each indicator's and adjustment's numbers
    and the event ids behind them."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    target_id = models.IntegerField()  # an area's or department's id
    target_code = models.CharField(max_length=40)
    target_name = models.CharField(max_length=100)
    score = models.DecimalField(max_digits=7, decimal_places=2)
    grade = models.CharField(max_length=4)
    rank = models.PositiveIntegerField()
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["rank", "target_code"]
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        constraints = [
            models.UniqueConstraint(fields=["run", "target_id"], name="result_run_target_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.target_name} {self.score} {self.grade}"


class ManualItem(models.Model):
    """Points entered by a named assessor with a reason (上级督查); kept, never edited."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="manual_items")
    target_id = models.IntegerField()
    points = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.CharField(max_length=200)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("manual score item")
        verbose_name_plural = _("manual score items")

    def __str__(self) -> str:
        return f"{self.target_id} {self.points}: {self.reason}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


class Dispute(models.Model):
    """An appeal (申诉) against a published result, raised with a reason within the set
    time; the assessor's decision is recorded with their name, never edited after."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.result} {self.status}: {self.reason}"


class BulletinKind(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


class Bulletin(models.Model):
    """A bulletin (通报) of an area for a closed day, week or month: its figures are kept as
    generated (the archive), the xlsx and print view are drawn from them."""

    kind = models.CharField(max_length=8, choices=BulletinKind.choices)
    period = models.CharField(max_length=10)  # 2026-12-06, 2026-W49, 2026-11
    area = models.ForeignKey("regions.Area", on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()  # inclusive
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date_to", "kind", "area_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period", "area"], name="bulletin_uniq")
        ]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")

    def __str__(self) -> str:
        return f"{self.kind} {self.period} {self.area_id}"


class Subscription(models.Model):
    """A user who gets a kind of bulletin in their inbox (those of areas they may see)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=BulletinKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="bulletin_subscription_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
