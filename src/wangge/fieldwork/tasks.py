"""Periodic fieldwork jobs on huey (`wangge worker` runs them):

- every minute: must-attend sync (events needing attendance get their task) and the overdue
  sweeps of attendances and visits (each alerts once);
- daily at 01:10: visit tasks of today's periods generated and reconciled (a new month,
  quarter or year starts its tasks; moves, tag and post changes are followed);
- daily at 01:40: open campaigns refreshed (new arrivals become targets, movers follow their
  grid, those who left are marked), so coverage follows the population without a click.
"""

from dataclasses import asdict
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits


@db_periodic_task(crontab(minute="*"))
@lock_task("wangge-fieldwork-attend")
def attend_every_minute() -> dict[str, Any]:
    return {
        "sync": attend.sync().as_dict(),
        "attend_overdue": attend.sweep(),
        "visits_overdue": visits.sweep(),
    }


@db_periodic_task(crontab(hour="1", minute="10"))
@lock_task("wangge-fieldwork-visits")
def generate_visits_daily() -> dict[str, Any]:
    return schedule.generate().as_dict()


@db_periodic_task(crontab(hour="1", minute="40"))
@lock_task("wangge-fieldwork-campaigns")
def refresh_campaigns_daily() -> dict[str, Any]:
    return {str(pk): asdict(r) for pk, r in campaigns.refresh_open_campaigns().items()}
