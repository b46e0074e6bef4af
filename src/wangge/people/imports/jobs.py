"""Big people imports run by the worker, as jobs (the API's uploads of more than
WANGGE_IMPORT_SYNC_ROWS rows; smaller ones are imported in the request).

The upload is kept privately in the data folder (`people-imports/`, 0600) with an ImportRun
(state queued); the worker (tasks.run_people_import) imports it through `importer.import_file`
(checked whole, then written in batches, each its own transaction), recording its position;
its problems and annotated report are kept on the run for the status URL. A job whose worker
stopped is imported again from the start by the worker (tasks.people_imports_resume): the rows
written before count as unchanged (records are matched by code and ID number).
"""

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import private_files
from wangge.accounts.actors import Actor, author
from wangge.people.imports import importer, reports, tabular, workbooks
from wangge.people.models import ImportRun

OPEN = ("queued", "running")


FOLDER = "people-imports"  # the uploads waiting for the worker (private_files: 700, files 600)


def upload_dir() -> Path:
    return private_files.folder(FOLDER)


def row_count(data: bytes, file_name: str) -> int:
    """The file's rows (0 when it cannot be read: the import itself says why)."""
    try:
        return sum(len(s.rows) for s in tabular.read_file(data, file_name))
    except Exception:
        return 0


def import_queue(
    *, actor: Actor, data: bytes, file_name: str, mode: str = "all", ip: str = ""
) -> ImportRun:
    """Keep the upload privately and record its job, queued (the caller hands it to the
    worker: tasks.run_people_import)."""
    if mode not in ("all", "valid"):
        raise ValueError(mode)
    token = secrets.token_hex(16)
    private_files.file_save(FOLDER, token, data, suffix="")
    return ImportRun.objects.create(
        file_name=file_name[:300],
        sha256=hashlib.sha256(data).hexdigest(),
        mode=mode,
        rows=row_count(data, file_name),
        state="queued",
        token=token,
        ip=ip[:45],
        by=author(actor),
        updated_at=timezone.now(),
    )


def import_job_run(*, run_id: int) -> ImportRun:
    """Import a queued (or stopped) job's file; a run done or failed is left alone."""
    run = ImportRun.objects.select_related("by").get(pk=run_id)
    if run.state not in OPEN:
        return run
    if not ImportRun.objects.filter(pk=run.pk, state__in=OPEN).update(
        state="running", updated_at=timezone.now()
    ):
        return run
    path = upload_dir() / run.token
    if run.by is None or not path.is_file():
        message = _("The uploaded file is no longer kept.")
        return _end(run, "failed", [{"sheet": "", "row": 0, "column": "", "message": message}])
    data = path.read_bytes()
    result = importer.import_file(
        actor=run.by, data=data, file_name=run.file_name, mode=run.mode, ip=run.ip, record=run
    )
    problems = [vars(p) for p in result.problems[:1000]]
    if result.problems:
        report = f"{run.by.pk}-{secrets.token_urlsafe(12)}"
        try:
            sheets = tabular.read_file(data, run.file_name)
        except Exception:
            sheets = []
        reports.report_save(report, workbooks.import_report(sheets, result.problems))
        ImportRun.objects.filter(pk=run.pk).update(report_token=report)
    if not result.committed:  # mode "all" and a bad row: nothing written
        ImportRun.objects.filter(pk=run.pk).update(
            rows=result.rows,
            rejected=result.total("rejected"),
            created=result.total("created"),
            updated=result.total("updated"),
            unchanged=result.total("unchanged"),
        )
    return _end(run, "done" if result.committed else "failed", problems)


def _end(run: ImportRun, state: str, problems: list[dict[str, Any]]) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(
        state=state, problems=problems, updated_at=timezone.now()
    )
    (upload_dir() / run.token).unlink(missing_ok=True)
    return ImportRun.objects.get(pk=run.pk)


def import_runs_stale() -> list[int]:
    """Jobs queued or running whose row has not moved for WANGGE_IMPORT_STALE_SECONDS."""
    since = timezone.now() - timedelta(seconds=settings.WANGGE_IMPORT_STALE_SECONDS)
    return list(
        ImportRun.objects.filter(state__in=OPEN, updated_at__lt=since)
        .exclude(token="")
        .order_by("id")
        .values_list("id", flat=True)
    )


def import_run_status(run: ImportRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "state": run.state,
        "file": run.file_name,
        "mode": run.mode,
        "committed": run.committed,
        "rows": run.rows,
        "rows_total": run.rows_total,
        "rows_done": run.position,
        "counts": {
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
        },
        "problems": run.problems,
        "report_url": (
            f"/api/people/import/reports/{run.report_token}.xlsx" if run.report_token else ""
        ),
    }
