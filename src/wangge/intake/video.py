"""Video analytics alerts: a signed webhook per channel, folded per camera and alert type.

The source signs each request with the channel's secret, the same HMAC-SHA256 the platform
signs its own webhooks with (`events.webhooks.signature`), over "<timestamp>.<body>" so a
captured request cannot be replayed after the tolerance. An alert of a registered camera
becomes an event at the camera's location with its snapshot; further alerts of that camera
and alert type within the folding window count on the open event instead of opening more.
"""

import base64
import binascii
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wangge.accounts.actors import ANONYMOUS, SYSTEM
from wangge.decoding import unstorable
from wangge.errors import DomainError, Problem
from wangge.events import workflow
from wangge.events.models import Event
from wangge.events.photos import attach_photo, clean_photo
from wangge.events.webhooks import signature
from wangge.intake import places, services
from wangge.intake.dates import EARLIEST, LATEST, platform_iso
from wangge.intake.models import AlertFold, Camera, Channel
from wangge.intake.orders import UNSTORABLE

SIGNATURE_HEADER = "X-Wangge-Signature"
TIMESTAMP_HEADER = "X-Wangge-Timestamp"
MAX_ID = 64  # characters of a camera id or an alert type


@dataclass(frozen=True)
class AlertResult:
    event: Event
    folded: bool
    count: int  # alerts on the event so far


def _auth_error(message: str, code: str, status: int) -> DomainError:
    return DomainError.one(message, field="signature", code=code, status=status)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value a source sends for `body` at `timestamp` (unix seconds)."""
    return signature(secret, timestamp.encode() + b"." + body)


def verify(channel_code: str, timestamp: str | None, sig: str | None, body: bytes) -> Channel:
    """The channel whose secret signed this body; DomainError 401 (missing, stale) or 403
    (unknown channel, wrong signature) otherwise."""
    if not sig or not timestamp:
        raise _auth_error(
            _("The request must be signed (%(s)s and %(t)s headers).")
            % {"s": SIGNATURE_HEADER, "t": TIMESTAMP_HEADER},
            "unsigned",
            401,
        )
    try:
        sent = int(timestamp)
    except ValueError:
        raise _auth_error(_("The timestamp must be unix seconds."), "stale", 401) from None
    if abs(time.time() - sent) > settings.WANGGE_INTAKE_SIGNATURE_TOLERANCE:
        raise _auth_error(
            _("The timestamp is more than %(s)s seconds away from now.")
            % {"s": settings.WANGGE_INTAKE_SIGNATURE_TOLERANCE},
            "stale",
            401,
        )
    channel = services.channel_by_code(channel_code)
    # An unknown channel answers as a wrong signature does: no probing for channel codes.
    if (
        channel is None
        or not channel.active
        or not channel.secret
        or not hmac.compare_digest(sign(channel.secret, timestamp, body), sig.strip())
    ):
        raise _auth_error(_("The signature does not match."), "bad_signature", 403)
    return channel


def _moment(value: Any) -> datetime | None:
    """The alert's time; None when it is none, or outside the years a camera can mean."""
    moment: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _moment(int(text))
        try:
            moment = parse_datetime(text)
        except ValueError:
            return None
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    if moment is None or not EARLIEST <= moment.year <= LATEST:
        return None
    return moment


def decode_snapshot(value: Any) -> bytes | None:
    """A base64 snapshot from a JSON body (a data: URL prefix is allowed)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise DomainError.one(_("The snapshot must be base64 text."), field="snapshot", status=422)
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError.one(
            _("The snapshot is not valid base64."), field="snapshot", status=422
        ) from None


def receive_alert(
    channel: Channel, raw: dict[str, Any], snapshot: bytes | IO[bytes] | None
) -> AlertResult:
    """Turn one alert into an event, or fold it into the open one of its camera and type."""
    problems = []
    for name in ("camera_id", "alert_type", "time"):
        if raw.get(name) in (None, ""):
            problems.append(Problem(_("This field is required."), field=name, code="required"))
        elif name != "time" and not isinstance(raw[name], str | int):
            problems.append(Problem(_("Must be text."), field=name))
        elif isinstance(raw[name], str) and (why := unstorable(raw[name])):
            problems.append(Problem(str(UNSTORABLE[why]), field=name, code=why))
        elif name != "time" and len(str(raw[name]).strip()) > MAX_ID:
            message = _("At most %(n)s characters.") % {"n": MAX_ID}
            problems.append(Problem(message, field=name, code="too_long"))
    if problems:
        raise DomainError(problems, status=422)
    camera_id, alert_type = str(raw["camera_id"]).strip(), str(raw["alert_type"]).strip()
    at = _moment(raw["time"])
    if at is None:
        raise DomainError.one(
            _("Not a date and time (ISO 8601 or unix seconds)."), field="time", status=422
        )
    camera = Camera.objects.filter(channel=channel, camera_id=camera_id, active=True).first()
    if camera is None:
        raise DomainError.one(
            _("Camera %(c)s is not registered on this channel.") % {"c": camera_id},
            field="camera_id",
            code="unknown_camera",
            status=422,
        )
    category = services.category_for(channel, alert_type, field="alert_type")
    photo = clean_photo(snapshot, field="snapshot") if snapshot is not None else None
    window = timedelta(minutes=settings.WANGGE_VIDEO_FOLD_MINUTES)
    with transaction.atomic():
        # One camera's alerts queue here: two at once must not both open an event.
        Camera.objects.select_for_update().filter(pk=camera.pk).first()
        fold = (
            AlertFold.objects.select_related("event")
            .filter(
                camera=camera,
                alert_type=alert_type,
                last_at__gte=at - window,
                first_at__lte=at + window,
            )
            .order_by("-last_at")
            .first()
        )
        if fold is not None and fold.event.is_open:
            return _fold(fold, at)
        event = workflow.event_report(
            actor=ANONYMOUS,
            title=f"{category.name}（{camera.name}）",
            category=category,
            channel=channel.code,
            description=_("Video alert %(type)s from camera %(camera)s at %(at)s.")
            % {
                "type": alert_type,
                "camera": f"{camera.camera_id} {camera.name}",
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            },
            lon=camera.lon,
            lat=camera.lat,
            area=camera.area,
            address=camera.name,
        )
        if photo is not None:
            attach_photo(event, photo)
        AlertFold.objects.create(
            camera=camera, alert_type=alert_type, event=event, first_at=at, last_at=at
        )
    return AlertResult(event, folded=False, count=1)


def _fold(fold: AlertFold, at: datetime) -> AlertResult:
    fold.count += 1
    fold.last_at = max(fold.last_at, at)
    fold.save(update_fields=["count", "last_at"])
    workflow.event_note(
        event=fold.event,
        actor=SYSTEM,
        action="video_alert",
        comment=_("Alert %(n)s of this camera and type.") % {"n": fold.count},
        data={"alert_type": fold.alert_type, "at": platform_iso(at), "count": fold.count},
    )
    return AlertResult(fold.event, folded=True, count=fold.count)


def camera_save(
    channel: Channel, camera_id: str, name: str, lon: float, lat: float, active: bool = True
) -> Camera:
    """Register a camera, or move or rename it; its area follows its point."""
    camera = Camera.objects.filter(channel=channel, camera_id=camera_id).first()
    if camera is None:
        camera = Camera(channel=channel, camera_id=camera_id)
    camera.lon, camera.lat, camera.area = places.place(lon, lat)
    camera.name, camera.active = name, active
    camera.save()
    return camera
