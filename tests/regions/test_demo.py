"""The demo district on the real files: five levels, micro-grids of 50–80 households, staff."""

import pytest
import shapely

from tests.conftest import shared_data
from wangge.dev import districts as demo
from wangge.regions import geometry
from wangge.regions.models import Area, Post, Role

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


def test_the_real_district_builds_five_levels_with_staff():
    shared_data("cn_grid_hangzhou_xiacheng", "grids.geojson")
    result = demo.build()
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
