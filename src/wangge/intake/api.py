"""Intake over HTTP for other systems: work orders pushed or imported by API key, the changes
feed back to them, and the signed video-alert webhook. Bodies are read here, not by ninja,
so that every bad request gets the one error shape, naming what is wrong."""

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import django_auth

from wangge.errors import DomainError
from wangge.events import figures
from wangge.intake import feed, importer, imports, orders, services, tasks, video
from wangge.intake.models import Channel, ImportJob

router = Router(tags=["intake"])


class PushOut(Schema):
    order_no: str
    event: str
    status: str
    outcome: str  # created, updated, noted (accepted already: on the timeline), unchanged


class VideoAlertOut(Schema):
    event: str
    status: str
    folded: bool
    count: int


API_KEY_HEADER = "X-Api-Key"
# Documents the key header (the key is checked in the view, for the one error shape).
KEY_PARAMETER = {
    "parameters": [
        {"in": "header", "name": API_KEY_HEADER, "required": True, "schema": {"type": "string"}}
    ]
}


def _order_body() -> dict[str, Any]:
    """The push's body as the OpenAPI document describes it: the body is read raw (its text
    checked as every input is, a channel may rename fields), so ninja cannot infer it."""
    moments = {"called_at", "closed_at"}
    properties: dict[str, Any] = {}
    for name, longest in orders.FIELDS.items():
        if name in ("lon", "lat"):
            properties[name] = {"type": "number"}
        elif name in moments:
            properties[name] = {
                "type": "string",
                "description": "a date and time, as the channel writes them",
            }
        else:
            properties[name] = {"type": "string", "maxLength": longest}
    schema = {"type": "object", "required": ["order_no"], "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _channel(request: HttpRequest) -> Channel:
    return services.channel_for_key(request.headers.get(API_KEY_HEADER))


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise DomainError.one(
            _("The request body is too large."), field="body", code="too_large", status=413
        ) from None


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DomainError.one(
            _("The body is not valid JSON: %(e)s") % {"e": exc}, field="body", code="malformed"
        ) from None
    if not isinstance(value, dict):
        raise DomainError.one(_("The body must be a JSON object."), field="body", code="malformed")
    return value


@router.post(
    "/intake/orders",
    auth=None,
    response={200: PushOut, 201: PushOut},
    summary="Push a work order (12345 hotline …); the same order_no again updates it",
    openapi_extra={**KEY_PARAMETER, "requestBody": _order_body()},
)
def push_order(request: HttpRequest) -> Status[dict[str, Any]]:
    channel = _channel(request)
    order = orders.parse_order(channel, _json_object(_body(request)))
    result = orders.push_order(channel, order)
    out = {
        "order_no": order.order_no,
        "event": result.event.code,
        "status": result.event.status,
        "outcome": result.outcome,
    }
    return Status(201 if result.outcome == orders.Outcome.CREATED else 200, out)


@router.post(
    "/intake/orders/import",
    auth=None,
    response={200: dict[str, Any], 202: dict[str, Any]},
    summary="Import a work-order file (xlsx or CSV, multipart field `file`): checked whole"
    " (any bad row: 422, nothing written), then written by the worker in batches; 202 with"
    " the job's status URL. ?dry_run=true checks and previews at once, writing nothing",
    openapi_extra=KEY_PARAMETER,
)
def import_orders(request: HttpRequest, dry_run: bool = False) -> Status[dict[str, Any]]:
    channel = _channel(request)
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError.one(
            _("Send the file as multipart field %(f)s.") % {"f": "file"},
            field="file",
            code="required",
        )
    if upload.size is not None and upload.size > settings.WANGGE_INTAKE_IMPORT_MAX_BYTES:
        raise DomainError.one(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.WANGGE_INTAKE_IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
            code="too_large",
            status=413,
        )
    if dry_run:
        report = importer.import_orders(channel, upload.name or "", upload.read(), dry_run=True)
        return Status(200, report.as_dict())
    job = imports.import_job_create(
        channel=channel, file_name=upload.name or "", data=upload.read(), via="api"
    )
    tasks.run_import_job(job.pk)  # (at once where tasks are immediate: the tests)
    job.refresh_from_db()
    status_url = f"/api/intake/orders/imports/{job.pk}"
    return Status(202, {"job": job.pk, "status_url": status_url, **imports.import_job_status(job)})


@router.get(
    "/intake/orders/imports/{job_id}",
    auth=None,
    summary="An import job of this channel: state (queued, running, done, failed), rows"
    " done of total, outcomes, problems",
    openapi_extra=KEY_PARAMETER,
)
def import_status(request: HttpRequest, job_id: int) -> dict[str, Any]:
    channel = _channel(request)
    job = ImportJob.objects.filter(pk=job_id, channel=channel).first()
    if job is None:
        raise DomainError.one(
            _("No import job %(id)s of this channel.") % {"id": job_id},
            field="job_id",
            code="not_found",
            status=404,
        )
    return imports.import_job_status(job)


@router.get(
    "/intake/changes",
    auth=None,
    summary="Status changes of this channel's events after a cursor (pass next_cursor back)",
    openapi_extra=KEY_PARAMETER,
)
def changes(request: HttpRequest, cursor: int = 0, limit: int = 100) -> dict[str, Any]:
    channel = _channel(request)
    if cursor < 0:
        raise DomainError.one(_("The cursor cannot be negative."), field="cursor")
    return feed.changes(channel, cursor=cursor, limit=limit)


@router.post(
    "/intake/video/{channel}/alerts",
    auth=None,
    response={200: VideoAlertOut, 201: VideoAlertOut},
    summary="A video analytics alert, HMAC-signed with the channel's secret",
)
def video_alert(request: HttpRequest, channel: str) -> Status[dict[str, Any]]:
    body = _body(request)
    source = video.verify(
        channel,
        request.headers.get(video.TIMESTAMP_HEADER),
        request.headers.get(video.SIGNATURE_HEADER),
        body,
    )
    if request.content_type == "multipart/form-data":
        raw: dict[str, Any] = request.POST.dict()
        snapshot: Any = request.FILES.get("snapshot")
    else:
        raw = _json_object(body)
        snapshot = video.decode_snapshot(raw.get("snapshot"))
    result = video.receive_alert(source, raw, snapshot)
    out = {
        "event": result.event.code,
        "status": result.event.status,
        "folded": result.folded,
        "count": result.count,
    }
    return Status(200 if result.folded else 201, out)


@router.get(
    "/intake/figures/channels",
    auth=django_auth,
    summary="Events per channel in the caller's scope (merged duplicates counted once)",
)
def channel_figures(
    request: HttpRequest, date_from: date | None = None, date_to: date | None = None
) -> dict[str, int]:
    return figures.channel_figures(user=request.user, date_from=date_from, date_to=date_to)
