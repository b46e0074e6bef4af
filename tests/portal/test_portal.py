"""The resident portal over HTTP: a report with photos and a place, its tracking code and
private follow link, the public status page, rating after closure, and abuse protection."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.events.factories import make_world, report
from tests.images import FAKES, LAT, LON, bomb, jpeg, upload
from tests.ratelimits import WINDOW_START
from wangge.events import workflow as wf
from wangge.events.models import Attachment, Category, Event, Satisfaction, Status
from wangge.events.photos import attach_photo, clean_photo
from wangge.portal import services, views
from wangge.portal.models import Attempt, Follow
from wangge.regions import spatial_index

pytestmark = pytest.mark.django_db

PIN = ("120.1031", "30.2031")  # in micro-grid 330103001001001001, away from the photo's GPS
FOLLOW = re.compile(r"^/r/follow/([^/]+)/([^/]+)/\?new=1$")


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test builds its tree anew (new ids on PostgreSQL): no index or outline of another.
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    monkeypatch.setattr(views, "_outline", None)
    yield make_world()
    spatial_index.invalidate()


def send(client, ip: str = "10.0.0.1", **fields):
    data = {"text": "东门外垃圾堆了三天\n味道很大", "lon": PIN[0], "lat": PIN[1], **fields}
    return client.post("/r/", data, REMOTE_ADDR=ip)


def reported(response) -> tuple[Event, str]:
    assert response.status_code == 302, response.content.decode()[:2000]
    code, token = FOLLOW.match(response["Location"]).groups()
    return Event.objects.get(code=code), token


def errors(response) -> dict[str, list[str]]:
    """The refusal's messages by the field they name."""
    found: dict[str, list[str]] = {}
    page = response.content.decode()
    for field, message in re.findall(r'<li data-field="([^"]*)" data-code="[^"]*">([^<]*)<', page):
        found.setdefault(field, []).append(message)
    return found


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_form_needs_no_account(world, client):
    page = client.get("/r/").content.decode()
    assert 'name="text"' in page and 'name="photos"' in page and "multiple" in page
    assert 'name="website"' in page and 'class="hp"' in page  # the honeypot, off screen
    assert "市容环境" in page and "民生服务" in page and "私搭乱建" not in page  # top level only
    assert 'lang="zh-hans"' in page and "我要反映" in page and "提交反映" in page


def test_a_report_with_photos_a_pin_and_contact(world, client, settings):
    photos = [upload(jpeg(), "a.jpg"), upload(jpeg(colour=(20, 90, 200)), "b.jpg")]
    response = send(
        client,
        category="01",
        address="朝晖路12号东门",
        name="李四",
        phone="138-0000-1234",
        photos=photos,
    )
    event, token = reported(response)
    assert (event.channel, event.reporter_id, event.status) == ("resident", None, Status.REPORTED)
    assert event.category.code == "01" and event.title == "东门外垃圾堆了三天"
    assert event.description == "东门外垃圾堆了三天\n味道很大"
    assert (event.reporter_name, event.reporter_phone) == ("李四", "13800001234")
    assert (event.lon, event.lat) == (float(PIN[0]), float(PIN[1]))  # the pin wins over GPS
    assert event.address == "朝晖路12号东门" and event.area_id == world.micro.pk
    stored = list(event.attachments.all())
    assert len(stored) == 2 and all(a.kind == Attachment.Kind.BEFORE for a in stored)
    for attachment in stored:
        data = attachment.file.read()
        assert b"Exif" not in data and not Image.open(io.BytesIO(data)).getexif()
        assert attachment.thumbnail
    follow = Follow.objects.get(event=event)
    assert token not in follow.token_hash and len(follow.token_hash) == 64

    page = client.get(response["Location"]).content.decode()
    assert event.code in page and "味道很大" in page and "朝晖路12号东门" in page
    assert f"/r/follow/{event.code}/{token}/" in page  # the link to keep
    thumb = client.get(f"/r/follow/{event.code}/{token}/photos/{stored[0].pk}/?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client.get(f"/r/follow/{event.code}/wrong/photos/{stored[0].pk}/").status_code == 404


def test_no_category_goes_to_the_unsorted_one(world, client, settings):
    event, _token = reported(send(client))
    assert event.category.code == settings.WANGGE_PORTAL_FALLBACK_CATEGORY
    from wangge.intake.models import Channel

    Channel.objects.filter(code="resident").update(default_category=Category.objects.get(code="05"))
    event, _token = reported(send(client, ip="10.0.0.2"))
    assert event.category.code == "05"


def test_the_photo_gps_is_the_location_when_none_is_given(world, client):
    event, _token = reported(send(client, lon="", lat="", photos=[upload(jpeg())]))
    assert (event.lon, event.lat) == pytest.approx((LON, LAT))
    assert event.area_id == world.micro.pk

    response = send(client, lon="", lat="", photos=[upload(jpeg(lon=None, lat=None))])
    assert response.status_code == 422 and "location" in errors(response)
    assert "在地图上" in errors(response)["location"][0]
    response = send(client, lon="121.9", lat="31.9")  # outside the jurisdiction
    assert response.status_code == 422 and "location" in errors(response)
    response = send(client, lon="east", lat="999")
    assert response.status_code == 422 and "location" in errors(response)
    assert Event.objects.count() == 1


def test_bad_input_is_refused_naming_each_field(world, client, settings):
    response = send(client, text=" ", category="99", name="长" * 31, phone="12ab")
    assert response.status_code == 422
    assert set(errors(response)) == {"text", "category", "name", "phone"}
    assert "不超过" in errors(response)["name"][0]
    page = response.content.decode()
    assert "长" * 31 in page  # what was typed stays in the form
    response = send(client, text="字" * (services.TEXT_MAX + 1), address="址" * 201)
    assert set(errors(response)) == {"text", "address"}
    assert not Event.objects.exists() and not Attachment.objects.exists()


# A browser sends an empty part when no photo was chosen: that is no photo, not a fake.
@pytest.mark.parametrize("name", ["text renamed .jpg", "truncated JPEG", "bomb"])
def test_fake_images_are_refused_and_nothing_is_written(world, client, settings, name):
    fake = bomb() if name == "bomb" else FAKES[name]
    response = send(client, photos=[upload(jpeg()), upload(fake, "fake.jpg")])
    assert response.status_code == 422
    assert errors(response)["photos"][0].startswith("第2张照片")
    assert not Event.objects.exists() and not Attachment.objects.exists()
    assert media_files(settings) == []


def test_size_limits(world, client, settings):
    response = send(client, photos=[upload(jpeg(size=(40, 30))) for _ in range(7)])
    assert response.status_code == 422 and "最多 6 张" in errors(response)["photos"][0]
    settings.WANGGE_PORTAL_MAX_PHOTO_MB = 1
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024), "image/jpeg")
    response = send(client, photos=[big])
    assert response.status_code == 422 and "大于 1 MB" in errors(response)["photos"][0]
    # A body larger than every photo allowed is refused before it is read.
    response = client.post(
        "/r/",
        {"text": "x", "lon": PIN[0], "lat": PIN[1]},
        CONTENT_LENGTH=str(8 * 1024 * 1024 * 1024),
    )
    assert response.status_code == 413 and "photos" in errors(response)
    assert not Event.objects.exists()


def test_the_honeypot(world, client):
    response = send(client, website="http://spam.example")
    assert response.status_code == 400 and "website" in errors(response)
    assert not Event.objects.exists()


def test_rate_limits_per_client_and_per_phone(world, client, settings):
    settings.WANGGE_PORTAL_PER_CLIENT = 2
    settings.WANGGE_PORTAL_PER_PHONE = 1
    settings.WANGGE_PORTAL_WINDOW_SECONDS = 600
    assert send(client, ip="10.1.1.1", text="").status_code == 422  # a refused try counts
    reported(send(client, ip="10.1.1.1", phone="13900000001"))
    response = send(client, ip="10.1.1.1")
    assert response.status_code == 429
    assert "10 分钟内最多 2 次" in errors(response)["client"][0]
    reported(send(client, ip="10.1.1.2"))  # another client is not held back
    response = send(client, ip="10.1.1.3", phone="139 0000 0001")  # the same phone, spaced
    assert response.status_code == 429 and "phone" in errors(response)
    assert Event.objects.count() == 2
    # The counts are rows any process sees; they hold no address or phone in clear.
    keys = list(Attempt.objects.values_list("key", flat=True))
    assert keys and not any("10.1.1" in k or "1390000" in k for k in keys)
    # Once the window has passed, the client may report again.
    Attempt.objects.update(at=Attempt.objects.first().at.replace(year=2000))
    reported(send(client, ip="10.1.1.1"))


def test_a_failed_photo_store_leaves_nothing(world, client, settings, monkeypatch):
    calls = []
    real = services.attach_photo

    def flaky(event, photo, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(event, photo, **kw)

    monkeypatch.setattr(services, "attach_photo", flaky)
    with pytest.raises(OSError):
        send(client, photos=[upload(jpeg()), upload(jpeg())])
    assert not Event.objects.exists() and not Attachment.objects.exists()
    assert not Follow.objects.exists() and media_files(settings) == []


# -- following ------------------------------------------------------------------------------
def _round_the_loop(world, event: Event) -> Event:
    wf.event_accept(event=event, actor=world.operator, comment="内部备注：先别派")
    event = wf.event_dispatch(
        event=Event.objects.get(pk=event.pk),
        actor=world.operator,
        lead=world.city,
        comment="请王五负责",
    )
    wf.event_supervise(event=event, actor=world.operator, until=event.deadline, comment="领导关注")
    wf.event_sign(event=Event.objects.get(pk=event.pk), actor=world.city_handler)
    wf.event_feedback(
        event=Event.objects.get(pk=event.pk),
        actor=world.city_handler,
        note="赵六已清运，联系电话13712345678",
    )
    wf.event_verify(event=Event.objects.get(pk=event.pk), actor=world.operator, passed=True)
    return wf.event_close(
        event=Event.objects.get(pk=event.pk), actor=world.operator, comment="垃圾已清运完毕"
    )


def test_the_status_page_shows_public_parts_only(world, client):
    world.operator.first_name, world.city_handler.first_name = "操作员甲", "处置员乙"
    world.operator.save()
    world.city_handler.save()
    event, token = reported(send(client, name="李四", phone="13800001234", address="朝晖路12号"))
    page = client.get(f"/r/status/{event.code}/").content.decode()
    assert "待受理" in page and "已收到" in page
    event = _round_the_loop(world, event)

    page = client.get(f"/r/status/{event.code}/").content.decode()
    assert 'data-status="closed"' in page and "城管" in page and "垃圾已清运完毕" in page
    assert "测试区" in page or world.micro.name in page
    private = [
        "李四",
        "13800001234",
        "朝晖路12号",
        "味道很大",
        "内部备注",
        "王五",
        "领导关注",
        "赵六",
        "13712345678",
        "操作员甲",
        "处置员乙",
        world.operator.username,
        world.city_handler.username,
        token,
        "/r/follow/",
    ]
    for secret in private:
        assert secret not in page, secret
    # Rating from the public page asks for the last four digits of the reporter's phone.
    assert 'name="last4"' in page and "1234" not in page

    # The follow link shows the reporter's own text and offers the rating; staff stay hidden.
    page = client.get(f"/r/follow/{event.code}/{token}/").content.decode()
    assert "味道很大" in page and 'name="satisfaction"' in page
    for secret in ["内部备注", "王五", "赵六", "13712345678", "操作员甲", "处置员乙"]:
        assert secret not in page, secret


def test_a_reason_for_not_taking_up_is_shown(world, client):
    event, _token = reported(send(client))
    wf.event_reject(event=event, actor=world.operator, reason="不属于本平台受理范围")
    page = client.get(f"/r/status/{event.code}/").content.decode()
    assert "不予立案" in page and "不属于本平台受理范围" in page


def test_a_merged_report_follows_its_parent(world, client):
    parent = report(world, title="垃圾")  # a grid worker's report of the same problem
    event, token = reported(send(client))
    wf.event_merge(event=event, actor=world.operator, into=parent)
    wf.event_accept(event=Event.objects.get(pk=parent.pk), actor=world.operator)
    for url in (f"/r/status/{event.code}/", f"/r/follow/{event.code}/{token}/"):
        page = client.get(url).content.decode()
        assert 'id="merged"' in page and parent.code in page
        assert 'data-status="accepted"' in page  # the parent's progress
        assert "路边暴露垃圾" not in page and "垃圾" not in page.split('id="steps"')[1]
    # The parent's code is no way in on its own: it was not a resident's report.
    assert client.get(f"/r/status/{parent.code}/").status_code == 404


def test_looking_up_a_code(world, client):
    event, _token = reported(send(client))
    response = client.get("/r/status/", {"code": f" {event.code.lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/r/status/{event.code}/"
    response = client.get("/r/status/", {"code": "XC-19990101-00001"})
    assert response.status_code == 404 and "XC-19990101-00001" in errors(response)["code"][0]
    staff = report(world)
    assert client.get("/r/status/", {"code": staff.code}).status_code == 404
    assert client.get(f"/r/status/{staff.code}/").status_code == 404


def test_rating_only_after_closure_and_only_with_the_token(world, client):
    event, token = reported(send(client))
    follow_url = f"/r/follow/{event.code}/{token}/"
    page = client.get(follow_url).content.decode()
    assert 'name="satisfaction"' not in page and 'id="rate-later"' in page
    response = client.post(follow_url, {"satisfaction": "satisfied"})
    assert response.status_code == 409 and "satisfaction" in errors(response)
    assert Event.objects.get(pk=event.pk).satisfaction == ""

    event = _round_the_loop(world, event)
    for wrong in ("x" * len(token), token[:-1], ""):
        url = f"/r/follow/{event.code}/{wrong}/" if wrong else f"/r/follow/{event.code}//"
        assert client.post(url, {"satisfaction": "satisfied"}).status_code == 404
    _other, other_token = reported(send(client, ip="10.0.0.9"))
    assert (
        client.post(
            f"/r/follow/{event.code}/{other_token}/", {"satisfaction": "satisfied"}
        ).status_code
        == 404
    )  # another report's token
    response = client.post(follow_url, {"satisfaction": "thrilled"})
    assert response.status_code == 422 and "satisfaction" in errors(response)
    assert Event.objects.get(pk=event.pk).satisfaction == ""

    response = client.post(follow_url, {"satisfaction": "unsatisfied", "comment": "又堆起来了"})
    assert response.status_code == 302
    event = Event.objects.get(pk=event.pk)
    assert event.satisfaction == Satisfaction.UNSATISFIED and event.status == Status.CLOSED
    entry = event.timeline.get(action="callback")
    assert entry.actor is None and entry.comment == "又堆起来了"
    assert "reopen" in wf.allowed_actions(world.operator, event)  # the centre sees it
    page = client.get(follow_url).content.decode()
    assert 'id="rated"' in page and "不满意" in page and 'name="satisfaction"' not in page
    response = client.post(follow_url, {"satisfaction": "satisfied"})
    assert response.status_code == 409
    assert Event.objects.get(pk=event.pk).satisfaction == Satisfaction.UNSATISFIED
    # The public page shows that it was rated, never the comment.
    page = client.get(f"/r/status/{event.code}/").content.decode()
    assert "不满意" in page and "又堆起来了" not in page


def test_the_outline_for_the_pin_map(world, client):
    response = client.get("/r/outline.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    levels = sorted(f["properties"]["level"] for f in response.json()["features"])
    assert levels == [1, 2, 2, 2, 2]


def test_code_lookups_and_follow_links_are_rate_limited_per_address(world, client, settings, clock):
    clock(WINDOW_START)  # limits count in fixed windows: all the requests fall in one
    settings.WANGGE_RATE_PORTAL_LOOKUP = "3/300"
    settings.WANGGE_RATE_PORTAL_FOLLOW = "2/300"
    event, token = reported(send(client))
    assert client.get("/r/status/").status_code == 200  # the empty form: not counted
    assert client.get("/r/status/", {"code": "XC-19990101-00001"}).status_code == 404
    assert client.get("/r/status/", {"code": "XC-19990101-00002"}).status_code == 404
    assert client.get(f"/r/status/{event.code}/").status_code == 200
    response = client.get("/r/status/", {"code": event.code})
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 300
    assert client.get(f"/r/status/{event.code}/").status_code == 429
    assert client.get(f"/r/status/{event.code}/", REMOTE_ADDR="10.8.8.8").status_code == 200

    follow_url = f"/r/follow/{event.code}/{token}/"
    assert client.get(follow_url).status_code == 200
    assert client.get(follow_url.replace(token, "guess")).status_code == 404
    assert client.get(follow_url).status_code == 429


def test_rating_with_the_code_and_the_last_four_digits(world, client):
    event, _token = reported(send(client, phone="13800001234"))
    url = f"/r/status/{event.code}/"
    assert 'name="last4"' not in client.get(url).content.decode()  # not closed yet
    event = _round_the_loop(world, event)
    assert 'name="last4"' in client.get(url).content.decode()
    response = client.post(url, {"last4": "9999", "satisfaction": "satisfied"})
    assert response.status_code == 403 and "last4" in errors(response)
    response = client.post(url, {"last4": "12a4", "satisfaction": "satisfied"})
    assert response.status_code == 422 and "last4" in errors(response)
    response = client.post(url, {"last4": "1234", "satisfaction": "thrilled"})
    assert response.status_code == 422 and "satisfaction" in errors(response)
    assert Event.objects.get(pk=event.pk).satisfaction == ""
    response = client.post(url, {"last4": "1234", "satisfaction": "satisfied", "comment": "很快"})
    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).satisfaction == Satisfaction.SATISFIED
    page = client.get(url).content.decode()
    assert 'name="last4"' not in page and 'id="rated"' in page
    response = client.post(url, {"last4": "1234", "satisfaction": "unsatisfied"})
    assert response.status_code == 409
    # A report without a phone is rated through its follow link only.
    other, _ = reported(send(client, ip="10.0.0.2"))
    _round_the_loop(world, other)
    assert 'name="last4"' not in client.get(f"/r/status/{other.code}/").content.decode()


def test_the_departments_after_photo_is_on_the_public_page(world, client):
    event, _token = reported(send(client))
    event = wf.event_accept(event=event, actor=world.operator)
    event = wf.event_dispatch(event=event, actor=world.operator, lead=world.city)
    event = wf.event_sign(event=event, actor=world.city_handler)
    after = attach_photo(
        event, clean_photo(upload(jpeg())), Attachment.Kind.AFTER, world.city_handler.pk
    )
    page = client.get(f"/r/status/{event.code}/").content.decode()
    assert 'id="after-photos"' in page and f"/r/status/{event.code}/after/{after.pk}/" in page
    response = client.get(f"/r/status/{event.code}/after/{after.pk}/?size=thumb")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    # Only after-photos are public: the reporter's own are behind the follow link.
    before = event.attachments.filter(kind=Attachment.Kind.BEFORE).first()
    if before is not None:
        assert client.get(f"/r/status/{event.code}/after/{before.pk}/").status_code == 404
