"""The worker keeps the figures current: a fill every minute (huey's finest schedule)."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.stats import fill


@db_periodic_task(crontab(minute="*"))
@lock_task("wangge-stats-fill")  # one fill at a time; each step is one transaction regardless
def fill_every_minute() -> dict[str, Any]:
    report = fill.fill()
    return {"entries": report.entries, "events": report.events, "days": report.days}
