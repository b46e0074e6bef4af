"""Notices on huey (`wangge worker`): each minute, scheduled notices are sent and the
unconfirmed chased (`escalation.run`)."""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.notices import escalation, services


@db_periodic_task(crontab(minute="*"))
@lock_task("wangge-notices")
def notices_every_minute() -> dict[str, Any]:
    return {"sent": services.release_due(), **escalation.run()}
