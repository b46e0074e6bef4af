"""The command centre's seat: channel names, search from any tab, columns and sort, the
xlsx export, bulk accept / dispatch, live counts, correction at acceptance, a department
handler's landing and map."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import Event, Priority, Status
from wangge.web.queue_export import EXPORT_COLUMNS
from wangge.web.queue_views import time_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def get(client, user, url: str, status: int = 200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def cells(html: str, cls: str) -> list[str]:
    return [c.strip() for c in re.findall(rf'<td class="{cls}[^"]*">(.*?)</td>', html, re.S)]


def test_the_channel_is_named_in_the_queue_and_on_the_event_page(world, client):
    e = report(world)
    html = get(client, world.operator, "/events/").content.decode()
    assert cells(html, "channel") == ["网格员上报"]  # never blank, never a code
    page = get(client, world.operator, f"/events/{e.code}/").content.decode()
    channel = re.search(r'<dd class="channel">(.*?)</dd>', page)
    assert channel and channel.group(1).strip() == "网格员上报"


def test_search_finds_by_code_order_number_or_phone_from_any_tab(world, client):
    hotline = report(
        world, channel="hotline", source_ref="GD-2026-0001", reporter_phone="13800000001"
    )
    other = report(world, reporter_phone="13800000001")
    wf.event_accept(event=other, actor=world.operator)
    client.force_login(world.operator)
    # One event named: straight to it, whatever tab the seat is on.
    for text in ("GD-2026-0001", hotline.code, hotline.code.lower()):
        response = client.get("/events/", {"tab": "verified", "q": text})
        assert response.status_code == 302 and response["Location"] == f"/events/{hotline.code}/"
    # Two share a phone: both listed, across tabs.
    response = client.get("/events/", {"tab": "verified", "q": "13800000001"})
    assert response.status_code == 200
    assert set(rows(response.content.decode())) == {hotline.code, other.code}


def test_columns_sort_and_time_left(world, client):
    normal = report(world, title="一般件")
    critical = report(world, title="特急件", priority=Priority.CRITICAL)
    urgent = report(world, title="紧急件", priority=Priority.URGENT)
    html = get(client, world.operator, "/events/?sort=priority").content.decode()
    assert rows(html) == [critical.code, urgent.code, normal.code]
    assert "特急" in html and "紧急" in html
    html = get(client, world.operator, "/events/?sort=-priority").content.decode()
    assert rows(html) == [normal.code, urgent.code, critical.code]
    assert "sort=-priority" in html  # a second click on the header reverses
    hotline = report(world, title="热线件", channel="hotline")
    assert rows(get(client, world.operator, "/events/?sort=channel").content.decode())[-1] == (
        hotline.code  # grid_app before hotline
    )
    assert rows(get(client, world.operator, "/events/?sort=-channel").content.decode())[0] == (
        hotline.code
    )

    e = wf.event_accept(event=normal, actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    html = get(client, world.operator, "/events/?tab=handling").content.decode()
    assert cells(html, "holding") == ["城管、市场监管"]
    now = timezone.now()
    assert time_left(now + timedelta(days=1, hours=2, minutes=5), now) == "1天2小时"
    assert time_left(now + timedelta(minutes=45, seconds=10), now) == "45分钟"
    assert time_left(now - timedelta(hours=3, minutes=1), now) == "超期 3小时1分钟"


def test_the_queue_reads_a_constant_number_of_queries(world, client):
    def count() -> int:
        client.force_login(world.operator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events/?tab=handling").status_code == 200
        return len(queries)

    e = wf.event_accept(event=report(world), actor=world.operator)
    wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    few = count()
    for _ in range(4):
        e = wf.event_accept(event=report(world), actor=world.operator)
        wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    assert count() == few


def test_export_the_filtered_list_to_xlsx(world, client, django_capture_on_commit_callbacks):
    """The queue's 导出 prepares the filtered list in the background (我的下载), then the
    operator fetches it: the same rows as the list, in Chinese."""
    import openpyxl

    waste = report(world, title="路边暴露垃圾")
    report(world, "0503", title="占道经营")
    page = get(client, world.operator, "/events/?tab=reported&category=01").content.decode()
    assert 'name="query" value="tab=reported&amp;category=01"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/downloads/new/", {"kind": "events", "query": "tab=reported&category=01"}
        )
    assert response.status_code == 302 and response["Location"] == "/downloads/"
    listed = get(client, world.operator, "/downloads/").content.decode()
    link = re.search(r'href="(/downloads/\d+/file/)"', listed)
    assert link, listed
    response = client.get(link.group(1))
    assert response["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    with translation.override("zh-hans"):
        assert table[0] == [str(c) for c in EXPORT_COLUMNS]
    assert table[0][:2] == ["受理编号", "标题"]
    assert [r[0] for r in table[1:]] == [waste.code]
    assert table[1][4] == "网格员上报"


def test_bulk_accept_and_dispatch(world, client):
    a, b = report(world), report(world)
    done = wf.event_accept(event=report(world), actor=world.operator)  # refused: not reported
    client.force_login(world.operator)
    response = client.post(
        "/events/bulk/",
        {"action": "accept", "codes": [a.code, b.code, done.code], "back": "/events/"},
    )
    assert response.status_code == 302
    assert {Event.objects.get(pk=x.pk).status for x in (a, b)} == {Status.ACCEPTED}
    page = client.get("/events/?tab=accepted").content.decode()
    assert done.code in page  # its refusal is named on the page
    response = client.post(
        "/events/bulk/",
        {"action": "dispatch", "lead": world.city.code, "codes": [a.code, b.code]},
    )
    assert {Event.objects.get(pk=x.pk).status for x in (a, b)} == {Status.DISPATCHED}
    # Someone outside the street moves nothing.
    c = report(world)
    client.force_login(world.other_worker)
    client.post("/events/bulk/", {"action": "accept", "codes": [c.code]})
    assert Event.objects.get(pk=c.pk).status == Status.REPORTED


def test_counts_refresh_and_a_new_report_is_announced(world, client):
    html = get(client, world.operator, "/events/").content.decode()
    assert 'id="new-report-alert"' in html and "queue.js" in html
    first = get(client, world.operator, "/events/counts/").json()
    assert first["counts"]["reported"] == 0 and first["newest"] == 0
    e = report(world)
    later = get(client, world.operator, "/events/counts/").json()
    assert later["counts"]["reported"] == 1 and later["newest"] == e.pk
    assert get(client, world.other_worker, "/events/counts/").json()["newest"] == 0


def test_acceptance_corrects_the_report_and_the_timeline_records_it(world, client):
    e = report(world, title="垃圾", channel="resident")
    client.force_login(world.operator)
    response = client.post(
        f"/events/{e.code}/act/accept/",
        {
            "expected_version": e.version,
            "title": "东门外暴露垃圾",
            "category": "0503",
            "priority": "urgent",
            "address": "文晖路12号",
        },
    )
    assert response.status_code == 302
    e = Event.objects.get(pk=e.pk)
    assert (e.title, e.category.code, e.priority, e.address) == (
        "东门外暴露垃圾",
        "0503",
        "urgent",
        "文晖路12号",
    )
    corrected = e.timeline.get(action="accept").data["corrected"]
    assert corrected["title"] == {"from": "垃圾", "to": "东门外暴露垃圾"}
    assert set(corrected) == {"title", "category", "priority", "address"}
    page = client.get(f"/events/{e.code}/").content.decode()
    entry = re.search(r'<li data-action="accept">.*?</li>', page, re.S)
    assert entry and "垃圾 → 东门外暴露垃圾" in entry.group(0) and "紧急" in entry.group(0)
    # Nothing changed: nothing recorded.
    f = report(world)
    f = wf.event_accept(event=f, actor=world.operator, title=f.title, category=f.category)
    assert "corrected" not in f.timeline.get(action="accept").data


def test_a_department_handler_lands_on_their_orders_and_sees_the_event_map(world, client):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    client.force_login(world.city_handler)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/orders/"
    outline = get(client, world.city_handler, f"/events/{e.code}/area.geojson").json()
    assert [f["properties"]["code"] for f in outline["features"]] == [e.area.code]
    get(client, world.market_handler, f"/events/{e.code}/area.geojson", status=404)
    assert get(client, world.operator, "/").status_code == 200  # the map, for a post holder
