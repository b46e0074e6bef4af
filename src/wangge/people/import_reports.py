"""The annotated reports of people imports (xlsx with each refused row marked): written to the
data folder for the importer to download, and kept only WANGGE_IMPORT_REPORT_DAYS (they name
residents; the worker removes older ones every night)."""

import time
from pathlib import Path

from django.conf import settings


def report_dir() -> Path:
    path = Path(settings.DATA_DIR) / "people-import-reports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def report_save(token: str, content: bytes) -> None:
    path = report_dir() / f"{token}.xlsx"
    path.write_bytes(content)
    path.chmod(0o600)


def report_path(token: str) -> Path | None:
    """The report of `token`, while it is kept; None otherwise."""
    path = report_dir() / f"{token}.xlsx"
    return path if path.is_file() else None


def reports_prune(now: float | None = None) -> int:
    """Remove the reports older than WANGGE_IMPORT_REPORT_DAYS; how many went."""
    cutoff = (time.time() if now is None else now) - settings.WANGGE_IMPORT_REPORT_DAYS * 86400
    removed = 0
    for path in report_dir().glob("*.xlsx"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
