"""The worker's side of background exports: what each kind checks when it is asked for, how it
is built as its owner (so the owner's scope applies to every row, as on the page it came
from), and the nightly removal of old files."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import private_files
from wangge.errors import DomainError
from wangge.fieldwork.campaigns import export as campaign_export
from wangge.fieldwork.campaigns import selectors as campaign_selectors
from wangge.fieldwork.models import Campaign
from wangge.web import queue_export
from wangge.web.models import Download

FOLDER = "downloads"
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Builder:
    # (owner, raw parameters) -> (title, the parameters kept); refuses what the owner may not have
    prepare: Callable[[Any, dict[str, str]], tuple[str, dict[str, str]]]
    # (owner, kept parameters, progress) -> (file name, content)
    build: Callable[[Any, dict[str, str], Progress], tuple[str, bytes]]


def _events_prepare(owner: Any, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    query = QueryDict(params.get("query", ""))
    form, tab, _events = queue_export.queue_events(owner, query)
    kept = {k: str(v) for k, v in query.items() if k in form.cleaned_data}
    return _("Event list (%(tab)s)") % {"tab": queue_export.TAB_LABELS[tab]}, {
        "query": _urlencode(kept)
    }


def _urlencode(values: dict[str, str]) -> str:
    query = QueryDict(mutable=True)
    query.update(values)
    return query.urlencode()


def _events_build(owner: Any, params: dict[str, str], progress: Progress) -> tuple[str, bytes]:
    _form, _tab, events = queue_export.queue_events(owner, QueryDict(params.get("query", "")))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"events-{stamp}.xlsx", queue_export.events_workbook(events, progress)


def _campaign(owner: Any, params: dict[str, str]) -> Campaign:
    campaign = campaign_selectors.campaign_get(owner, params.get("campaign", ""))
    if campaign.status == Campaign.Status.DRAFT:
        raise DomainError.one(
            _("A draft campaign has no answers to export."), field="campaign", code="draft"
        )
    return campaign


def _campaign_prepare(owner: Any, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    campaign = _campaign(owner, params)
    title = _("Campaign answers: %(title)s") % {"title": campaign.title}
    return title[:200], {"campaign": str(campaign.pk)}


def _campaign_build(owner: Any, params: dict[str, str], progress: Progress) -> tuple[str, bytes]:
    campaign = _campaign(owner, params)
    content = campaign_export.export(
        actor=owner, campaign=campaign, ip=params.get("ip", ""), progress=progress
    )
    return f"campaign-{campaign.pk}.xlsx", content


BUILDERS: dict[str, Builder] = {
    Download.Kind.EVENTS: Builder(_events_prepare, _events_build),
    Download.Kind.CAMPAIGN: Builder(_campaign_prepare, _campaign_build),
}


def download_build(*, pk: int) -> None:
    """Build download `pk` (the worker's task): its progress is written as it goes, then the
    private file; a failure is recorded on the row, never left as "being prepared"."""
    download = Download.objects.filter(pk=pk, state=Download.State.QUEUED).first()
    if download is None:  # already built, or taken by another worker
        return
    claimed = Download.objects.filter(pk=pk, state=Download.State.QUEUED).update(
        state=Download.State.RUNNING
    )
    if not claimed:
        return
    owner = get_user_model().objects.get(pk=download.owner_id)

    def progress(done: int, total: int | None) -> None:
        Download.objects.filter(pk=pk).update(rows_done=done, rows_total=total)

    try:
        filename, content = BUILDERS[download.kind].build(owner, download.params, progress)
    except DomainError as exc:
        _finish(pk, state=Download.State.FAILED, error=str(exc))
        return
    token = private_files.new_token()
    private_files.file_save(FOLDER, token, content)
    _finish(
        pk, state=Download.State.DONE, filename=filename, token=token, rows_total=F("rows_done")
    )


def _finish(pk: int, **fields: Any) -> None:
    Download.objects.filter(pk=pk).update(finished_at=timezone.now(), **fields)


def downloads_prune(now: float | None = None) -> int:
    """Remove the files older than WANGGE_DOWNLOAD_DAYS (their rows stay; the page then says
    the file is no longer kept); how many went."""
    return private_files.files_prune(FOLDER, settings.WANGGE_DOWNLOAD_DAYS, now)
