"""The area page: its population (residents, households of the subtree, as the user sees
them), its open events by stage and alert (from the figures' rollups, the whole backlog
whatever the report day) each leading to the list it counts, and "数据截至 HH:MM"."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from tests.people.factories import household_at
from tests.stats.helpers import close_path, fill_now
from wangge.accounts.actors import SYSTEM
from wangge.events import workflow as wf
from wangge.events.models import BuiltinChannel
from wangge.people.residents import selectors as people_selectors
from wangge.people.residents import services as people
from wangge.regions import spatial_index

pytestmark = pytest.mark.django_db

STREET_A, STREET_B = "330103001", "330103002"


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def _resident(household: Any, name: str, relation: str = "head") -> Any:
    return people.resident_create(
        actor=SYSTEM,
        name=name,
        id_number=f"P{abs(hash(name)) % 10**8:08d}",
        id_type="passport",
        household=household,
        relation=relation,
    )


@pytest.fixture
def w(settings, clock):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    spatial_index.invalidate()  # area ids of an earlier (rolled-back) test differ
    now = timezone.now()
    clock((now - timedelta(days=40)).isoformat())  # the posts and one event start then
    world = make_world()
    micro_b = world.areas["330103002001001"].children.first()
    # Population: street A two households (3 residents, one moved out), street B one.
    ha, ha2 = household_at(world.micro, "HA"), household_at(world.micro, "HA2")
    hb = household_at(micro_b, "HB")
    _resident(ha, "张三")
    _resident(ha, "张四", "spouse")
    _resident(ha2, "王五")
    gone = _resident(ha2, "王六", "spouse")
    people.resident_move_out(actor=SYSTEM, resident=gone, on=timezone.localdate())
    _resident(hb, "李四")
    # Events: one reported 40 days ago and still waiting (red by now), one being handled,
    # one closed, one in street B.
    report(world)
    clock(now.isoformat())
    wf.event_dispatch(
        event=wf.event_accept(event=report(world), actor=world.operator),
        actor=world.operator,
        lead=world.city,
    )
    close_path(world, report(world))
    wf.event_report(
        actor=world.other_worker,
        title="井盖缺失",
        category=_category(),
        area=micro_b,
        channel=BuiltinChannel.HOTLINE,
    )
    fill_now()
    yield world
    spatial_index.invalidate()


def _category() -> Any:
    from wangge.events.models import Category

    return Category.objects.get(code="0102")


def _listed(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return int(response.context["page"].paginator.count)


def test_population_counts_the_subtree_as_the_user_sees_it(w):
    district, street_a = w.areas["330103"], w.areas[STREET_A]
    assert people_selectors.population(w.operator, district) == {"residents": 4, "households": 3}
    assert people_selectors.population(w.operator, street_a) == {"residents": 3, "households": 2}
    # A worker of a grid in street B counts nothing of street A, even asked for the district.
    assert people_selectors.population(w.other_worker, district) == {
        "residents": 1,
        "households": 1,
    }


def test_area_page_shows_population_open_events_and_as_of(w, client):
    client.force_login(w.operator)
    response = client.get(f"/areas/{STREET_A}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["population"] == {"residents": 3, "households": 2}
    figures = {x["key"]: x for x in response.context["open_events"]}
    # The 40-day-old waiting event counts: the whole backlog, not this month's reports.
    assert figures["open"]["value"] == 2
    assert figures["open_reported"]["value"] == 1 and figures["open_handling"]["value"] == 1
    assert figures["open_red"]["value"] == 1
    # Every open figure leads to the list of exactly its cases.
    for item in figures.values():
        assert f'href="{item["url"]}"'.replace("&", "&amp;") in page
        assert _listed(client, item["url"]) == item["value"], item["key"]
    # The residents figure leads to the residents list filtered by the area.
    residents_url = response.context["residents_url"]
    assert residents_url.replace("&", "&amp;") in page
    listed = client.get(residents_url)
    assert len(listed.context["rows"]) == 3
    assert {r.name for r in listed.context["rows"]} == {"张三", "张四", "王五"}
    assert re.search(r"数据截至 \d\d:\d\d", page)
    assert 'href=""' not in page


def test_area_page_of_a_grid_worker_counts_their_grid_only(w, client):
    client.force_login(w.other_worker)
    grid = w.areas["330103002001001"]
    response = client.get(f"/areas/{grid.code}/")
    assert response.context["population"] == {"residents": 1, "households": 1}
    figures = {x["key"]: x["value"] for x in response.context["open_events"]}
    assert figures["open"] == 1 and figures["open_reported"] == 1
    assert client.get(f"/areas/{STREET_A}/").status_code == 404
