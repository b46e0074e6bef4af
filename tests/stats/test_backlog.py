"""What is open now counts whenever it was reported: 指挥调度's stages and alerts, 超期件, the
children's and departments' open counts, for any period — and their links list those cases."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import Event
from wangge.stats import fill, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    world = make_world()
    now = timezone.now()
    # Reported 40 days ago, dispatched to the city, its deadline long gone: red.
    old = wf.event_accept(event=report(world), actor=world.operator)
    old = wf.event_dispatch(event=old, actor=world.operator, lead=world.city)
    world.old_at = now - timedelta(days=40)
    Event.objects.filter(pk=old.pk).update(
        reported_at=world.old_at, deadline=now - timedelta(days=30)
    )
    world.old = old
    world.today = report(world)  # reported today, waiting to be accepted
    fill.rebuild()
    return world


def _by_key(items):
    return {x["key"]: x for x in items}


@pytest.mark.parametrize("period", ["today", "7d", "month", "year"])
def test_the_backlog_counts_in_every_period(w, client, period):
    client.force_login(w.operator)
    data = client.get(f"/api/stats/overview?period={period}").json()
    command = _by_key(data["command"])
    assert command["open_red"]["value"] == 1  # the 40-day-old event, whatever the period
    assert command["open_handling"]["value"] == 1
    assert command["open_reported"]["value"] == 1
    figures = _by_key(data["figures"])
    assert figures["overdue"]["value"] == 1
    assert figures["overdue"]["previous"] is None  # a count of now: nothing to compare
    # Reported in the period: today's event, and the old one when the period reaches back
    # 40 days (a year does, except in its first 40 days).
    start, _end = selectors.period_bounds(period)
    reported = 1 + (timezone.localtime(w.old_at).date() >= start)
    assert figures["reported"]["value"] == reported
    # The link lists the case, with no report days to hide it.
    url = command["open_red"]["url"]
    assert "date_from" not in url and "fact=open_red" in url
    listed = client.get(url).content.decode()
    assert w.old.code in listed and w.today.code not in listed
    # The child areas (the choropleth) and the departments count it too.
    children = client.get(f"/api/stats/children?period={period}").json()
    assert sum(c["counts"]["open_red"] for c in children["items"]) == 1
    page = client.get(f"/dashboard/?period={period}").content.decode()
    assert re.search(r'id="fig-overdue"[^>]*>.*?<span class="value">1</span>', page)
    # Below the rolled-up levels the facts are read: the same count.
    grid = client.get(f"/api/stats/overview?period={period}&area=330103001001001").json()
    assert _by_key(grid["command"])["open_red"]["value"] == 1
    assert _by_key(grid["figures"])["reported"]["value"] == reported
    departments = client.get(f"/api/stats/breakdown/department?period={period}").json()
    city = next(d for d in departments["items"] if d["key"] == w.city.code)
    assert city["open"] == 1
