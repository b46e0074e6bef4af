"""Import jobs: a work-order file written by the worker, in batches, while the platform runs.

The upload is checked whole first (every problem named at once, nothing written: the same
422 as ever), then kept privately in the data folder (`intake-imports/`, 0600) and an
ImportJob queued. The worker (tasks.run_import_job) checks the file again and writes it in
batches of WANGGE_IMPORT_BATCH_ROWS, each its own short transaction that also records the
job's progress (position, outcomes): no lock a live report needs (the day's code counter,
SQLite's write lock) is held longer than one batch. A job whose worker died is resumed from
its position (tasks.import_jobs_resume); rows written again would change nothing anyway (a
push is idempotent by order number). The stored file is removed when the job ends.
"""

import hashlib
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import private_files
from wangge.errors import DomainError, Problem
from wangge.intake import importer
from wangge.intake.models import Channel, ImportJob

State = ImportJob.State
OPEN = (State.QUEUED, State.RUNNING)


FOLDER = "intake-imports"  # the uploads waiting for the worker (private_files: 700, files 600)


def upload_dir() -> Path:
    return private_files.folder(FOLDER)


def _upload_path(job: ImportJob) -> Path:
    return upload_dir() / job.token


def import_job_create(
    *,
    channel: Channel,
    file_name: str,
    data: bytes,
    by: Any = None,
    via: str = "api",
) -> ImportJob:
    """Check the file whole (DomainError 422 naming every bad row: nothing kept, nothing
    written), keep it privately and record its job, queued: the caller hands it to the worker
    (tasks.run_import_job) or runs it in its own process (the CLI); either way the worker
    resumes it if it stops."""
    checked, problems = importer.check_orders(channel, file_name, data)
    if problems:
        raise DomainError(problems, status=422)
    token = secrets.token_hex(16)
    private_files.file_save(FOLDER, token, data, suffix="")
    job = ImportJob.objects.create(
        channel=channel,
        by=by if by is not None and by.is_authenticated else None,
        via=via,
        file_name=file_name[:300],
        token=token,
        sha256=hashlib.sha256(data).hexdigest(),
        rows_total=len(checked.orders),
        unmapped=checked.unmapped,
        closed_at_source=checked.closed_at_source,
    )
    return job


def import_job_run(
    *,
    job_id: int,
    stop_after: int | None = None,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Write the job's file from its position to the end, a batch a transaction; a job done
    or failed is left alone, a job another worker moves on stops this run at its next batch.
    `stop_after`: write at most this many batches (tests: a crash after k batches);
    `progress(job)` is called after each batch is committed."""
    job = ImportJob.objects.select_related("channel").get(pk=job_id)
    if job.state not in OPEN:
        return job
    claimed = ImportJob.objects.filter(pk=job.pk, state__in=OPEN).update(
        state=State.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return job
    path = _upload_path(job)
    if not path.is_file():
        return _fail(job, [Problem(_("The uploaded file is no longer kept."), field="file")])
    try:
        checked, problems = importer.check_orders(job.channel, job.file_name, path.read_bytes())
    except DomainError as exc:
        problems = exc.problems
    if problems:  # the channel's mapping or the areas changed since the upload
        return _fail(job, problems)
    orders = checked.orders
    size = importer.batch_size()
    position, written = job.position, 0
    while position < len(orders):
        if stop_after is not None and written >= stop_after:
            return ImportJob.objects.get(pk=job.pk)
        if written:
            importer.pause_between_batches()
        batch = orders[position : position + size]
        try:
            with transaction.atomic():
                current = ImportJob.objects.select_for_update().get(pk=job.pk)
                if current.state != State.RUNNING or current.position != position:
                    return current  # another run has it (or it ended): not ours to write
                outcomes, _codes = importer.write_batch(job.channel, batch)
                merged = Counter(current.outcomes) + outcomes
                position += len(batch)
                ImportJob.objects.filter(pk=job.pk).update(
                    position=position,
                    rows_total=len(orders),
                    batches=F("batches") + 1,
                    outcomes=dict(merged),
                    updated_at=timezone.now(),
                )
        except DomainError as exc:
            return _fail(job, exc.problems)
        written += 1
        if progress is not None:
            progress(ImportJob.objects.get(pk=job.pk))
    ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=State.DONE, finished_at=timezone.now(), updated_at=timezone.now()
    )
    path.unlink(missing_ok=True)
    return ImportJob.objects.get(pk=job.pk)


def _fail(job: ImportJob, problems: list[Problem]) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.FAILED,
        problems=[p.as_dict() for p in problems],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    _upload_path(job).unlink(missing_ok=True)
    return ImportJob.objects.get(pk=job.pk)


def import_jobs_stale() -> list[int]:
    """Jobs queued or running whose row has not moved for WANGGE_IMPORT_STALE_SECONDS (the
    worker that had them stopped): to be resumed."""
    since = timezone.now() - timedelta(seconds=settings.WANGGE_IMPORT_STALE_SECONDS)
    return list(
        ImportJob.objects.filter(state__in=OPEN, updated_at__lt=since)
        .order_by("id")
        .values_list("id", flat=True)
    )


def import_job_status(job: ImportJob) -> dict[str, Any]:
    """What the status URL and the progress page show."""
    problems = [Problem(**p) for p in job.problems]
    return {
        "id": job.pk,
        "state": job.state,
        "file": job.file_name,
        "rows_total": job.rows_total,
        "rows_done": job.position,
        "batches": job.batches,
        "outcomes": {k: int(job.outcomes.get(k, 0)) for k in importer.OUTCOMES},
        "unmapped": job.unmapped,
        "closed_at_source": job.closed_at_source,
        "summary": importer.summarise(problems),
        "problems": job.problems,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
