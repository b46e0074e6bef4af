"""The built-in demo (no ../shared): a living district, built through the services."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Min

from wangge.dev import build, districts, stories
from wangge.events.models import OPEN_STATUSES, Event, OrderRole, Status, TimelineEntry
from wangge.fieldwork.models import Campaign, CampaignTarget, VisitRecord
from wangge.people.models import Resident
from wangge.regions import geometry
from wangge.regions.models import Area

# An ordinary Wednesday morning: the deadlines behave the same whenever the suite runs.
NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def no_shared(monkeypatch, tmp_path):
    """A machine without ../shared."""
    monkeypatch.setattr(districts, "REAL_DIR", tmp_path / "absent")
    monkeypatch.setattr(districts, "SHARED_DIR", tmp_path)


def test_the_built_in_demo_is_a_living_district(db, client, no_shared):
    with time_machine.travel(NOW, tick=True):
        demo = build.build()
        assert demo.district.source == districts.SAMPLE_DIR
        _irregular_areas()
        _every_stage_and_history(demo.events.events)
        _queues_seen_by_the_operator(client)
    assert Resident.objects.exists()
    assert demo.fieldwork.visits == VisitRecord.objects.count() > 0
    campaign = Campaign.objects.get()
    assert campaign.status == Campaign.Status.OPEN
    done = Counter(campaign.targets.values_list("status", flat=True))
    assert done[CampaignTarget.Status.DONE] and done[CampaignTarget.Status.PENDING]


def _irregular_areas() -> None:
    grids = Area.objects.live().filter(level=4)
    assert grids.count() == 18 and Area.objects.filter(level=5).count() > 30
    for grid in grids:  # Voronoi cells, not rectangles
        shape = geometry.from_geojson(grid.geometry)
        assert shape.area < 0.97 * shape.envelope.area, grid.code


def _every_stage_and_history(count: int) -> None:
    events = Event.objects.all()
    assert events.count() == count >= 150
    statuses = Counter(events.values_list("status", flat=True))
    for status in [*OPEN_STATUSES, Status.CLOSED, Status.REJECTED]:
        assert statuses[status], (status, statuses)
    open_ = events.filter(status__in=OPEN_STATUSES)
    assert open_.filter(alert="red").exists()  # the 超期 tab
    assert open_.filter(supervised=True).exists()
    assert events.filter(orders__role=OrderRole.ASSIST).exists()  # 吹哨报到
    assert TimelineEntry.objects.filter(action="escalate").exists()
    assert events.filter(status=Status.CLOSED, overdue_ever=True).exists()  # late, then done
    # Ninety days of history: every fortnight has reports and closures.
    for days in range(0, 84, 14):
        window = (NOW - dt.timedelta(days=days + 14), NOW - dt.timedelta(days=days))
        assert events.filter(reported_at__range=window).exists(), days
        assert events.filter(closed_at__range=window, status=Status.CLOSED).exists(), days
    first = events.aggregate(first=Min("reported_at"))["first"]
    assert NOW - dt.timedelta(days=91) < first < NOW - dt.timedelta(days=80)
    # Varied report times, at hours people report; titles that fit their category.
    times = list(events.values_list("reported_at", flat=True))
    assert len(set(times)) == len(times)
    assert len({t.astimezone(NOW.tzinfo).hour for t in times}) >= 10
    for code, title in events.values_list("category__code", "title"):
        assert title in {t for t, _d in stories.STORIES[code][1]}, (code, title)
    # Through the workflow: each event's first entry is its report, at its report time.
    for event in events.filter(status=Status.CLOSED).exclude(satisfaction="")[:20]:
        entries = list(event.timeline.order_by("at", "pk").values_list("action", "at"))
        assert entries[0] == ("report", event.reported_at)
        assert [a for a, _t in entries][-2:] == ["close", "callback"]
        assert event.reported_at < event.accepted_at < event.closed_at


def _queues_seen_by_the_operator(client) -> None:
    operator = get_user_model().objects.get(username="demo-operator-330103")
    client.force_login(operator)
    counts = client.get("/api/events/counts").json()
    for tab in ("reported", "accepted", "handling", "handled", "verified", "overdue"):
        assert counts[tab] > 0, (tab, counts)
    assert counts["supervised"] > 0 and counts["callback"] > 0
