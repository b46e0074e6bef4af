"""Periodic people jobs on huey (`wangge worker` runs them):

- every 10 minutes: the audit chain's head is checkpointed outside the database (a signed
  file; `wangge.accounts.audit.checkpoint`), so a later cut of the log is caught by `verify`;
- every night: people-import reports older than WANGGE_IMPORT_REPORT_DAYS are removed.
"""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from wangge.accounts import audit
from wangge.people import import_reports


@db_periodic_task(crontab(minute="*/10"))
@lock_task("wangge-audit-checkpoint")
def audit_checkpoint() -> dict[str, Any]:
    return audit.checkpoint()


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("wangge-import-reports-prune")
def import_reports_prune() -> int:
    return import_reports.reports_prune()
