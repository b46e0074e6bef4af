"""Periodic people jobs on huey (`wangge worker` runs them):

- every 10 minutes: the audit chain's head is checkpointed outside the database (a signed
  file; `wangge.accounts.audit.checkpoint`), so a later cut of the log is caught by `verify`;
- every night: people-import reports older than WANGGE_IMPORT_REPORT_DAYS are removed;
- every 5 minutes: big imports a stopped worker left are imported again (people.imports.jobs);
- on demand: a big import uploaded through the API (run_people_import).
"""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from wangge.accounts import audit
from wangge.people.imports import jobs, reports


@db_periodic_task(crontab(minute="*/10"))
@lock_task("wangge-audit-checkpoint")
def audit_checkpoint() -> dict[str, Any]:
    return audit.checkpoint()


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("wangge-import-reports-prune")
def import_reports_prune() -> int:
    return reports.reports_prune()


@db_task()
def run_people_import(run_id: int) -> str:
    """Import a big people file queued by the API (people.imports.jobs)."""
    return jobs.import_job_run(run_id=run_id).state


@db_periodic_task(crontab(minute="*/5"))
@lock_task("wangge-people-imports-resume")
def people_imports_resume() -> int:
    """Import again the jobs a stopped worker left queued or running."""
    stale = jobs.import_runs_stale()
    for run_id in stale:
        jobs.import_job_run(run_id=run_id)
    return len(stale)
