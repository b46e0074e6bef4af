"""Fieldwork models, one module per sub-domain: visits (三必访/四必清), must-attend (五必到),
patrols and inspections (巡查), campaigns (专项排查); beside them the models they share, the
alerts (`alerts.py`) and the offline forms' keys (`offline.py`); and here the change log they
all write."""

from django.db import models
from django.utils import timezone

from wangge.fieldwork.alerts import FieldAlert as FieldAlert
from wangge.fieldwork.attend.models import *  # noqa: F403
from wangge.fieldwork.campaigns.models import *  # noqa: F403
from wangge.fieldwork.offline import OfflineSubmission as OfflineSubmission
from wangge.fieldwork.patrols.models import *  # noqa: F403
from wangge.fieldwork.visits.models import *  # noqa: F403


class FieldworkChange(models.Model):
    """The fieldwork change log: which figure buckets a write touched, for the stats worker.

    Fieldwork rows change without a trace of when (a rule's open visit tasks are deleted,
    must-attend tasks are cancelled by one bulk update, neither table has `updated_at`), so every
    write path that changes a figure also appends, in its own transaction, one row per (area, day,
    kind) bucket it touched. Rows are only ever inserted — never a counter updated in place, which
    would serialise the writers on a hot row. The stats worker reads them past its position, as it
    reads the event timeline, and recomputes exactly those buckets from the fieldwork tables.
    """

    class Kind(models.TextChoices):
        VISIT = "visit"  # a visit task's period start and due day
        ATTEND = "attend"  # a must-attend task's local creation day
        PATROL = "patrol"  # a patrol's local start day
        INSPECTION = "inspection"  # an inspection's day
        # A party report-in deleted: its grid and day (new ones are read from their table).
        REPORT_IN = "report_in"
        CAMPAIGN = "campaign"  # a campaign's targets in an area (`campaign_id`; day: its start)

    id = models.BigAutoField(primary_key=True)
    area_id = models.IntegerField()  # no FK: a log entry holds no area back, takes no lock
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    # CAMPAIGN rows: whose targets (coverage is per campaign, not per day).
    campaign_id = models.IntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.pk} {self.kind} {self.area_id} {self.day}"
