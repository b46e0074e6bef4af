"""Files the platform writes for one person to fetch later (import reports, prepared exports):
kept in a private folder of the data folder (700, files 600, names are random tokens) and
removed by the worker once older than their folder's keeping time. They name residents, so
nothing here is ever served without the caller's own check."""

import secrets
import time
from pathlib import Path

from django.conf import settings


def folder(name: str) -> Path:
    path = Path(settings.DATA_DIR) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def new_token() -> str:
    return secrets.token_urlsafe(24)


def file_save(name: str, token: str, content: bytes, *, suffix: str = ".xlsx") -> Path:
    path = folder(name) / f"{token}{suffix}"
    path.write_bytes(content)
    path.chmod(0o600)
    return path


def file_path(name: str, token: str, *, suffix: str = ".xlsx") -> Path | None:
    """The file of `token` while it is kept; None otherwise (or for a token that is not one)."""
    if not token or "/" in token or "\\" in token or token.startswith("."):
        return None
    path = folder(name) / f"{token}{suffix}"
    return path if path.is_file() else None


def files_prune(name: str, days: float, now: float | None = None) -> int:
    """Remove the folder's files older than `days`; how many went."""
    cutoff = (time.time() if now is None else now) - days * 86400
    removed = 0
    for path in folder(name).iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
