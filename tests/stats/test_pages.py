"""The API and the dashboard pages: the same numbers, scope, links, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.events.factories import make_world, report
from tests.factories import make_user, post
from tests.stats.helpers import close_path, fill_now
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import Category
from wangge.stats import selectors

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/stats/overview",
    "/api/stats/children",
    "/api/stats/trend",
    "/api/stats/breakdown/channel",
    "/api/stats/breakdown/category",
    "/api/stats/breakdown/department",
    "/api/stats/modules",
    "/api/stats/heat",
    "/api/stats/open-events",
    "/dashboard/",
    "/dashboard/screen/",
]


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    return make_world()


def _other(w):
    return wf.event_report(
        actor=w.other_worker,
        title="井盖缺失",
        category=Category.objects.get(code="0102"),
        area=w.areas["330103002001001"].children.first(),
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


def test_api_gives_the_figures_with_rates_as_text(w, client):
    close_path(w, report(w))
    wf.event_accept(event=report(w), actor=w.operator)
    _other(w)
    fill_now()
    client.force_login(w.operator)
    body = client.get("/api/stats/overview?area=330103&period=today").json()
    figs = {x["key"]: x for x in body["figures"]}
    assert figs["reported"]["value"] == 3
    assert figs["closed_rate"]["text"] == "1 / 2 = 50.0%"
    assert figs["closed_rate"]["numerator"] == 1 and figs["closed_rate"]["denominator"] == 2
    assert "/events/?" in figs["closed"]["url"] and "fact=closed" in figs["closed"]["url"]
    kids = client.get("/api/stats/children?area=330103&period=today").json()["items"]
    reported = {k["code"]: k["counts"]["reported"] for k in kids}
    assert reported == {"330103001": 2, "330103002": 1, "330103003": 0, "330103004": 0}
    days = client.get("/api/stats/trend?area=330103&period=7d").json()["items"]
    assert len(days) == 7 and days[-1]["reported"] == 3
    # Filtered by channel and lead department.
    by = client.get("/api/stats/overview?area=330103&period=today&department=cg").json()
    assert {x["key"]: x["value"] for x in by["figures"]}["reported"] == 1


def test_scope_a_grid_worker_sees_only_their_grid(w, client):
    report(w)
    _other(w)
    fill_now()
    client.force_login(w.worker)
    body = client.get("/api/stats/overview?period=today").json()
    assert body["area"]["code"] == "330103001001001"
    assert {x["key"]: x["value"] for x in body["figures"]}["reported"] == 1
    refused = client.get("/api/stats/overview?area=330103002001001&period=today")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "area"
    assert client.get("/dashboard/?area=330103").status_code == 403


def test_bad_filters_are_422_naming_the_field(w, client):
    client.force_login(w.operator)
    r = client.get("/api/stats/overview?area=330103&period=custom&date_from=2026-02-01")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "date_from"
    r = client.get("/api/stats/overview?area=330103&category=0102")  # a 小类, not a class
    assert r.json()["errors"][0]["field"] == "category"
    r = client.get("/api/stats/overview?period=decade")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "period"
    assert client.get("/dashboard/?period=decade").status_code == 400


def test_leader_sees_everything_under_the_area_and_acts_on_nothing(w, client):
    leader = make_user("leader")
    post(leader, w.areas["330103"], role="leader")
    e = report(w)
    _other(w)
    fill_now()
    assert selectors.totals(selectors.resolve(leader, period="today"))["reported"] == 2
    assert not [name for name, move in wf.MOVES.items() if move.who(leader, e)]
    for act, kwargs in [
        (wf.event_accept, {}),
        (wf.event_reject, {"reason": "x"}),
        (wf.event_escalate, {"reason": "x"}),
        (wf.event_cancel, {"reason": "x"}),
    ]:
        with pytest.raises(DomainError) as refused:
            act(event=e, actor=leader, **kwargs)
        assert refused.value.status == 403
    assert wf.allowed_actions(leader, e) == []
    client.force_login(leader)
    assert client.get(f"/events/{e.code}/").status_code == 200


def test_dashboard_page_links_numbers_to_the_scoped_event_list(w, client):
    close_path(w, report(w))
    fill_now()
    client.force_login(w.operator)
    page = client.get("/dashboard/?area=330103&period=today").content.decode()
    assert "1 / 1 = 100.0%" in page
    assert "area=330103" in page and "/events/?" in page
    assert 'href="?area=330103001&period=today"' in page  # drill down to a street
    assert "dashboard-data" in page
    # The event list honours the link's filters: the other street has none of these.
    listed = client.get("/events/?tab=all&area=330103002&status=closed").content.decode()
    assert "路边暴露垃圾" not in listed
    listed = client.get("/events/?tab=all&area=330103001&status=closed").content.decode()
    assert "路边暴露垃圾" in listed


def test_settled_levels_link_to_the_events_closed_at_that_level(w, client):
    close_path(w, report(w))
    fill_now()
    client.force_login(w.operator)
    settled = client.get("/api/stats/overview?area=330103&period=today").json()["settled"]
    [here] = [s for s in settled if s["closed"] == 1]
    assert "路边暴露垃圾" in client.get(here["url"]).content.decode()
    for other in (s for s in settled if s["closed"] == 0):
        assert "路边暴露垃圾" not in client.get(other["url"]).content.decode()
    page = client.get("/dashboard/?area=330103&period=today").content.decode()
    assert here["url"].replace("&", "&amp;") in page


def test_query_counts_do_not_grow_with_events(w, client):
    client.force_login(w.operator)
    report(w)
    fill_now()
    small = {url: _queries(client, f"{url}?area=330103&period=year") for url in ENDPOINTS}
    for _ in range(3):
        close_path(w, report(w))
    _other(w)
    wf.event_accept(event=report(w, "0101"), actor=w.operator)
    fill_now()
    large = {url: _queries(client, f"{url}?area=330103&period=year") for url in ENDPOINTS}
    assert small == large
