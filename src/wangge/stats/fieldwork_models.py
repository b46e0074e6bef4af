"""Fieldwork figures kept by the stats worker (see `stats.fieldwork_rollups`).

`FieldworkDay` holds one area's own counts for one day (rows of that exact area, not its
subtree); `FieldworkRollup` adds them up over the subtree of every area at every level, per
day and per month. A visit task is counted twice, on its period's first day (`*_started`)
and on its due day (`*_ending`): the tasks whose period meets [from, to] are those started
by `to` less those ending before `from`, two prefix sums of these columns. Party report-ins
are counted on their day, at the grid reported to.

A campaign's coverage is a current figure, not a daily one: `CampaignAreaCount` holds a
campaign's live targets (not left) in one area, `CampaignCoverage` adds them up over the
subtree of every area at every level.
"""

from django.db import models

from wangge.fieldwork.models import Campaign

__all__ = [
    "COVERAGE_COUNTS",
    "FIELDWORK_COUNTS",
    "CampaignAreaCount",
    "CampaignCoverage",
    "FieldworkDay",
    "FieldworkRollup",
]

FIELDWORK_COUNTS = (
    "visits_started",  # visit tasks whose period starts on the day
    "visits_ending",  # … whose period ends (is due) on the day
    "done_started",  # the same, done
    "done_ending",
    "overdue_started",  # the same, open and due before the worker's local day
    "overdue_ending",
    "attend_due",  # must-attend tasks created on the day, not cancelled
    "attend_on_time",  # … done by their deadline
    "patrols",  # patrols started on the day
    "inspections",  # inspections of the day
    "report_ins",  # party members' report-ins (到网格报到) of the day
)

COVERAGE_COUNTS = (
    "total",  # live targets (not left the campaign's scope)
    "done",  # … done
    "unreachable",  # … marked not reachable
)


class FieldworkDay(models.Model):
    area_id = models.IntegerField()
    day = models.DateField()
    locals().update({c: models.IntegerField(default=0) for c in FIELDWORK_COUNTS})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area_id", "day"], name="stats_fwday_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"


class FieldworkRollup(models.Model):
    period = models.CharField(max_length=1)  # 'd' or 'm' (as Rollup.period)
    level = models.PositiveSmallIntegerField()
    area_id = models.IntegerField()
    day = models.DateField()  # the day, or the month's first day
    locals().update({c: models.IntegerField(default=0) for c in FIELDWORK_COUNTS})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "level", "area_id", "day"], name="stats_fwrollup_unique"
            ),
        ]
        # An area's rows (a read: its level's day and month rows; a fill: the days it moves).
        indexes = [models.Index(fields=["area_id", "day"], name="stats_fwrollup_area_idx")]

    def __str__(self) -> str:
        return f"{self.period} L{self.level} {self.area_id} {self.day}"


class CampaignAreaCount(models.Model):
    campaign_id = models.IntegerField()
    area_id = models.IntegerField()
    locals().update({c: models.IntegerField(default=0) for c in COVERAGE_COUNTS})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign_id", "area_id"], name="stats_cvarea_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.area_id}"


class CampaignCoverage(models.Model):
    # A key to join the campaign's title and status on read; no constraint (derived data:
    # a campaign deleted leaves rows no read joins, gone at the next rebuild).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    level = models.PositiveSmallIntegerField()
    area_id = models.IntegerField()
    locals().update({c: models.IntegerField(default=0) for c in COVERAGE_COUNTS})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "level", "area_id"], name="stats_coverage_unique"
            ),
        ]
        # A read: one area's rows, of every campaign.
        indexes = [models.Index(fields=["area_id", "level"], name="stats_coverage_area_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} L{self.level} {self.area_id}"
