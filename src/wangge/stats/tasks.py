"""The worker keeps the figures current: a fill every half minute. huey's finest schedule is
a minute, so the minute's task also queues a second fill 30 s on; with the fill's lag (5 s)
a change reaches the figures within about 35 s plus a fill's time — inside the 60 s promised."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from wangge.stats import fill

HALF_MINUTE = 30
# One fill at a time (a second one meanwhile is skipped); each step is one transaction anyway.
FILL_LOCK = lock_task("wangge-stats-fill")


def _fill() -> dict[str, Any]:
    with FILL_LOCK:
        report = fill.fill()
    return {"entries": report.entries, "events": report.events, "days": report.days}


@db_periodic_task(crontab(minute="*"))
def fill_every_minute() -> dict[str, Any]:
    fill_half_a_minute_on.schedule(delay=HALF_MINUTE)
    return _fill()


@db_task()
def fill_half_a_minute_on() -> dict[str, Any]:
    return _fill()
