"""The demo district on the real files: five levels, micro-grids of 50–80 households, staff,
and ninety days of events with every stage in the queue, 超期 included (issue 12: "Nothing
overdue exists in the demo today")."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import shapely
import time_machine
from django.contrib.auth import get_user_model

from tests.conftest import shared_data
from wangge.accounts.models import Post, Role
from wangge.dev import districts as demo
from wangge.dev import events, history
from wangge.events.models import OPEN_STATUSES, Event, OrderRole, Status, TimelineEntry
from wangge.regions import geometry
from wangge.regions.models import Area

# An ordinary Wednesday morning: the deadlines behave the same whenever the suite runs.
NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


def test_microgrid_count_keeps_each_part_within_50_to_80_households():
    # (between 81 and 99 no whole number of parts fits; the parts then stay ≥ 50)
    for households in (50, 64, 100, 130, 399, 650, 2600):
        n = demo.microgrid_count(households)
        assert 50 <= households / n <= 80, households
    assert demo.microgrid_count(20) == 1  # a tiny grid stays whole


def test_split_is_deterministic_and_tiles_the_grid():
    grid = geometry.as_multipolygon(shapely.box(120.1, 30.2, 120.11, 30.207))
    parts = demo.split_polygon(grid, 7, seed=42)
    assert len(parts) == 7
    assert demo.split_polygon(grid, 7, seed=42) == parts
    assert geometry.area_m2(geometry.union(parts)) == pytest.approx(geometry.area_m2(grid))
    sizes = [geometry.area_m2(p) for p in parts]
    assert max(sizes) < 2 * min(sizes)  # k-means keeps parts of comparable size


def test_the_real_district_builds_five_levels_with_staff_and_a_living_queue(client):
    shared_data("cn_grid_hangzhou_xiacheng", "grids.geojson")
    source = shared_data("cn_grid_hangzhou_xiacheng", events.EVENTS_FILE)
    letters = shared_data(events.TIPDM_DIR)
    with time_machine.travel(NOW, tick=True):
        with history.clock(history.since(dt.datetime.now(dt.UTC))):  # in post before it
            result = demo.build()
            events.build_departments(events.demo_password_hash(result.password))
        _five_levels_with_staff(result)
        past = events.build_events(source, letters_from=letters)
        assert past.events >= 300 and past.messages
        _every_stage_in_the_queue(client)


def _every_stage_in_the_queue(client) -> None:
    statuses = Counter(Event.objects.values_list("status", flat=True))
    for status in [*OPEN_STATUSES, Status.CLOSED]:
        assert statuses[status], (status, statuses)
    open_ = Event.objects.filter(status__in=OPEN_STATUSES)
    assert open_.filter(alert="red").exists()
    assert open_.filter(supervised=True).exists()
    assert Event.objects.filter(orders__role=OrderRole.ASSIST).exists()
    assert TimelineEntry.objects.filter(action="escalate").exists()
    client.force_login(get_user_model().objects.get(username="demo-operator-330103"))
    counts = client.get("/api/events/counts").json()
    for tab in ("reported", "accepted", "handling", "handled", "overdue"):
        assert counts[tab] > 0, (tab, counts)


def _five_levels_with_staff(result) -> None:
    counts = {level: Area.objects.live().filter(level=level).count() for level in range(1, 6)}
    assert (counts[1], counts[2], counts[3], counts[4]) == (1, 8, 75, 297)
    assert 2000 <= counts[5] <= 4000 and counts[5] == result.microgrids
    assert Area.objects.get(level=1).code == "330103"
    assert all(
        len(code) == 18 for code in Area.objects.filter(level=5).values_list("code", flat=True)
    )
    # Every grid's micro-grids average 50–80 households' worth (or it is too small to split).
    for grid in Area.objects.filter(level=4):
        households = demo.estimated_households(grid.area_m2)
        n = grid.children.count()
        assert n == 1 or 50 <= households / n <= 80
    # Staff: a liaison per micro-grid; most grids 1+1+N, a few left short as in the field.
    assert Post.objects.filter(role=Role.LIAISON).count() == counts[5]
    leaders = set(Post.objects.filter(role=Role.GRID_LEADER).values_list("area_id", flat=True))
    workers = set(Post.objects.filter(role=Role.FULL_TIME).values_list("area_id", flat=True))
    complete = len(leaders & workers)
    assert 0.9 * counts[4] <= complete < counts[4]
