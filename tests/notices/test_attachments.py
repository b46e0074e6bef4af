"""Photos on notices (checked like events' photos) and answers by photo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.events.test_photos import jpeg
from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.events.photos import clean_photo
from wangge.notices import services
from wangge.notices.models import Notice, NoticeAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w() -> World:
    return build()


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


FORM = {"title": "防汛通知", "kind": "confirm", "areas": "", "roles": ["full_time"]}


def test_photos_sent_through_the_form_are_stored_without_exif_and_shown_to_recipients(w):
    form = {**FORM, "areas": w.street.code, "attachments": [upload(jpeg()), upload(jpeg())]}
    response = client(w.street_op).post("/notices/send/", form)
    assert response.status_code == 302
    notice = Notice.objects.get(title="防汛通知")
    photos = list(notice.attachments.all())
    assert len(photos) == 2
    stored = photos[0].file.read()
    assert b"Zhang San" not in stored and b"TestPhone" not in stored  # EXIF dropped
    page = client(w.worker).get(f"/notices/{notice.pk}/")
    url = f"/notices/{notice.pk}/photos/{photos[0].pk}/"
    assert url in page.content.decode()
    got = client(w.worker).get(url + "?size=thumb")
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(got.streaming_content))).width <= 320
    assert client(w.street_op).get(url).status_code == 200  # the sender
    # Off the list, logged out, or another notice's number: 404.
    assert client(w.part_timer).get(url).status_code == 404
    assert client().get(url).status_code == 404
    other = services.notice_send(
        sender=w.street_op, title="x", areas=[w.street], roles=["full_time"]
    )
    assert client(w.worker).get(f"/notices/{other.pk}/photos/{photos[0].pk}/").status_code == 404


def test_a_notice_to_residents_shows_its_photos_publicly(w):
    notice = services.notice_send(
        sender=w.street_op,
        title="停水通知",
        areas=[w.street],
        audience="residents",
        attachments=[clean_photo(jpeg())],
    )
    photo = notice.attachments.get()
    page = client().get(f"/notices/board/{w.street.code}/{notice.pk}/")
    assert f"/notices/{notice.pk}/photos/{photo.pk}/" in page.content.decode()
    assert client().get(f"/notices/{notice.pk}/photos/{photo.pk}/").status_code == 200
    services.notice_recall(notice=notice, actor=w.street_op)
    assert client().get(f"/notices/{notice.pk}/photos/{photo.pk}/").status_code == 404


def test_a_file_that_is_not_an_image_is_a_422_naming_the_field_and_nothing_is_sent(w):
    form = {**FORM, "areas": w.street.code, "attachments": [upload(b"%PDF-1.4 not an image")]}
    response = client(w.street_op).post("/notices/send/", form)
    assert response.status_code == 422
    assert "attachments" in response.content.decode()
    assert not Notice.objects.exists() and not NoticeAttachment.objects.exists()


def test_too_many_photos_are_refused(w):
    photo = clean_photo(jpeg(size=(40, 30)))
    with pytest.raises(DomainError) as caught:
        services.notice_send(
            sender=w.street_op,
            title="x",
            areas=[w.street],
            roles=["full_time"],
            attachments=[photo] * (services.MAX_ATTACHMENTS + 1),
        )
    assert caught.value.status == 422
    assert caught.value.problems[0].field == "attachments"
    form = {
        **FORM,
        "areas": w.street.code,
        "attachments": [upload(b"x") for _ in range(services.MAX_ATTACHMENTS + 1)],
    }
    assert client(w.street_op).post("/notices/send/", form).status_code == 422
    assert not Notice.objects.exists()


def test_a_photo_over_the_size_cap_is_refused(w):
    big = upload(b"\xff\xd8" + b"\0" * (10 * 1024 * 1024 + 1))
    form = {**FORM, "areas": w.street.code, "attachments": [big]}
    response = client(w.street_op).post("/notices/send/", form)
    assert response.status_code == 422
    assert "attachments" in response.content.decode()
    assert not Notice.objects.exists()
