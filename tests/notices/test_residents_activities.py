from datetime import date

import pytest
from django.test import Client

from tests.notices.world import World, build
from wangge.errors import DomainError
from wangge.notices import activities, services
from wangge.notices.models import Notice, Receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> World:
    return build()


def test_resident_notice_on_the_public_board_and_printable(w):
    notice = services.notice_send(
        sender=w.street_op,
        title="明天入户登记流动人员，请在家",
        body="网格员明天上午入户。",
        audience=Notice.Audience.RESIDENTS,
        areas=[w.grid],
    )
    assert not Receipt.objects.exists()
    c = Client()
    # the micro-grid below and the community above both show it; another grid does not
    for area in (w.micro, w.community, w.grid):
        page = c.get(f"/notices/board/{area.code}/")
        assert page.status_code == 200 and notice.title in page.content.decode()
    assert notice.title not in c.get(f"/notices/board/{w.other_grid.code}/").content.decode()
    assert c.get(f"/notices/board/{w.other_grid.code}/{notice.pk}/").status_code == 404
    printed = c.get(f"/notices/board/{w.micro.code}/{notice.pk}/print/")
    assert printed.status_code == 200 and "<svg" in printed.content.decode()
    api = c.get(f"/api/notices/public/{w.micro.code}")
    assert [n["title"] for n in api.json()["items"]] == [notice.title]
    assert c.get("/notices/board/?code=" + w.micro.code).status_code == 302
    # found by the phone's position: the micro-grid there
    lon, lat = w.micro.centroid_lon, w.micro.centroid_lat
    found = c.get(f"/notices/board/?lon={lon}&lat={lat}")
    assert found.status_code == 302 and found["Location"] == f"/notices/board/{w.micro.code}/"
    assert "辖区" in c.get("/notices/board/?lon=10&lat=10").content.decode()
    services.notice_recall(notice=notice, actor=w.street_op)
    assert c.get(f"/api/notices/public/{w.micro.code}").json()["items"] == []


def test_activities_and_figures(w):
    activities.install_kinds()
    for area, reached in ((w.micro, 30), (w.grid, 20), (w.other_grid, 5)):
        activities.activity_record(
            actor=w.secretary,
            kind_code="xuanjiang",
            title="政策宣讲",
            held_on=date(2026, 3, 5),
            area=area,
            people_reached=reached,
        )
    with pytest.raises(DomainError) as err:
        activities.activity_record(
            actor=w.outsider,
            kind_code="xuanjiang",
            title="x",
            held_on=date(2026, 3, 5),
            area=w.grid,
        )
    assert err.value.status == 403
    rows = activities.figures(w.community, date(2026, 3, 1), date(2026, 3, 31))
    assert (rows[0].sessions, rows[0].grids_covered, rows[0].people_reached) == (3, 2, 55)
    by_code = {r.area.code: r for r in rows[1:]}
    assert (by_code[w.grid.code].sessions, by_code[w.grid.code].people_reached) == (2, 50)
    c = Client()
    c.force_login(w.secretary)
    api = c.get(f"/api/activities/figures?area={w.community.code}&start=2026-03-01&end=2026-03-31")
    assert api.status_code == 200 and api.json()[0]["sessions"] == 3
    bad = c.post(
        "/api/activities",
        {"kind": "nope", "title": "", "held_on": "2026-03-05", "area": w.grid.code},
        content_type="application/json",
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"kind"}
    c.force_login(w.outsider)
    far = c.get(f"/api/activities/figures?area={w.community.code}&start=2026-03-01&end=2026-03-31")
    assert far.status_code == 404


def test_demo_reset_clears_notices_and_activities_first(w):
    from wangge.dev import districts as demo
    from wangge.dev import notices as notices_demo
    from wangge.regions.models import Area

    activities.install_kinds()
    activities.activity_record(
        actor=w.admin, kind_code="clinic", title="义诊", held_on=date(2026, 3, 5), area=w.grid
    )
    services.notice_send(sender=w.street_op, title="通知", areas=[w.street], roles=["full_time"])
    notices_demo.reset()
    demo.reset()
    assert not Area.objects.exists() and not Notice.objects.exists()
