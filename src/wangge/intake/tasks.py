"""Huey tasks of intake (found by djhuey's autodiscovery): outbound webhooks to a channel's
own system, and work-order import jobs (intake.imports).

Delivery, signing and retries are the platform's (`events.webhooks`): only the address and
the secret are the channel's.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from wangge.events.webhooks import (
    WEBHOOK_RETRIES,
    WEBHOOK_RETRY_BACKOFF,
    WEBHOOK_RETRY_DELAY,
    post_signed,
)
from wangge.intake import imports
from wangge.intake.models import Channel


@db_task(
    retries=WEBHOOK_RETRIES, retry_delay=WEBHOOK_RETRY_DELAY, retry_backoff=WEBHOOK_RETRY_BACKOFF
)
def deliver_channel_webhook(channel_id: int, body: str, kind: str, delivery: str) -> int | None:
    """POST one change to the channel's webhook URL; raise (so huey retries) unless 2xx."""
    channel = Channel.objects.filter(pk=channel_id, active=True).exclude(webhook_url="").first()
    if channel is None or not channel.secret:
        return None
    return post_signed(channel.webhook_url, channel.secret, body.encode(), kind, delivery)


@db_task()
def run_import_job(job_id: int) -> str:
    """Write an import job's file, batch by batch, from where it stands."""
    return str(imports.import_job_run(job_id=job_id).state)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("wangge-import-jobs-resume")
def import_jobs_resume() -> int:
    """Resume the jobs a stopped worker left queued or running (from their last batch)."""
    stale = imports.import_jobs_stale()
    for job_id in stale:
        imports.import_job_run(job_id=job_id)
    return len(stale)
