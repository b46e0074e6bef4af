"""Photos checked by content: real JPEGs carrying EXIF GPS (written with Pillow's Exif API)
are re-encoded without it, their GPS returned, a thumbnail made; fakes are refused."""

import io
import re

import pytest
from PIL import ExifTags, Image

from tests.events.factories import make_world, report
from tests.images import FAKES, LAT, LON, bomb, jpeg, upload
from wangge.errors import DomainError
from wangge.events.models import Attachment, Event
from wangge.events.photos import attach_photo, clean_photo
from wangge.regions import spatial_index


def test_a_jpeg_with_gps_is_re_encoded_without_exif():
    original = jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has GPS
    photo = clean_photo(upload(original))
    lon, lat = photo.gps
    assert lon == pytest.approx(LON, abs=1e-6) and lat == pytest.approx(LAT, abs=1e-6)
    cleaned = Image.open(io.BytesIO(photo.jpeg))
    assert cleaned.format == "JPEG" and (cleaned.width, cleaned.height) == (640, 480)
    assert not cleaned.getexif() and b"Exif" not in photo.jpeg and b"Zhang San" not in photo.jpeg
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert max(thumb.size) == 320 and not thumb.getexif()


def test_a_large_photo_is_scaled_down_keeping_its_gps():
    photo = clean_photo(jpeg(size=(5200, 3900)))  # decoded at half scale, then resized
    assert (photo.width, photo.height) == (2560, 1920)
    assert photo.gps == pytest.approx((LON, LAT), abs=1e-6)
    upright = clean_photo(jpeg(size=(3900, 5200)))
    assert (upright.width, upright.height) == (1920, 2560)


def test_southern_and_western_gps_and_none():
    assert clean_photo(jpeg(lon=-70.5, lat=-33.25)).gps == pytest.approx((-70.5, -33.25))
    assert clean_photo(jpeg(lon=None, lat=None)).gps is None


@pytest.mark.parametrize("name", list(FAKES))
def test_fakes_are_refused(name):
    with pytest.raises(DomainError) as refused:
        clean_photo(upload(FAKES[name]), field="photos")
    problem = refused.value.problems[0]
    assert refused.value.status == 422 and problem.field == "photos"
    assert problem.code in {"not_image", "empty"}


def test_a_decompression_bomb_is_refused():
    with pytest.raises(DomainError) as refused:
        clean_photo(upload(bomb(), "bomb.png"))
    assert refused.value.status == 422 and refused.value.problems[0].code == "too_large"


@pytest.mark.django_db
def test_attached_photos_are_stored_clean_with_a_thumbnail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    event = report(world)
    attachment = attach_photo(event, clean_photo(jpeg()), by_id=world.worker.pk)
    stored = attachment.file.read()
    assert stored.startswith(b"\xff\xd8") and b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert attachment.thumbnail and attachment.thumbnail.size < attachment.file.size
    assert attachment.file.name.startswith("events/") and event.code in attachment.file.name


# -- the staff pages use the same pipeline ------------------------------------------------
@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_INDEX_CHECK_SECONDS = 0  # a new tree each test: no stale index
    spatial_index.invalidate()
    yield make_world()
    spatial_index.invalidate()


@pytest.mark.django_db
def test_a_grid_report_takes_the_photo_gps_and_shows_its_thumbnail(world, client):
    client.force_login(world.worker)
    form = {"title": "井盖缺失", "category": "0102", "client_key": "gps-1"}
    response = client.post("/m/report/", {**form, "photo": upload(jpeg())})
    assert response.status_code == 302
    event = Event.objects.get(client_key="gps-1")
    assert (event.lon, event.lat) == pytest.approx((LON, LAT))
    assert event.area_id == world.micro.pk
    attachment = event.attachments.get()
    assert b"Exif" not in attachment.file.read()

    page = client.get(f"/events/{event.code}/").content.decode()
    thumb_url = f"/events/{event.code}/photos/{attachment.pk}/?size=thumb"
    assert thumb_url in page
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == 320
    full = client.get(f"/events/{event.code}/photos/{attachment.pk}/")
    assert max(Image.open(io.BytesIO(b"".join(full.streaming_content))).size) == 640

    client.force_login(world.other_worker)  # thumbnails are scoped like the photos
    assert client.get(thumb_url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["text renamed .jpg", "truncated JPEG"])
def test_the_report_form_refuses_fakes(world, client, name):
    client.force_login(world.worker)
    form = {"title": "x", "category": "0102", "area": world.micro.code, "client_key": "fake"}
    response = client.post("/m/report/", {**form, "photo": upload(FAKES[name])})
    assert response.status_code == 400
    assert re.search(r"不是图片|not an image", response.content.decode())
    assert not Attachment.objects.exists() and not Event.objects.filter(client_key="fake")
