"""The people import over HTTP: the template, an upload (big ones queued for the worker), a
queued import's state, and the annotated report of refused rows."""

import re
import secrets
from typing import Any, Literal

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.accounts import audit
from wangge.errors import DomainError
from wangge.people import tasks
from wangge.people.imports import importer, jobs, reports, tabular, workbooks
from wangge.people.models import ImportRun

router = Router(tags=["people"])


def _ip(request: HttpRequest) -> str:
    return audit.client_ip(request)


# -- import ----------------------------------------------------------------------------------
class ProblemOut(Schema):
    sheet: str
    row: int
    column: str
    message: str


class ImportOut(Schema):
    committed: bool
    mode: str
    rows: int
    counts: dict[str, dict[str, int]]
    problems: list[ProblemOut]
    report_url: str


@router.get("/people/import/template.xlsx", summary="The import template")
def import_template(request: HttpRequest) -> HttpResponse:
    return workbooks.xlsx_response(workbooks.template(), "people-template.xlsx")


@router.post(
    "/people/import",
    response={200: ImportOut, 202: dict[str, Any]},
    summary="Import buildings … residents: at once up to WANGGE_IMPORT_SYNC_ROWS rows, else"
    " by the worker (202 with the run's status URL)",
)
def import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Form[Literal["all", "valid"]] = "all",
) -> Status[dict[str, Any]]:
    data = file.read()
    name = file.name or "upload.xlsx"
    if jobs.row_count(data, name) > settings.WANGGE_IMPORT_SYNC_ROWS:
        run = jobs.import_queue(
            actor=request.user, data=data, file_name=name, mode=mode, ip=_ip(request)
        )
        tasks.run_people_import(run.pk)  # (at once where tasks are immediate: the tests)
        run.refresh_from_db()
        status_url = f"/api/people/import/runs/{run.pk}"
        return Status(202, {"status_url": status_url, **jobs.import_run_status(run)})
    result = importer.import_file(
        actor=request.user, data=data, file_name=name, mode=mode, ip=_ip(request)
    )
    report_url = ""
    if result.problems:
        token = f"{request.user.pk}-{secrets.token_urlsafe(12)}"
        try:
            sheets = tabular.read_file(data, name)
        except Exception:
            sheets = []
        reports.report_save(token, workbooks.import_report(sheets, result.problems))
        report_url = f"/api/people/import/reports/{token}.xlsx"
    return Status(
        200,
        {
            "committed": result.committed,
            "mode": result.mode,
            "rows": result.rows,
            "counts": {k: vars(c) for k, c in result.counts.items()},
            "problems": [vars(p) for p in result.problems[:1000]],
            "report_url": report_url,
        },
    )


@router.get(
    "/people/import/runs/{run_id}",
    summary="A big import's progress: state (queued, running, done, failed), rows done of"
    " total, counts, problems, report (its importer only)",
)
def import_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = ImportRun.objects.filter(pk=run_id, by_id=request.user.pk).exclude(token="").first()
    if run is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return jobs.import_run_status(run)


@router.get("/people/import/reports/{token}.xlsx", summary="An import's annotated report")
def import_report(request: HttpRequest, token: str) -> FileResponse:
    if not re.fullmatch(r"\d+-[\w-]+", token) or token.split("-")[0] != str(request.user.pk):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    path = reports.report_path(token)
    if path is None:  # never written, or older than WANGGE_IMPORT_REPORT_DAYS
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return FileResponse(path.open("rb"), as_attachment=True, filename="import-report.xlsx")
