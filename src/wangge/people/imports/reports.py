"""The annotated reports of people imports (xlsx with each refused row marked): written to the
data folder for the importer to download, and kept only WANGGE_IMPORT_REPORT_DAYS (they name
residents; the worker removes older ones every night)."""

from pathlib import Path

from django.conf import settings

from wangge import private_files

FOLDER = "people-import-reports"


def report_save(token: str, content: bytes) -> None:
    private_files.file_save(FOLDER, token, content)


def report_path(token: str) -> Path | None:
    """The report of `token`, while it is kept; None otherwise."""
    return private_files.file_path(FOLDER, token)


def reports_prune(now: float | None = None) -> int:
    """Remove the reports older than WANGGE_IMPORT_REPORT_DAYS; how many went."""
    return private_files.files_prune(FOLDER, settings.WANGGE_IMPORT_REPORT_DAYS, now)
