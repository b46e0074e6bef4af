"""The maps' points: the heat map of the period's events and the open events' layer, read
from the facts, scoped, with constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.events.factories import make_world, report
from tests.people.factories import centre
from tests.stats.helpers import close_path, fill_now
from wangge.events import workflow as wf
from wangge.events.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    return make_world()


def _placed(w):
    """An event at the centre of the world's micro-grid."""
    lon, lat = centre(w.micro)
    return report(w, lon=lon, lat=lat)


def _elsewhere(w):
    area = w.areas["330103002001001"].children.first()
    lon, lat = centre(area)
    return wf.event_report(
        actor=w.other_worker,
        title="井盖缺失",
        category=Category.objects.get(code="0102"),
        area=area,
        lon=lon,
        lat=lat,
    )


def test_heat_and_open_events_count_what_they_should(w, client):
    closed = close_path(w, _placed(w))
    open_one = _placed(w)
    report(w)  # no place: on no map
    other = _elsewhere(w)
    fill_now()
    client.force_login(w.operator)
    heat = client.get("/api/stats/heat?area=330103&period=today").json()["points"]
    assert heat[0][2] == 1.0 and len(heat) == 2  # the grid's cell (2 events), the other's
    assert all(len(p) == 3 and 0 < p[2] <= 1 for p in heat)
    items = client.get("/api/stats/open-events?area=330103").json()["items"]
    codes = {i["code"] for i in items}
    assert codes == {open_one.code, other.code}  # the closed one is not open
    assert closed.code not in codes
    assert {i["alert"] for i in items} <= {"", "yellow", "red"}
    # A grid worker: their grid's events only, another street refused.
    client.force_login(w.worker)
    items = client.get("/api/stats/open-events").json()["items"]
    assert {i["code"] for i in items} == {open_one.code}
    assert client.get("/api/stats/open-events?area=330103002").status_code == 403
    heat = client.get("/api/stats/heat?period=today").json()["points"]
    assert len(heat) == 1  # the grid's two events share a cell; the other street's is not there


def test_map_query_counts_do_not_grow_with_events(w, client):
    client.force_login(w.operator)
    _placed(w)
    fill_now()

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ["/api/stats/heat?area=330103&period=year", "/api/stats/open-events?area=330103"]
    small = [queries(u) for u in urls]
    for _ in range(3):
        _placed(w)
    _elsewhere(w)
    fill_now()
    assert [queries(u) for u in urls] == small


def test_heat_and_open_events_say_when_capped(w, client, monkeypatch):
    from wangge.stats import selectors

    for _ in range(2):
        _placed(w)
    _elsewhere(w)
    fill_now()
    client.force_login(w.operator)
    heat = client.get("/api/stats/heat?area=330103&period=today").json()
    events = client.get("/api/stats/open-events?area=330103").json()
    assert (heat["capped"], len(heat["points"]), heat["limit"]) == (False, 2, 5000)
    assert (events["capped"], len(events["items"]), events["limit"]) == (False, 3, 2000)
    monkeypatch.setattr(selectors, "HEAT_CELLS", 1)
    monkeypatch.setattr(selectors, "OPEN_POINTS", 2)
    _placed(w)  # a new fill: the figures are read again, not from the cache
    fill_now()
    heat = client.get("/api/stats/heat?area=330103&period=today").json()
    assert (heat["capped"], heat["limit"]) == (True, 1)
    assert heat["points"][0][2] == 1.0 and len(heat["points"]) == 1  # the densest cell
    events = client.get("/api/stats/open-events?area=330103").json()
    assert (events["capped"], len(events["items"]), events["limit"]) == (True, 2, 2)
    # The pages carry the note the map shows when a layer is capped.
    screen = client.get("/dashboard/screen/?area=330103").content.decode()
    assert 'id="heat-capped"' in screen and 'id="events-capped"' in screen
    assert 'id="heat-capped"' in client.get("/dashboard/?area=330103").content.decode()


def test_figures_are_kept_per_fill_and_read_again_after_the_next(w, client):
    _placed(w)
    fill_now()
    client.force_login(w.operator)
    url = "/api/stats/overview?area=330103&period=today"

    def reported():
        return client.get(url).json()["counts"]["reported"]

    assert reported() == 1
    with CaptureQueriesContext(connection) as first:
        assert reported() == 1
    _placed(w)
    assert reported() == 1  # not filled yet: the figures of the last fill
    fill_now()
    with CaptureQueriesContext(connection) as after_fill:
        assert reported() == 2
    # The second call read no rollups; the one after the fill did.
    assert not any("stats_rollup" in q["sql"] for q in first.captured_queries)
    assert any("stats_rollup" in q["sql"] for q in after_fill.captured_queries)
