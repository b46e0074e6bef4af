"""Facts (one row per event) and rollups (counts per level, area and day or month).

Both are derived data: `facts.rebuild()` recomputes them from events and their timelines,
and the worker keeps them current (`fill.fill()`). Nothing in the event loop writes here.
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The area tree's levels kept as fact columns (area_1 = top … area_6); a deeper configured
# tree keeps its first six levels.
MAX_LEVELS = 6

# Flags of a fact summed by the rollups (GB/T 30428.4's indicators need these).
MEASURES = (
    "reported",  # 受理 (every event but merged duplicates, which count once through their parent)
    "accepted",  # 立案
    "accepted_on_time",  # 按时受理 (响应)
    "dispatched",
    "dispatched_accurately",  # 派遣准确 (no department returned it)
    "handled",
    "handled_on_time",
    "closed",  # 办结
    "closed_on_time",  # 按期办结 (never overdue)
    "reworked",  # 返工
    "extended",  # 延期
    "overdue_ever",  # 超期过
    "escalated",  # 上报过
    "self_handled",  # 网格自处置
    "called_back",  # 回访
    "satisfied",  # 满意 + 基本满意
    "reopened",  # 重办
    "open",  # 未办结
    "open_reported",  # 待受理
    "open_accepted",  # 待派遣
    "open_handling",  # 处置中 (dispatched, handling)
    "open_checking",  # 待核查/待结案 (handled, verified)
    "open_red",  # 超期 (红灯)
    "open_yellow",  # 临期 (黄灯)
    "open_supervised",  # 督办
    "joint",  # 吹哨报到: dispatched to a lead and at least one assisting department
    "joint_handled_on_time",  # … and handled within the handling deadline
    "settled_1",  # closed at level 1 … 6 (五级诉求: where it was settled)
    "settled_2",
    "settled_3",
    "settled_4",
    "settled_5",
    "settled_6",
)

# Flags of a fact kept for the assessment only (not rolled up): the lead department's
# signing of its work order (签收及时率).
ORDER_FLAGS = (
    "signed",  # the lead order was signed for (签收)
    "signed_on_time",  # … by its sign deadline
)
# Every flag an indicator can count.
FLAGS = MEASURES + ORDER_FLAGS
# Flags a run works out for its period (not fact columns, see assessment.services):
RUN_FLAGS = (
    "ordered",  # a lead work order a department received (one row per order: 签收及时率)
    "due",  # 应结案: the handling deadline falls in the period, or fell before it and the
    # case was still open at the period's start
    "due_closed",  # … and closed by the period's end (结案)
)


def _area_columns() -> "dict[str, models.Field[Any, Any]]":
    return {
        f"area_{n}": models.IntegerField(null=True, blank=True, db_index=True)
        for n in range(1, MAX_LEVELS + 1)
    }


class EventFact(models.Model):
    """One event as the figures see it (DHIS2's analytics row)."""

    event_id = models.IntegerField(primary_key=True)  # no FK: facts never hold events back
    category_id = models.IntegerField()
    category_class_id = models.IntegerField()  # the 大类 (the category itself when top-level)
    channel = models.CharField(max_length=20)
    department_id = models.IntegerField(null=True, blank=True)  # the lead department
    priority = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    day = models.DateField()  # local report day
    reported_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)  # 处置时限 (应结案)
    settled_level = models.PositiveSmallIntegerField(null=True, blank=True)
    satisfaction = models.CharField(max_length=12, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    locals().update(_area_columns())
    locals().update({m: models.BooleanField(default=False) for m in FLAGS})

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="stats_fact_day_idx"),
            # 应结案 of a period: due in it, or due before and closed since (or open).
            models.Index(fields=["handle_deadline"], name="stats_fact_handle_due_idx"),
            models.Index(fields=["closed_at"], name="stats_fact_closed_at_idx"),
            # … the cases still open, by deadline: the carry-over of every period's 应结案,
            # read without touching the closed bulk of the facts.
            models.Index(
                fields=["handle_deadline"],
                condition=models.Q(closed_at__isnull=True),
                name="stats_fact_open_due_idx",
            ),
            # The map's open events, newest first: a few thousand rows, whatever the total.
            models.Index(
                fields=["-reported_at"], condition=models.Q(open=True), name="stats_fact_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"fact of event {self.event_id}"


class Period(models.TextChoices):
    DAY = "d", "day"
    MONTH = "m", "month"


class Dimension(models.TextChoices):
    ALL = "", "all"
    CATEGORY = "c", "category class"
    CHANNEL = "h", "channel"
    DEPARTMENT = "d", "lead department"


class Rollup(models.Model):
    """Counts of facts per (period, level, area, day): one row for all of them, and one per
    category class, channel and lead department ("0": none) present — each dimension apart,
    so a row count grows with their sum, not their product. A month's row is dated the 1st.
    Levels deeper than WANGGE_STATS_ROLLUP_LEVELS are read from the facts (few events each)."""

    period = models.CharField(max_length=1, choices=Period.choices)
    level = models.PositiveSmallIntegerField()
    area_id = models.IntegerField()
    day = models.DateField()
    dimension = models.CharField(max_length=1, choices=Dimension.choices, blank=True)
    key = models.CharField(max_length=20, blank=True)  # the class's or department's id, channel
    facts = models.IntegerField(default=0)  # facts in the bucket: a row goes when none is left
    locals().update({m: models.IntegerField(default=0) for m in MEASURES})

    class Meta:
        constraints = [
            # One row per bucket: the worker adds each step's differences to it (upsert).
            models.UniqueConstraint(
                fields=["period", "level", "area_id", "day", "dimension", "key"],
                name="stats_rollup_bucket",
            )
        ]
        indexes = [
            models.Index(
                fields=["area_id", "dimension", "period", "day"], name="stats_rollup_area_idx"
            ),
            models.Index(fields=["period", "day"], name="stats_rollup_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period} L{self.level} {self.area_id} {self.day} {self.dimension}{self.key}"


class FillState(models.Model):
    """How far the worker has filled (Zulip's FillState): the last timeline entry read and
    the time the facts were computed as of. Each step moves it in the same transaction as
    the facts and rollups it wrote, so a crash leaves it before the interrupted step, which
    the next run redoes."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)
    asof = models.DateTimeField()
    last_modified = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}: {self.position} as of {self.asof:%Y-%m-%d %H:%M:%S}"


class Module(models.TextChoices):
    """The dashboard modules whose figures come from other systems. 综合执法 has its own
    figures from the platform's events too; its fed indicators (an outside law-enforcement
    system's cases) are shown beside them."""

    APPROVAL = "approval", _("Approval services")  # 审批服务
    ECONOMY = "economy", _("Economic development")  # 经济发展
    TOURISM = "tourism", _("Smart tourism")  # 智慧文旅
    ENFORCEMENT = "enforcement", _("Comprehensive law enforcement")  # 综合执法


class AddUp(models.TextChoices):
    SUM = "sum", _("sum")
    AVERAGE = "average", _("average")
    LAST = "last", _("last value")


class FedIndicator(models.Model):
    """An indicator another system feeds (办件量, 游客人次 …), defined in the back office."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    module = models.CharField(_("module"), max_length=12, choices=Module.choices)
    over_time = models.CharField(
        _("over the days"), max_length=8, choices=AddUp.choices, default=AddUp.SUM
    )
    # The last value has no meaning across areas: they are summed or averaged.
    over_areas = models.CharField(
        _("over the areas"),
        max_length=8,
        choices=AddUp.choices[:2],
        default=AddUp.SUM,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["module", "code"]
        verbose_name = _("fed indicator")
        verbose_name_plural = _("fed indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FedValue(models.Model):
    """One day's value of a fed indicator in one area; a re-push replaces it."""

    indicator = models.ForeignKey(FedIndicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey("regions.Area", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    channel = models.CharField(max_length=20)  # who pushed it last
    pushed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "day"], name="stats_fedvalue_unique"
            )
        ]
        indexes = [models.Index(fields=["indicator", "day"], name="stats_fedvalue_day_idx")]
        verbose_name = _("fed indicator value")
        verbose_name_plural = _("fed indicator values")  # named when an area import is undone

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.day} = {self.value}"


class StaffingFigure(models.Model):
    """An area's 1+1+N staffing as last filled (`stats.staffing`): live grids under it, those
    with a grid leader and a full-time worker in post, part-time workers in post under it."""

    area_id = models.IntegerField(unique=True)
    grids = models.IntegerField(default=0)
    complete = models.IntegerField(default=0)
    part_time = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.area_id}: {self.complete}/{self.grids} +{self.part_time}"


from wangge.stats.fieldwork_models import *  # noqa: E402, F403  (fieldwork figures)
