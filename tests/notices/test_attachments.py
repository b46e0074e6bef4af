"""Photos on notices (checked like events' photos) and answers by photo."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.images import jpeg
from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.events.photos import clean_photo
from wangge.notices import services
from wangge.notices.models import Notice, NoticeAttachment, Receipt

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


def photo_notice(w: World) -> Notice:
    return services.notice_send(
        sender=w.street_op,
        title="拍照回复消防通道",
        areas=[w.street],
        roles=["full_time"],
        kind="photo",
    )


def test_a_photo_answer_is_checked_stored_and_shown_to_the_sender(w):
    notice = photo_notice(w)
    url = f"/notices/{notice.pk}/answer/"
    refused = client(w.worker).post(url, {"text": "只有文字", "client_key": "k0"})
    assert refused.status_code == 422 and "photo" in refused.content.decode()
    bad = client(w.worker).post(url, {"photo": upload(b"GIF89a rubbish"), "client_key": "k1"})
    assert bad.status_code == 422
    assert Receipt.objects.get(notice=notice, user=w.worker).done_at is None
    sent = client(w.worker).post(
        url, {"photo": upload(jpeg()), "text": "已清理", "client_key": "k2"}
    )
    assert sent.status_code == 302
    receipt = Receipt.objects.get(notice=notice, user=w.worker)
    assert receipt.done_at is not None and receipt.answer == "已清理"
    assert b"Zhang San" not in receipt.answer_photo.read()
    photo_url = f"/notices/{notice.pk}/answers/{w.worker.pk}/photo/"
    inbox = client(w.worker).get("/api/notices/inbox").json()["items"]
    assert inbox[0]["answer_photo"] == photo_url
    assert client(w.worker).get(photo_url).status_code == 200
    assert client(w.street_op).get(photo_url + "?size=thumb").status_code == 200
    # The worker's grid leader follows the grid's part of the board (a level between) and sees
    # the answers there; anyone else does not.
    assert client(w.leader).get(photo_url).status_code == 200
    for user in (w.part_timer, w.outsider):
        assert client(user).get(photo_url).status_code == 404
    # Confirming is not answering.
    confirmed = client(w.worker).post(f"/notices/{notice.pk}/confirm/", {"client_key": "c"})
    assert confirmed.status_code == 422


def test_a_new_photo_replaces_the_old_and_a_resent_one_changes_nothing(
    w, django_capture_on_commit_callbacks
):
    notice = photo_notice(w)
    first, changed = services.receipt_answer(
        notice=notice, user=w.worker, photo=clean_photo(jpeg()), client_key="a"
    )
    assert changed
    again, changed = services.receipt_answer(
        notice=notice, user=w.worker, photo=clean_photo(jpeg()), client_key="a"
    )
    assert not changed and again.answer_photo.name == first.answer_photo.name
    old = first.answer_photo.name
    storage = first.answer_photo.storage
    with django_capture_on_commit_callbacks(execute=True):
        later, changed = services.receipt_answer(
            notice=notice,
            user=w.worker,
            photo=clean_photo(jpeg(colour=(0, 0, 200))),
            client_key="b",
        )
    assert changed and later.answer_photo.name != old
    assert later.answered_at == first.answered_at  # the first time is kept
    assert not storage.exists(old) and storage.exists(later.answer_photo.name)
