"""The worker's schedules: a period's runs after it closed and the wait for late call-backs
is over; bulletins within a minute of their day's, week's or month's close. Each step makes
only what does not exist yet, so it fires once per period and catches up after downtime."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.stats.assessment import bulletins, services


@db_periodic_task(crontab(minute="*"))
@lock_task("wangge-assessment-schedule")
def assessment_every_minute() -> dict[str, Any]:
    runs = services.run_due()
    made = bulletins.generate_due()
    return {"runs": [f"{r.scheme.code} {r.period}" for r in runs], "bulletins": len(made)}
