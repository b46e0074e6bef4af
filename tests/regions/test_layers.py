"""Professional layers are mapped to the base micro-grids they overlap, with shares."""

import json

import pytest

from tests.factories import ORIGIN, make_tree
from wangge.errors import DomainError
from wangge.regions.importer import ImportOptions
from wangge.regions.layers import layer_import
from wangge.regions.models import LayerArea, LayerOverlap

pytestmark = pytest.mark.django_db
STEP = 0.005  # make_tree's micro-grid size


def beat(code: str, x: float, y: float, w: float, h: float) -> dict:
    lon, lat = ORIGIN[0] + x, ORIGIN[1] + y
    ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"警区编号": code, "警区": f"警区{code}"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def police(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


OPTIONS = ImportOptions(code_field="警区编号", name_field="警区")


def test_a_layer_area_maps_to_the_micro_grids_it_overlaps_with_shares():
    make_tree()
    # Covers one whole micro-grid and half of its eastern neighbour.
    report = layer_import(
        layer_code="police",
        layer_name="警务网格",
        kind="公安",
        data=police(beat("J1", 0, 0, 1.5 * STEP, STEP), beat("J9", 1, 1, STEP, STEP)),
        options=OPTIONS,
    )
    assert report.created == ["J1", "J9"] and report.overlaps == 2
    assert report.unmatched == ["J9"]  # far outside the district
    overlaps = {
        o.area.code: o for o in LayerOverlap.objects.select_related("area").order_by("area__code")
    }
    whole, half = overlaps["330103001001001001"], overlaps["330103001001001003"]
    assert whole.share_of_area == pytest.approx(1.0, abs=1e-3)
    assert half.share_of_area == pytest.approx(0.5, abs=1e-3)
    assert whole.share_of_layer_area == pytest.approx(2 / 3, abs=1e-3)
    assert whole.share_of_layer_area + half.share_of_layer_area == pytest.approx(1.0, abs=1e-3)


def test_reimport_is_idempotent_and_updates_follow_the_file():
    make_tree()
    data = police(beat("J1", 0, 0, STEP, STEP))
    layer_import(
        layer_code="police", layer_name="警务网格", kind="公安", data=data, options=OPTIONS
    )
    again = layer_import(
        layer_code="police", layer_name="警务网格", kind="公安", data=data, options=OPTIONS
    )
    assert again.unchanged == ["J1"] and LayerArea.objects.count() == 1
    assert LayerOverlap.objects.count() == 1
    moved = layer_import(
        layer_code="police",
        layer_name="警务网格",
        kind="公安",
        data=police(beat("J1", 0, 0, 2 * STEP, STEP)),
        options=OPTIONS,
    )
    assert moved.updated == ["J1"] and LayerOverlap.objects.count() == 2


def test_a_bad_layer_file_writes_nothing():
    make_tree()
    bad = police(
        beat("J1", 0, 0, STEP, STEP), {"type": "Feature", "properties": {}, "geometry": None}
    )
    with pytest.raises(DomainError) as err:
        layer_import(layer_code="police", layer_name="警务", kind="公安", data=bad, options=OPTIONS)
    assert {p.item for p in err.value.problems} == {"feature 2"}
    assert not LayerArea.objects.exists()
