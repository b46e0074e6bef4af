"""Long exports run by the worker ("我的下载"): asked for on a page or through the API, built
as their owner with progress, then fetched by the owner alone while they are kept."""

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge import private_files
from wangge.accounts.actors import Actor, author
from wangge.errors import DomainError
from wangge.web.download_jobs import BUILDERS, FOLDER
from wangge.web.models import Download

MAX_PENDING = 3  # a person's exports queued or being prepared at once


def download_start(*, actor: Actor, kind: str, params: dict[str, str], ip: str = "") -> Download:
    """Queue an export of `kind` for `actor`: its parameters are checked now (a campaign out
    of scope is not found, as on its page); the worker builds it once this commits. `ip`
    goes into the audit entry the export writes."""
    builder = BUILDERS.get(kind)
    if builder is None:
        raise DomainError.one(_("Unknown kind of export."), field="kind", code="invalid")
    owner = author(actor)
    if owner is None:
        raise DomainError.one(_("Log in first."), code="login", status=401)
    pending = Download.objects.filter(
        owner=owner, state__in=(Download.State.QUEUED, Download.State.RUNNING)
    ).count()
    if pending >= MAX_PENDING:
        raise DomainError.one(
            _("%(n)s exports are still being prepared; wait for one to finish.") % {"n": pending},
            code="too_many",
            status=429,
        )
    title, kept = builder.prepare(actor, {k: str(v) for k, v in params.items()})
    download = Download.objects.create(
        owner=owner, kind=kind, params={**kept, "ip": ip}, title=title
    )
    from wangge.web.tasks import build_download

    transaction.on_commit(lambda: build_download(download.pk))
    return download


def downloads_of(actor: Actor) -> QuerySet[Download]:
    """The actor's own exports, newest first (never anyone else's, superusers included)."""
    return Download.objects.filter(owner_id=int(getattr(actor, "pk", None) or 0)).defer(
        "params", "error"
    )


def downloads_listed(actor: Actor, limit: int) -> list[Download]:
    """The actor's latest exports, each marked `kept` while its file is still there."""
    rows = list(downloads_of(actor)[:limit])
    for d in rows:
        d.kept = bool(d.token) and private_files.file_path(FOLDER, d.token) is not None
    return rows


def download_get(*, actor: Actor, pk: Any) -> Download:
    found = Download.objects.filter(owner_id=int(getattr(actor, "pk", None) or 0))
    download = found.filter(pk=int(pk)).first() if str(pk).isdigit() else None
    if download is None:
        raise DomainError.one(_("No such export."), field="pk", code="not_found", status=404)
    return download


def download_file(*, actor: Actor, pk: Any) -> tuple[Path, str]:
    """The ready file of the actor's export `pk` and its name; 404 when not (or no longer)."""
    download = download_get(actor=actor, pk=pk)
    path = private_files.file_path(FOLDER, download.token) if download.token else None
    if download.state != Download.State.DONE or path is None:
        raise DomainError.one(
            _("This export is not ready or no longer kept."), field="pk", code="gone", status=404
        )
    return path, download.filename
