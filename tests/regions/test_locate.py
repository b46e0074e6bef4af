"""Point → area chain: inside (property-based), on borders, outside; index freshness."""

import pytest
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ORIGIN, make_tree
from wangge.regions import coords, geometry, spatial_index
from wangge.regions.models import Area, AreaTreeVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    areas = make_tree()
    yield areas
    spatial_index.invalidate()


# Micro-grids of make_tree are 0.005° squares on a 16 × 16 lattice from ORIGIN.
STEP = 0.08 / 16
cells = st.tuples(st.integers(0, 15), st.integers(0, 15))
offsets = st.floats(0.001, 0.999)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cell=cells, fx=offsets, fy=offsets)
def test_points_inside_a_microgrid_get_its_whole_chain(tree, cell, fx, fy):
    lon = ORIGIN[0] + (cell[0] + fx) * STEP
    lat = ORIGIN[1] + (cell[1] + fy) * STEP
    found = spatial_index.get_index().locate(lon, lat)
    assert not found.outside
    assert [r.level for r in found.chain] == [5, 4, 3, 2, 1]
    micro = Area.objects.get(code=found.chain[0].code)
    assert geometry.from_geojson(micro.geometry).contains(geometry.shapely.Point(lon, lat))
    assert [r.code for r in found.chain[1:]] == list(reversed(micro.ancestor_codes))


def test_bulk_and_single_answers_agree(tree):
    import numpy as np

    rng = np.random.default_rng(7)
    lons = ORIGIN[0] - 0.01 + rng.random(2000) * 0.1
    lats = ORIGIN[1] - 0.01 + rng.random(2000) * 0.1
    index = spatial_index.get_index()
    rows = index.locate_rows(lons, lats)
    assert (rows >= 0).any() and (rows < 0).any()
    for row, lon, lat in zip(rows, lons, lats, strict=True):
        assert row == index.locate_row(lon, lat)


def test_a_point_on_a_shared_border_always_lands_in_the_same_area(tree):
    index = spatial_index.get_index()
    # The border between the first two micro-grids going east, and a corner of four.
    border = (ORIGIN[0] + STEP, ORIGIN[1] + STEP / 2)
    corner = (ORIGIN[0] + STEP, ORIGIN[1] + STEP)
    for lon, lat in (border, corner):
        answers = {index.locate(lon, lat).chain[0].code for _ in range(20)}
        rebuilt = spatial_index.build_from_database().locate(lon, lat).chain[0].code
        assert answers == {rebuilt}
        touching = [
            a.code
            for a in Area.objects.filter(level=5)
            if geometry.from_geojson(a.geometry).intersects(geometry.shapely.Point(lon, lat))
        ]
        assert len(touching) >= 2
        assert rebuilt == min(touching)  # the tie goes to the lowest code


def test_a_point_outside_answers_nearest_area_and_distance(tree):
    lon, lat = ORIGIN[0] - 0.01, ORIGIN[1] + STEP / 2  # 0.01° west of the district
    found = spatial_index.get_index().locate(lon, lat)
    assert found.outside and found.chain == ()
    assert found.nearest is not None and found.nearest.level == 5
    assert found.distance_m == pytest.approx(coords.distance_m(lon, lat, ORIGIN[0], lat), rel=0.01)


def test_index_rebuilds_when_another_process_changes_the_tree(tree):
    index = spatial_index.get_index()
    target = Area.objects.get(code="330103001001001001")
    far = geometry.MultiPolygon([geometry.shapely.box(100.0, 20.0, 100.01, 20.01)])
    # Another process's write: the row and the version stamp move, our memory does not.
    Area.objects.filter(pk=target.pk).update(geometry=geometry.to_geojson(far))
    assert spatial_index.get_index() is index
    AreaTreeVersion.objects.update(version=F("version") + 1)
    fresh = spatial_index.get_index()
    assert fresh is not index
    assert fresh.locate(100.005, 20.005).chain[0].code == "330103001001001001"


def test_index_checks_the_stamp_at_most_every_interval(tree, settings, django_assert_num_queries):
    settings.WANGGE_INDEX_CHECK_SECONDS = 3600
    spatial_index.get_index()
    with django_assert_num_queries(0):
        for _ in range(100):
            spatial_index.get_index()


def test_gcj02_input_is_converted_before_locating(tree):
    lon, lat = ORIGIN[0] + 0.0123, ORIGIN[1] + 0.0234
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    index = spatial_index.get_index()
    assert (
        index.locate(*coords.to_wgs84(g_lon, g_lat, "gcj02")).chain == index.locate(lon, lat).chain
    )
    assert index.locate(g_lon, g_lat).chain != index.locate(lon, lat).chain  # ~500 m apart
