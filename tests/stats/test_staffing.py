"""网格联动's 1+1+N staffing, kept by the stats worker, against a hand-counted tree: figures at
every level, posts ended one by one and in bulk, what the dashboard then shows, and a rebuild
giving what the fill gave."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.events.factories import make_world
from tests.factories import make_user, post
from tests.stats.helpers import fill_now
from wangge.accounts import services as accounts
from wangge.accounts.models import Post
from wangge.regions.models import Area
from wangge.stats import fill, staffing
from wangge.stats.models import StaffingFigure

pytestmark = pytest.mark.django_db

# make_tree(2): 4 streets × 4 communities × 4 grids (64 grids) × 4 micro-grids.
GRID, GRID_2 = "330103001001001", "330103001001002"
MICRO = "330103001001001001"


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    world = make_world()  # full-time workers at GRID and at a grid of the second street
    post(make_user("leader_1"), world.areas[GRID], role="grid_leader")  # GRID: 1+1
    post(make_user("leader_2"), world.areas[GRID_2], role="grid_leader")  # no full-time
    post(make_user("part_1"), world.areas[MICRO], role="part_time")
    post(make_user("part_2"), world.areas[MICRO], role="part_time")
    post(make_user("part_3"), world.areas[GRID_2], role="part_time")
    return world


def _at(code: str) -> tuple[int, int, int]:
    got = staffing.figures(Area.objects.get(code=code))
    return got["grids"], got["complete"], got["part_time"]


def _snapshot() -> list[tuple[int, int, int, int]]:
    return list(
        StaffingFigure.objects.order_by("area_id").values_list(
            "area_id", "grids", "complete", "part_time"
        )
    )


def test_staffing_counts_each_level_and_follows_every_post_change(w, client):
    fill_now()
    assert _at("330103") == (64, 1, 3)
    assert _at("330103001") == (16, 1, 3)
    assert _at("330103001001") == (4, 1, 3)
    assert _at(GRID) == (1, 1, 2)
    assert _at(GRID_2) == (1, 0, 1)
    assert _at(MICRO) == (0, 0, 2)  # no grid below a micro-grid, its part-timers
    assert _at("330103002") == (16, 0, 0)
    client.force_login(w.operator)

    def shown() -> dict[str, str]:
        data = client.get("/api/stats/modules?area=330103001001&period=month").json()
        return {x["key"]: x["text"] for x in data["grid"]}

    assert shown()["staffed"] == "1 / 4 = 25.0%"
    assert shown()["part_time"] == "3"
    # The full-time worker leaves (one post ended): no event moved, yet the page follows.
    accounts.post_end(post=Post.objects.get(user=w.worker), ended_on=dt.date(2026, 12, 1))
    assert fill_now().staffing > 0
    assert _at("330103001001") == (4, 0, 3)
    assert shown()["staffed"] == "0 / 4 = 0.0%"
    assert shown()["staffing_gaps"] == "4"
    # A bulk end (the micro-grid retired with its posts): no per-row save to hook on.
    accounts.posts_end_under(w.areas[MICRO], dt.date(2026, 12, 2))
    fill_now()
    assert _at(MICRO) == (0, 0, 0)
    assert _at("330103") == (64, 0, 1)
    assert shown()["part_time"] == "1"
    # Nothing changed: nothing is written.
    assert fill_now().staffing == 0
    filled = _snapshot()
    fill.rebuild()
    assert _snapshot() == filled


def test_the_refresh_and_the_read_do_not_grow_with_posts(w):
    fill_now()

    def queries(call) -> int:
        with CaptureQueriesContext(connection) as ctx:
            call()
        return len(ctx.captured_queries)

    area = Area.objects.get(code="330103")

    def staff(grids: range) -> None:  # a full-time and a part-time worker on each grid
        for i in grids:
            grid = Area.objects.filter(level=4).order_by("code")[i]
            post(make_user(f"more_{i}"), grid, role="full_time")
            post(make_user(f"more_p_{i}"), grid.children.order_by("code").first(), role="part_time")

    staff(range(1))
    few = queries(staffing.refresh), queries(lambda: staffing.figures(area))
    staff(range(1, 30))
    many = queries(staffing.refresh), queries(lambda: staffing.figures(area))
    assert many == few
    assert few[1] == 1
    assert _at("330103") == (64, 2, 33)
