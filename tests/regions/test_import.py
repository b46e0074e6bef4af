"""Import of area files: warts are merged, repaired or reported; refusals write nothing."""

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from shapely.geometry import shape

from tests.conftest import shared_data
from tests.factories import ORIGIN
from tests.regions.geojson import collection, feature, rect, version
from wangge.dev import districts as demo
from wangge.errors import DomainError
from wangge.regions import geometry
from wangge.regions.exporter import export_file
from wangge.regions.importer import ImportOptions, import_file, import_geojson
from wangge.regions.models import Area

pytestmark = pytest.mark.django_db


def district_with_streets(*streets: dict[str, Any]) -> dict[str, Any]:
    return collection(feature("330103", "区", rect(0, 0, 0.02, 0.01)), *streets)


def codes(report_items: list[Any]) -> set[str]:
    return {p.code for p in report_items}


def test_a_clean_file_imports_parents_before_children_in_one_go():
    data = district_with_streets(
        feature("330103002", "东", rect(0.01, 0, 0.01, 0.01)),
        feature("330103001", "西", rect(0, 0, 0.01, 0.01)),
    )
    report = import_geojson(data, ImportOptions())
    assert sorted(report.created) == ["330103", "330103001", "330103002"]
    assert report.warnings == []
    street = Area.objects.get(code="330103002")
    assert street.parent.code == "330103" and street.level == 2


def test_features_sharing_a_code_become_one_multipart_area():
    data = district_with_streets(
        feature("330103001", "西", rect(0, 0, 0.005, 0.01)),
        feature("330103001", "西", rect(0.01, 0, 0.01, 0.01)),
        feature("330103002", "中", rect(0.005, 0, 0.005, 0.01)),
    )
    report = import_geojson(data, ImportOptions())
    assert "merged" in codes(report.warnings)
    merged = next(w for w in report.warnings if w.code == "merged")
    assert merged.item == "feature 2" and "330103001" in merged.message
    area = Area.objects.get(code="330103001")
    assert len(geometry.from_geojson(area.geometry).geoms) == 2
    assert Area.objects.filter(code="330103001").count() == 1


def test_an_invalid_polygon_is_repaired_and_reported():
    lon, lat = ORIGIN
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + 0.02, lat + 0.01], [lon + 0.02, lat], [lon, lat + 0.01], [lon, lat]]
        ],
    }
    report = import_geojson(collection(feature("330103", "区", bowtie)), ImportOptions())
    repaired = [w for w in report.warnings if w.code == "repaired"]
    assert len(repaired) == 1 and repaired[0].item == "feature 1"
    assert "Self-intersection" in repaired[0].message
    geom = geometry.from_geojson(Area.objects.get(code="330103").geometry)
    assert geom.is_valid and geom.area > 0


def test_outside_parent_overlaps_and_gaps_are_reported_in_square_metres():
    data = district_with_streets(
        # pokes 0.002° east out of the district, overlaps its neighbour by 0.001°
        feature("330103001", "东", rect(0.009, 0, 0.013, 0.01)),
        feature("330103002", "西", rect(0, 0, 0.010, 0.01)),
    )
    report = import_geojson(data, ImportOptions())
    by_code = {w.code: w for w in report.warnings}
    assert set(by_code) == {"outside_parent", "sibling_overlap"}
    # 0.002° × 0.01° at 30.2°N ≈ 192 m × 1112 m ≈ 214,000 m²
    assert "213" in by_code["outside_parent"].message or "214" in by_code["outside_parent"].message
    assert by_code["outside_parent"].item.startswith("330103001")

    gappy = district_with_streets(feature("330103001", "西", rect(0, 0, 0.01, 0.01)))
    report = import_geojson(gappy, ImportOptions())
    gap = [w for w in report.warnings if w.code == "gap"]
    assert len(gap) == 1 and gap[0].item.startswith("330103 ")
    assert "50.0%" in gap[0].message


def test_refusal_names_feature_field_and_reason_and_writes_nothing():
    import_geojson(collection(feature("330103", "区", rect(0, 0, 0.02, 0.01))), ImportOptions())
    before, stamp = Area.objects.count(), version()
    bad = collection(
        feature("330103001", "好", rect(0, 0, 0.01, 0.01)),
        feature("", "无编码", rect(0, 0, 0.01, 0.01)),
        feature("330103003", "点", {"type": "Point", "coordinates": [120.1, 30.2]}),
        {
            "type": "Feature",
            "properties": {"code": "330103004"},
            "geometry": rect(0, 0, 0.01, 0.01),
        },
    )
    with pytest.raises(DomainError) as err:
        import_geojson(bad, ImportOptions())
    found = {(p.item, p.field) for p in err.value.problems}
    assert ("feature 2", "code") in found
    assert ("feature 3", "geometry") in found
    assert ("feature 4", "name") in found
    point = next(p for p in err.value.problems if p.item == "feature 3")
    assert "Point" in point.message
    assert Area.objects.count() == before and version() == stamp


def test_a_rule_broken_late_in_the_file_rolls_back_everything_before_it():
    data = district_with_streets(
        feature("330103001", "好", rect(0, 0, 0.01, 0.01)),
        feature("330104001", "不在本区", rect(0, 0, 0.01, 0.01), parent_code="330103"),
    )
    with pytest.raises(DomainError) as err:
        import_geojson(data, ImportOptions(parent_field="parent_code"))
    assert err.value.problems[0].item == "feature 3"
    assert err.value.problems[0].code == "code_not_extending_parent"
    assert Area.objects.count() == 0


def test_unknown_parent_is_refused():
    with pytest.raises(DomainError) as err:
        import_geojson(collection(feature("X-1", "孤儿", rect(0, 0, 0.01, 0.01))), ImportOptions())
    assert err.value.problems[0].code == "parent_not_found"
    assert "X" in err.value.problems[0].message


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b'{"type": "Feature"}', b'{"type": "FeatureCollection", "features": []}'],
)
def test_files_that_are_not_feature_collections_are_refused(payload):
    with pytest.raises(DomainError):
        import_geojson(payload, ImportOptions())
    assert not Area.objects.exists()


def test_importing_the_same_file_twice_changes_nothing():
    data = district_with_streets(
        feature("330103001", "西", rect(0, 0, 0.01, 0.01)),
        feature("330103002", "东", rect(0.01, 0, 0.01, 0.01)),
    )
    import_geojson(data, ImportOptions())
    stamp, rows = version(), list(Area.objects.values_list("id", "code", "geometry", "updated_at"))
    again = import_geojson(data, ImportOptions())
    assert again.created == [] and again.updated == []
    assert len(again.unchanged) == 3
    assert version() == stamp
    assert list(Area.objects.values_list("id", "code", "geometry", "updated_at")) == rows


def test_an_updated_file_updates_in_place():
    import_geojson(
        district_with_streets(feature("330103001", "西", rect(0, 0, 0.01, 0.01))), ImportOptions()
    )
    report = import_geojson(
        district_with_streets(feature("330103001", "西湖", rect(0, 0, 0.02, 0.01))), ImportOptions()
    )
    assert report.updated == ["330103001"]
    area = Area.objects.get(code="330103001")
    assert area.name == "西湖"
    assert area.area_m2 == pytest.approx(geometry.area_m2(shape(rect(0, 0, 0.02, 0.01))))


def test_renumbering_keeps_source_codes_and_is_stable_on_reimport():
    import_geojson(collection(feature("330103", "区", rect(0, 0, 0.02, 0.01))), ImportOptions())
    streets = collection(
        feature("WL", "武林", rect(0, 0, 0.01, 0.01)),
        feature("CM", "潮鸣", rect(0.01, 0, 0.01, 0.01)),
    )
    grids = collection(
        feature("WL-2", "武林二", rect(0, 0, 0.01, 0.005)),
        feature("WL-10", "武林十", rect(0, 0.005, 0.01, 0.005)),
    )
    street_options = ImportOptions(parent_code="330103", renumber=True)
    import_geojson(streets, street_options)
    import_geojson(grids, ImportOptions(renumber=True))
    assert dict(Area.objects.filter(level=2).values_list("source_code", "code")) == {
        "CM": "330103001",
        "WL": "330103002",
    }
    # natural order: WL-2 before WL-10
    assert dict(Area.objects.filter(level=3).values_list("source_code", "code")) == {
        "WL-2": "330103002001",
        "WL-10": "330103002002",
    }
    again = import_geojson(streets, street_options)
    assert again.unchanged and not again.created


def test_roster_xlsx_imports_without_geometry_and_round_trips(tmp_path: Path):
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编码", "名称", "上级编码"])
    sheet.append(["330103", "下城区", ""])
    sheet.append(["330103001", "天水街道", "330103"])
    sheet.append([330103002, "武林街道", 330103])  # numbers as Excel keeps them
    book.save(path)
    report = import_file(path, ImportOptions(code_field="编码", name_field="名称"))
    assert sorted(report.created) == ["330103", "330103001", "330103002"]
    assert Area.objects.get(code="330103002").parent.code == "330103"

    out = tmp_path / "export.xlsx"
    assert export_file(out) == 3
    again = import_file(out, ImportOptions())
    assert len(again.unchanged) == 3


def test_roster_reports_missing_columns_and_empty_cells(tmp_path: Path):
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编码", "名字"])
    book.save(path)
    with pytest.raises(DomainError) as err:
        import_file(path, ImportOptions(code_field="编码", name_field="名称"))
    assert err.value.problems[0].field == "名称"

    book = openpyxl.Workbook()
    book.active.append(["编码", "名称"])
    book.active.append(["330103", ""])
    book.save(path)
    with pytest.raises(DomainError) as err:
        import_file(path, ImportOptions(code_field="编码", name_field="名称"))
    assert (err.value.problems[0].item, err.value.problems[0].field) == ("row 2", "名称")


def test_geojson_export_imports_back_unchanged(tmp_path: Path):
    import_geojson(
        district_with_streets(
            feature("330103001", "西", rect(0, 0, 0.01, 0.01)),
            feature("330103002", "东", rect(0.01, 0, 0.01, 0.01)),
        ),
        ImportOptions(),
    )
    out = tmp_path / "areas.geojson"
    assert export_file(out) == 3
    exported = json.loads(out.read_text())
    assert [f["properties"]["code"] for f in exported["features"]] == [
        "330103",
        "330103001",
        "330103002",
    ]
    report = import_file(out)
    assert len(report.unchanged) == 3 and not report.updated


def test_the_real_district_files_import_with_their_warts_reported():
    source = shared_data("cn_grid_hangzhou_xiacheng")
    reports = {name: import_file(source / name, options) for name, options in demo._files(source)}
    assert Area.objects.filter(level=2).count() == 8
    assert Area.objects.filter(level=3).count() == 75
    assert Area.objects.filter(level=4).count() == 297
    grid_warnings = reports["grids.geojson"].warnings
    assert len([w for w in grid_warnings if w.code == "merged"]) == 23
    assert len([w for w in grid_warnings if w.code == "repaired"]) == 1
    street_warnings = reports["streets.geojson"].warnings
    gaps = [w for w in street_warnings if w.code == "gap"]
    assert len(gaps) == 1 and gaps[0].item.startswith("330103 ")
    assert any(w.code == "outside_parent" for w in street_warnings)
    outside_grid = Area.objects.filter(level=3, source_code="WH-99")
    assert outside_grid.count() == 1 and outside_grid[0].name == "外网格区域"
    # A second import of every file changes nothing.
    stamp = version()
    for name, options in demo._files(source):
        assert not import_file(source / name, options).changed
    assert version() == stamp


def test_refusals_speak_the_users_language():
    bad = collection(feature("330103", "", rect(0, 0, 0.01, 0.01)))
    with translation.override("zh-hans"), pytest.raises(DomainError) as err:
        import_geojson(bad, ImportOptions())
    problem = err.value.problems[0]
    assert (problem.item, problem.field, problem.message) == ("第 1 个要素", "name", "为空或缺失")
