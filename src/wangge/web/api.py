"""Background exports over HTTP (under /api/downloads): ask, follow the progress, fetch."""

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from wangge.accounts.audit import client_ip
from wangge.api_pages import paged
from wangge.web import downloads
from wangge.web.models import Download

router = Router(tags=["downloads"])


class DownloadIn(Schema):
    kind: str = Field(description="events (the queue's list) or campaign (its answers)")
    query: str = Field(
        "", max_length=2000, description="events: the queue's filters as a query string"
    )
    campaign: str = Field("", max_length=20, description="campaign: its id")


class DownloadOut(Schema):
    id: int
    kind: str
    title: str
    state: str
    rows_done: int
    rows_total: int | None
    created_at: datetime
    finished_at: datetime | None
    error: str
    file: str | None = Field(description="where to fetch it once ready")

    @staticmethod
    def resolve_file(obj: Download) -> str | None:
        if obj.state != Download.State.DONE:
            return None
        return reverse("api:download_file", kwargs={"pk": obj.pk})


@router.get("/downloads", response=list[DownloadOut], summary="My background exports")
@paged
def download_list(request: HttpRequest) -> Any:
    return downloads.downloads_of(request.user).defer(None)


@router.post(
    "/downloads",
    response={202: DownloadOut},
    summary="Ask for an export, built by the worker (202, then follow its state)",
)
def download_create(request: HttpRequest, body: DownloadIn) -> Status[Download]:
    params = {"query": body.query, "campaign": body.campaign}
    started = downloads.download_start(
        actor=request.user,
        kind=body.kind,
        params={k: v for k, v in params.items() if v},
        ip=client_ip(request),
    )
    return Status(202, downloads.download_get(actor=request.user, pk=started.pk))


@router.get("/downloads/{pk}", response=DownloadOut, summary="One export's state and progress")
def download_detail(request: HttpRequest, pk: int) -> Download:
    return downloads.download_get(actor=request.user, pk=pk)


@router.get("/downloads/{pk}/file", url_name="download_file", summary="The ready file")
def download_file(request: HttpRequest, pk: int) -> FileResponse:
    path, filename = downloads.download_file(actor=request.user, pk=pk)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
