"""Video analytics alerts: signatures, cameras, snapshots, folding per camera and type."""

import base64
import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.intake.conftest import OUTSIDE, Intake, signed
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import Attachment, Event, Status, TimelineEntry
from wangge.intake import video
from wangge.intake.models import AlertFold, Channel

pytestmark = pytest.mark.django_db
URL = "/api/intake/video/video/alerts"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def alert(at: datetime | None = None, **extra: object) -> dict[str, object]:
    return {
        "camera_id": "CAM-001",
        "alert_type": "garbage_overflow",
        "time": (at or datetime.now(UTC)).isoformat(),
        "snapshot": base64.b64encode(jpeg()).decode(),
        **extra,
    }


def send(client, intake: Intake, body: dict[str, object], **headers: str):
    data = json.dumps(body).encode()
    headers = {**signed(intake.secret, data), **headers}
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_an_alert_opens_an_event_at_the_camera_with_its_snapshot(client, intake: Intake):
    response = send(client, intake, alert())
    assert response.status_code == 201, response.content
    assert response.json()["folded"] is False and response.json()["count"] == 1
    event = Event.objects.get()
    assert event.channel == "video" and event.category.code == "0102"
    assert (event.lon, event.lat) == (intake.camera.lon, intake.camera.lat)
    assert event.area_id == intake.camera.area_id and "文晖路口" in event.title
    photo = Attachment.objects.get(event=event)
    assert photo.file.read()[:2] == b"\xff\xd8" and photo.thumbnail


def test_alerts_within_the_window_fold_beyond_it_open_a_new_event(client, intake: Intake):
    start = datetime.now(UTC) - timedelta(minutes=50)
    assert send(client, intake, alert(start)).status_code == 201
    folded = send(client, intake, alert(start + timedelta(minutes=20)))
    assert folded.status_code == 200 and folded.json() == {
        **folded.json(),
        "folded": True,
        "count": 2,
    }
    assert Event.objects.count() == 1
    assert AlertFold.objects.get().count == 2
    entry = TimelineEntry.objects.get(action="video_alert")
    assert entry.data["count"] == 2
    # 20 minutes after the last one (window 30): still the same event …
    assert send(client, intake, alert(start + timedelta(minutes=40))).json()["count"] == 3
    # … another alert type of the same camera is another event …
    other = dict(alert(start + timedelta(minutes=41)), alert_type="0103")
    assert send(client, intake, other).status_code == 201
    # … and 31 minutes after the last, a new one.
    late = send(client, intake, alert(start + timedelta(minutes=71)))
    assert late.status_code == 201 and late.json()["count"] == 1
    assert Event.objects.count() == 3


def test_a_closed_event_takes_no_more_alerts(client, intake: Intake):
    send(client, intake, alert())
    wf.event_reject(event=Event.objects.get(), actor=intake.world.operator, reason="误报")
    assert send(client, intake, alert()).status_code == 201
    assert Event.objects.filter(status=Status.REPORTED).count() == 1


def test_the_folding_window_is_a_setting(client, intake: Intake, settings):
    settings.WANGGE_VIDEO_FOLD_MINUTES = 5
    start = datetime.now(UTC) - timedelta(minutes=30)
    send(client, intake, alert(start))
    assert send(client, intake, alert(start + timedelta(minutes=6))).status_code == 201


def test_a_multipart_alert_with_a_snapshot_file(client, intake: Intake):
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    fields = {k: v for k, v in alert().items() if k != "snapshot"}
    upload = io.BytesIO(jpeg())
    upload.name = "snap.jpg"
    data = encode_multipart(BOUNDARY, {**fields, "snapshot": upload})
    response = client.generic(
        "POST", URL, data, content_type=MULTIPART_CONTENT, **signed(intake.secret, data)
    )
    assert response.status_code == 201, response.content
    assert Attachment.objects.count() == 1


def test_skips_acceptance_for_video(client, intake: Intake):
    Channel.objects.filter(pk=intake.video.pk).update(skips_acceptance=True)
    assert send(client, intake, alert()).json()["status"] == "accepted"


# -- signatures -----------------------------------------------------------------------------
def test_a_missing_signature_is_401(client, intake: Intake):
    data = json.dumps(alert()).encode()
    response = client.post(URL, data=data, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unsigned"
    assert not Event.objects.exists()


def test_a_wrong_signature_is_403(client, intake: Intake):
    data = json.dumps(alert()).encode()
    headers = signed("not-the-secret", data)
    response = client.post(URL, data=data, content_type="application/json", **headers)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "bad_signature"
    # A body changed after signing fails too.
    headers = signed(intake.secret, data)
    tampered = data.replace(b"CAM-001", b"CAM-002")
    assert client.post(URL, tampered, "application/json", **headers).status_code == 403
    assert not Event.objects.exists()


def test_a_stale_timestamp_is_401(client, intake: Intake):
    data = json.dumps(alert()).encode()
    headers = signed(intake.secret, data, at=time.time() - 600)
    response = client.post(URL, data=data, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "stale"
    assert not Event.objects.exists()


def test_an_unknown_channel_answers_like_a_bad_signature(client, intake: Intake):
    data = json.dumps(alert()).encode()
    response = client.post(
        "/api/intake/video/nope/alerts", data, "application/json", **signed(intake.secret, data)
    )
    assert response.status_code == 403


def test_the_signature_is_the_platforms_own_hmac(intake: Intake):
    import hashlib
    import hmac

    body = b'{"a": 1}'
    expected = hmac.new(intake.secret.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert video.sign(intake.secret, "1700000000", body) == "sha256=" + expected


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field", "code", "status"),
    [
        ({"camera_id": "CAM-404"}, "camera_id", "unknown_camera", 422),
        ({"alert_type": "ufo"}, "alert_type", "unknown_category", 422),
        ({"time": "soon"}, "time", "invalid", 422),
        ({"camera_id": None}, "camera_id", "required", 422),
        ({"snapshot": "%%%not base64"}, "snapshot", "invalid", 422),
        (
            {"snapshot": base64.b64encode(b"GIF89a, no image").decode()},
            "snapshot",
            "not_image",
            422,
        ),
    ],
)
def test_bad_alerts_are_refused_naming_the_field(
    client, intake: Intake, change, field, code, status
):
    response = send(client, intake, alert(**change))
    assert response.status_code == status, response.content
    problem = response.json()["errors"][0]
    assert (problem["field"], problem["code"]) == (field, code) and problem["message"]
    assert not Event.objects.exists() and not Attachment.objects.exists()


def test_a_malformed_signed_body_is_400(client, intake: Intake):
    data = b"{oops"
    response = client.post(URL, data, "application/json", **signed(intake.secret, data))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"


def test_an_oversized_snapshot_is_refused(client, intake: Intake, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send(client, intake, alert())
    assert response.status_code == 413 and not Event.objects.exists()


def test_cameras_are_located_and_refused_outside(intake: Intake):
    assert intake.camera.area.code == "330103001001001001"
    with pytest.raises(DomainError) as caught:
        video.camera_save(intake.video, "CAM-SH", "外滩", *OUTSIDE)
    assert caught.value.problems[0].code == "outside"


def test_overlong_ids_are_refused(client, intake: Intake):
    response = send(client, intake, alert(alert_type="x" * 65))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "too_long"
