"""Periodic people jobs on huey (`wangge worker` runs them):

- every 10 minutes: the audit chain's head is checkpointed outside the database (a signed
  file; `wangge.people.audit.checkpoint`), so a later cut of the log is caught by `verify`.
"""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.people import audit


@db_periodic_task(crontab(minute="*/10"))
@lock_task("wangge-audit-checkpoint")
def audit_checkpoint() -> dict[str, Any]:
    return audit.checkpoint()
