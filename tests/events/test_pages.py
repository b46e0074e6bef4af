"""The event loop's pages through the test client: queues, the event page and its action
forms, work orders, the grid worker's mobile pages, the inbox — each scoped to its user."""

import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import (
    Attachment,
    Category,
    Event,
    Notification,
    OrderStatus,
    RoutingRule,
    Status,
)
from wangge.web import queue_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def get(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def offered(page: str) -> list[str]:
    """The action forms on an event page."""
    return re.findall(r'<form method="post" action="[^"]+" class="action action-([a-z_]+)', page)


def act(client, user, event: Event, action: str, **data):
    client.force_login(user)
    data.setdefault("expected_version", Event.objects.get(pk=event.pk).version)
    return client.post(f"/events/{event.code}/act/{action}/", data)


def status_of(event: Event) -> str:
    return Event.objects.get(pk=event.pk).status


def test_pages_need_a_login(client):
    for url in ("/events/", "/events/XC-1/", "/orders/", "/m/", "/m/report/", "/inbox/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_queues_count_filter_and_page(world, client, monkeypatch):
    waste = report(world, "0102", title="路边暴露垃圾")
    stall = report(world, "0503", title="占道经营")
    wf.event_accept(event=waste, actor=world.operator)

    page = get(client, world.operator, "/events/")  # 待受理 by default
    assert stall.code in page and waste.code not in page
    assert re.search(r'data-tab="reported" class="active"[^>]*>[^<]*<span class="count">1<', page)
    assert re.search(r'data-tab="accepted"[^>]*>[^<]*<span class="count">1<', page)
    assert re.search(r'data-tab="all"[^>]*>[^<]*<span class="count">2<', page)
    assert 'class="figures"' in page and "100.0%" not in page  # nothing closed yet: "—"

    page = get(client, world.operator, "/events/?tab=accepted")
    assert waste.code in page and stall.code not in page
    page = get(client, world.operator, "/events/?tab=all&q=占道")
    assert stall.code in page and waste.code not in page
    page = get(client, world.operator, "/events/?tab=all&category=01")  # a 大类 takes its 小类
    assert waste.code in page and stall.code not in page
    assert "events/" + waste.code not in get(client, world.operator, "/events/?channel=hotline")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = get(client, world.operator, f"/events/?tab=all&date_from={tomorrow}")
    assert waste.code not in page and stall.code not in page
    page = get(client, world.operator, "/events/?date_from=not-a-date&tab=nonsense")
    assert 'class="errors"' in page and stall.code in page  # the default queue, unfiltered

    monkeypatch.setattr(queue_views, "PAGE_SIZE", 1)
    first = get(client, world.operator, "/events/?tab=all")
    second = get(client, world.operator, "/events/?tab=all&page=2")
    assert 'class="pager"' in first and "page=2" in first
    assert {waste.code in first, waste.code in second} == {True, False}


def test_another_grid_sees_nothing(world, client):
    e = report(world)
    Attachment.objects.create(event=e, file=png(), uploaded_by=world.worker)
    photo = e.attachments.get()
    outsider = world.other_worker
    get(client, outsider, f"/events/{e.code}/", status=404)
    get(client, outsider, f"/events/{e.code}/photos/{photo.pk}/", status=404)
    assert e.code not in get(client, outsider, "/events/?tab=all")
    assert e.code not in get(client, outsider, "/m/?show=all")
    assert e.code not in get(client, outsider, "/orders/")
    response = act(client, outsider, e, "reject", reason="不是我的")
    assert response.status_code == 404 and status_of(e) == Status.REPORTED
    # … while the worker of the grid sees it, with its photo.
    assert e.code in get(client, world.worker, "/m/")
    client.force_login(world.worker)
    response = client.get(f"/events/{e.code}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == tiny_png()


def test_the_event_page_offers_exactly_the_allowed_actions(world, client):
    e = report(world)
    page = get(client, world.operator, f"/events/{e.code}/")
    assert offered(page) == wf.allowed_actions(world.operator, e)
    assert set(offered(page)) == {"accept", "reject", "merge", "escalate", "supervise"}
    assert f"/events/{e.code}/area.geojson" in page
    assert 'data-status="reported"' in page and f'value="{e.version}"' in page
    # The worker reported it, a category the grid may settle: 上报并自行处置 is offered.
    assert offered(get(client, world.worker, f"/events/{e.code}/")) == [
        "settle_on_spot",
        "escalate",
    ]
    assert offered(get(client, world.city_handler, "/m/")) == []  # no event of theirs


def test_the_loop_through_the_action_forms(world, client):
    RoutingRule.objects.create(
        category=Category.objects.get(code="0102"),
        area=world.areas["330103"],
        department=world.city,
    )
    e = report(world)
    response = act(client, world.operator, e, "accept")
    assert response.status_code == 302 and response["Location"] == f"/events/{e.code}/"
    assert status_of(e) == Status.ACCEPTED

    page = get(client, world.operator, f"/events/{e.code}/")
    assert "dispatch" in offered(page)
    assert re.search(r'<option value="cg" selected>', page)  # the routing suggestion
    response = act(client, world.operator, e, "dispatch", lead="cg", assists=["sj"])
    assert response.status_code == 302 and status_of(e) == Status.DISPATCHED
    assert sorted(e.orders.values_list("department__code", "role")) == [
        ("cg", "lead"),
        ("sj", "assist"),
    ]

    orders = get(client, world.city_handler, "/orders/")
    assert e.code in orders and f'href="/events/{e.code}/"' in orders
    page = get(client, world.city_handler, f"/events/{e.code}/")
    assert set(offered(page)) == {"sign", "return", "request_extension"}
    assert act(client, world.city_handler, e, "sign").status_code == 302
    assert act(client, world.market_handler, e, "sign").status_code == 302
    assert status_of(e) == Status.HANDLING
    page = get(client, world.city_handler, f"/events/{e.code}/")
    assert set(offered(page)) == {"feedback", "return", "request_extension"}  # signed already
    response = act(client, world.city_handler, e, "feedback", note="已清运", photo=png())
    assert response.status_code == 302 and status_of(e) == Status.HANDLING  # the assist is due
    assert offered(get(client, world.city_handler, f"/events/{e.code}/")) == []
    assert e.attachments.get().kind == Attachment.Kind.AFTER
    act(client, world.market_handler, e, "feedback", note="已约谈商户")
    assert status_of(e) == Status.HANDLED
    assert e.code in get(client, world.worker, "/m/?show=verify")

    assert act(client, world.worker, e, "verify", passed="1").status_code == 302
    assert status_of(e) == Status.VERIFIED
    assert act(client, world.operator, e, "close").status_code == 302
    assert status_of(e) == Status.CLOSED
    page = get(client, world.operator, "/events/?tab=callback")
    assert e.code in page
    assert act(client, world.operator, e, "callback", satisfaction="satisfied").status_code == 302
    page = get(client, world.operator, f"/events/{e.code}/")
    assert 'data-status="closed"' in page and "callback" not in offered(page)
    actions = re.findall(r'<li data-action="([a-z_]+)"', page)
    assert actions[0] == "report" and actions[-1] == "callback" and len(actions) == 10


def test_a_stale_page_is_told_the_event_moved_on(world, client):
    e = report(world)
    seen = e.version
    wf.event_accept(event=e, actor=world.street_operator)
    response = act(client, world.operator, e, "reject", reason="重复", expected_version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-code="moved_on"' in page and e.code in page
    assert 'data-status="accepted"' in page  # the page as it is now
    assert status_of(e) == Status.ACCEPTED


def test_bad_input_renders_the_page_again_with_the_error(world, client):
    e = report(world)
    response = act(client, world.operator, e, "reject", reason="  ")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="errors"' in page and "action action-reject failed" in page
    assert status_of(e) == Status.REPORTED

    wf.event_accept(event=e, actor=world.operator)
    response = act(client, world.operator, e, "dispatch", lead="cg", assists=["cg"])
    assert response.status_code == 400  # the workflow's "a department appears twice"
    page = response.content.decode()
    assert 'data-code="invalid"' in page and 'value="cg" checked' in page
    response = act(client, world.operator, e, "dispatch", lead="nope")
    assert response.status_code == 400 and 'class="errors"' in response.content.decode()
    response = act(client, world.worker, e, "dispatch", lead="cg")
    assert response.status_code == 403 and 'data-code="forbidden"' in response.content.decode()
    response = act(client, world.operator, e, "merge", into="XC-00000000-99999")
    assert response.status_code == 400 and 'data-code="not_found"' in response.content.decode()
    assert act(client, world.operator, e, "fly").status_code == 404
    client.force_login(world.operator)
    assert client.get(f"/events/{e.code}/act/accept/").status_code == 405
    assert status_of(e) == Status.ACCEPTED


def test_more_time_asked_and_granted(world, client):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    e = wf.event_sign(event=e, actor=world.city_handler)
    order = e.orders.get()
    assert "decide_extension" not in offered(get(client, world.operator, f"/events/{e.code}/"))
    until = timezone.localtime(order.handle_deadline + timedelta(days=3)).replace(second=0)
    response = act(
        client,
        world.city_handler,
        e,
        "request_extension",
        until=until.strftime("%Y-%m-%dT%H:%M"),
        reason="需协调",
    )
    assert response.status_code == 302
    page = get(client, world.operator, f"/events/{e.code}/")
    assert "decide_extension" in offered(page) and "需协调" in page
    response = act(client, world.operator, e, "decide_extension", order=order.pk, approve="1")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.handle_deadline == until and order.extension_requested_until is None


def test_report_on_the_phone(world, client):
    page = get(client, world.worker, "/m/report/")
    assert 'name="client_key"' in page and 'value="330103001001001001"' in page
    assert 'value="330103002' not in page  # only the worker's own grid
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    form = {
        "title": "井盖缺失",
        "category": "0102",
        "description": "人行道井盖缺失",
        "area": world.micro.code,
        "client_key": key,
    }
    response = client.post("/m/report/", {**form, "photo": png()})
    e = Event.objects.get(client_key=key)
    assert response.status_code == 302 and response["Location"] == f"/events/{e.code}/"
    assert (e.channel, e.area_id, e.reporter_id) == ("grid_app", world.micro.pk, world.worker.pk)
    assert e.attachments.get().kind == Attachment.Kind.BEFORE
    again = client.post("/m/report/", {**form, "photo": png()})  # a double submit
    assert again["Location"] == f"/events/{e.code}/"
    assert Event.objects.count() == 1 and Attachment.objects.count() == 1

    # The browser's location instead of a picked micro-grid.
    response = client.post(
        "/m/report/", {**form, "area": "", "lon": "120.1024", "lat": "30.2024", "client_key": "k2"}
    )
    assert response.status_code == 302
    assert Event.objects.get(client_key="k2").area.code == world.micro.code

    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post("/m/report/", {**form, "client_key": "k3", "photo": fake})
    assert response.status_code == 400 and 'class="errors"' in response.content.decode()
    response = client.post("/m/report/", {**form, "area": "", "client_key": "k4"})
    assert response.status_code == 400 and 'data-code="required"' in response.content.decode()
    response = client.post("/m/report/", {**form, "area": "330103002001001001", "client_key": "k5"})
    assert response.status_code == 400  # not one of the worker's areas
    assert not Event.objects.filter(client_key__in=["k3", "k4", "k5"]).exists()
    assert "井盖缺失" in response.content.decode()  # the form keeps what was typed


def test_self_handling_on_the_phone(world, client):
    e = wf.event_accept(event=report(world, "0102"), actor=world.operator)
    page = get(client, world.worker, f"/events/{e.code}/")
    assert "self_handle" in offered(page)
    act(client, world.worker, e, "self_handle")
    big = wf.event_accept(event=report(world, "0101"), actor=world.operator)  # 私搭乱建
    assert "self_handle" not in offered(get(client, world.worker, f"/events/{big.code}/"))
    assert "feedback" in offered(get(client, world.worker, f"/events/{e.code}/"))
    act(client, world.worker, e, "feedback", note="现场清理完毕")
    assert status_of(e) == Status.HANDLED
    response = act(client, world.worker, e, "verify", passed="0", comment="")
    assert response.status_code == 400 and status_of(e) == Status.HANDLED
    act(client, world.worker, e, "verify", passed="0", comment="仍有垃圾")
    assert status_of(e) == Status.HANDLING


def test_orders_list_only_my_departments(world, client):
    e = wf.event_accept(event=report(world), actor=world.operator)
    wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    assert e.code in get(client, world.city_handler, "/orders/")
    assert e.code not in get(client, world.market_handler, "/orders/")
    assert e.code not in get(client, world.city_handler, "/orders/?show=fed_back")
    wf.event_return(event=e, actor=world.city_handler, reason="不属于城管职责")
    assert e.code not in get(client, world.city_handler, "/orders/")
    page = get(client, world.city_handler, "/orders/?show=returned")
    assert e.code in page and f'data-status="{OrderStatus.RETURNED}"' in page


def test_inbox_and_unread_count(world, client):
    e = wf.event_accept(event=report(world), actor=world.operator)
    wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    note = Notification.objects.get(user=world.city_handler)
    page = get(client, world.city_handler, "/inbox/")
    assert note.text in page and 'class="note unread"' in page
    assert 'hx-get="/inbox/count/"' in page  # the nav asks for the count
    assert '<span class="badge"' in get(client, world.city_handler, "/inbox/count/")
    assert ">1<" in get(client, world.city_handler, "/inbox/count/")
    assert note.text not in get(client, world.market_handler, "/inbox/")
    client.force_login(world.market_handler)
    client.post(f"/inbox/{note.pk}/read/")  # not theirs: nothing happens
    note.refresh_from_db()
    assert note.read_at is None

    client.force_login(world.city_handler)
    response = client.post(f"/inbox/{note.pk}/read/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "inbox-changed"
    assert "unread" not in response.content.decode()
    assert "badge" not in get(client, world.city_handler, "/inbox/count/")
    wf.event_supervise(event=e, actor=world.operator, until=timezone.now() + timedelta(days=1))
    assert ">1<" in get(client, world.city_handler, "/inbox/count/")
    response = client.post("/inbox/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.city_handler, read_at__isnull=True).exists()
