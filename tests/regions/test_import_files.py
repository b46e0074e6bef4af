"""Area files as counties send them: projected coordinates, missing parents, previews,
undoing a batch, building a parent level by dissolving, deepest-level parents."""

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape

from tests.conftest import shared_data
from tests.factories import ORIGIN, make_tree, make_user, post, square
from tests.regions.geojson import collection, feature, rect, version
from wangge.errors import DomainError
from wangge.events.models import Department
from wangge.regions import batches, geometry, services, spatial_index
from wangge.regions.importer import ImportOptions, import_file, import_geojson
from wangge.regions.models import Area, ImportBatch

pytestmark = pytest.mark.django_db


def state() -> tuple[Any, ...]:
    """Everything a refused import, a dry run or a refused undo must leave alone."""
    return (
        sorted(Area.objects.values_list("code", "name", "level", "geometry", "valid_to")),
        list(ImportBatch.objects.values_list("pk", "undone_at")),
        version(),
    )


@pytest.fixture
def fresh_index(settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    yield
    spatial_index.invalidate()


@pytest.fixture
def district(db):
    return services.area_create(code="330103", name="测试区", geom=square(0, 0, 0.02))


def streets() -> dict[str, Any]:
    return collection(
        feature("330103001", "西", rect(0, 0, 0.01, 0.02)),
        feature("330103002", "东", rect(0.01, 0, 0.01, 0.02)),
    )


# -- projected coordinates ---------------------------------------------------------------------
STATE_PLANE = {  # a New York Long Island State Plane square (US feet)
    "type": "Polygon",
    "coordinates": [
        [[983000, 201000], [984000, 201000], [984000, 202000], [983000, 202000], [983000, 201000]]
    ],
}


def test_a_file_in_projected_coordinates_is_refused_naming_the_first_feature(district):
    before = state()
    data = collection(
        feature("330103001", "西", rect(0, 0, 0.01, 0.02)),
        feature("330103002", "东", STATE_PLANE),
        feature("330103003", "北", STATE_PLANE),
    )
    with pytest.raises(DomainError) as err:
        import_geojson(data, ImportOptions())
    problem = err.value.problems[0]
    assert problem.code == "projected" and problem.field == "geometry"
    assert "2 features" in problem.message and "feature 2: 983000, 201000" in problem.message
    assert state() == before


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2263"}},
        {"type": "name", "properties": {"name": "EPSG:3857"}},
        {"type": "EPSG", "properties": {"code": 32650}},
        "nonsense",
    ],
)
def test_a_crs_member_that_is_not_lonlat_is_refused_even_with_small_numbers(district, crs):
    data = {**streets(), "crs": crs}
    before = state()
    with pytest.raises(DomainError) as err:
        import_geojson(data, ImportOptions())
    assert [(p.field, p.code) for p in err.value.problems] == [("crs", "projected")]
    assert "EPSG:4326" in err.value.problems[0].message
    assert state() == before


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}},
        {"type": "name", "properties": {"name": "EPSG:4490"}},  # CGCS2000
        {"type": "EPSG", "properties": {"code": 4326}},
    ],
)
def test_a_lonlat_crs_member_is_accepted(district, crs):
    report = import_geojson({**streets(), "crs": crs}, ImportOptions())
    assert sorted(report.created) == ["330103001", "330103002"]


# -- dry run -----------------------------------------------------------------------------------
def test_a_dry_run_reports_what_the_import_would_do_and_writes_nothing(district, fresh_index):
    spatial_index.get_index()  # built now; a dry run must not make it stale
    before = state()
    preview = import_geojson(streets(), ImportOptions(dry_run=True))
    assert state() == before
    assert preview.dry_run and preview.batch_id is None
    assert sorted(preview.created) == ["330103001", "330103002"]
    assert preview.sample == [("330103001", "西", 2, "330103"), ("330103002", "东", 2, "330103")]

    real = import_geojson(streets(), ImportOptions())
    assert (real.created, real.warnings, real.sample) == (
        preview.created,
        preview.warnings,
        preview.sample,
    )
    assert real.batch_id is not None and not real.dry_run


def test_a_refused_dry_run_is_refused_like_the_import(district):
    bad = collection(feature("330103001", "", rect(0, 0, 0.01, 0.02)))
    with pytest.raises(DomainError):
        import_geojson(bad, ImportOptions(dry_run=True))


# -- warnings: new roots, codes that do not fit the levels ----------------------------------
def test_features_becoming_roots_beside_an_existing_tree_are_warned_about(district):
    orphans = collection(
        feature("440301", "甲", rect(0.05, 0, 0.01, 0.01)),
        feature("440302", "乙", rect(0.06, 0, 0.01, 0.01)),
    )
    report = import_geojson(orphans, ImportOptions(dry_run=True))
    [warning] = [w for w in report.warnings if w.code == "new_roots"]
    assert "2 areas" in warning.message and "1 already" in warning.message
    assert "440301" in warning.message and "--parent-code" in warning.message


def test_the_first_roots_of_an_empty_tree_are_no_warning(db):
    report = import_geojson(
        collection(feature("330103", "区", rect(0, 0, 0.02, 0.02))), ImportOptions()
    )
    assert report.created == ["330103"] and report.warnings == []


def test_codes_that_do_not_fit_the_configured_digits_are_warned_about(district):
    data = collection(
        feature("330103-1", "西", rect(0, 0, 0.01, 0.02)),
        feature("330103-2", "东", rect(0.01, 0, 0.01, 0.02)),
    )
    report = import_geojson(data, ImportOptions())
    [warning] = [w for w in report.warnings if w.code == "code_digits"]
    assert "2 codes" in warning.message and "330103-1 at level 2" in warning.message
    assert "3 characters" in warning.message
    # Renumbered, the same file fits.
    report = import_geojson(data, ImportOptions(parent_code="330103", renumber=True))
    assert not [w for w in report.warnings if w.code == "code_digits"]


# -- a parent at the deepest level -------------------------------------------------------------
@pytest.mark.parametrize("renumber", [True, False])
def test_a_parent_at_the_deepest_level_is_refused_cleanly(db, renumber):
    make_tree(split=1)
    deepest = Area.objects.get(level=5)
    before = state()
    data = collection(feature("X1", "甲", rect(0, 0, 0.01, 0.01)))
    with pytest.raises(DomainError) as err:
        import_geojson(data, ImportOptions(parent_code=deepest.code, renumber=renumber))
    [problem] = err.value.problems
    assert problem.code == "deepest_level" and problem.field == "parent_code"
    assert deepest.code in problem.message
    assert state() == before
    with pytest.raises(DomainError) as err:
        services.next_child_code(deepest)
    assert err.value.problems[0].code == "deepest_level"


# -- undo --------------------------------------------------------------------------------------
def test_undo_removes_the_batchs_areas_and_rebuilds_the_index(district, fresh_index):
    stamp = version()
    report = import_geojson(streets(), ImportOptions(), file_name="streets.geojson")
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.file_name, batch.created_count, batch.updated_count) == ("streets.geojson", 2, 0)
    assert set(batch.areas.values_list("code", flat=True)) == {"330103001", "330103002"}
    point = (ORIGIN[0] + 0.005, ORIGIN[1] + 0.005)
    assert spatial_index.get_index().locate(*point).chain[0].code == "330103001"

    result = batches.undo(batch.pk)
    assert (result.removed, result.kept_updated) == (2, 0)
    assert list(Area.objects.values_list("code", flat=True)) == ["330103"]
    assert version() > stamp + 1
    assert spatial_index.get_index().locate(*point).chain[0].code == "330103"
    batch.refresh_from_db()
    assert batch.undone_at is not None
    with pytest.raises(DomainError) as err:
        batches.undo(batch.pk)
    assert err.value.problems[0].code == "already_undone"
    with pytest.raises(DomainError) as err:
        batches.undo(batch.pk + 100)
    assert err.value.problems[0].code == "not_found"


def test_an_unchanged_reimport_records_no_batch(district):
    import_geojson(streets(), ImportOptions())
    again = import_geojson(streets(), ImportOptions())
    assert again.batch_id is None and ImportBatch.objects.count() == 1


def _refused_undo(batch_id: int) -> list[str]:
    before = state()
    with pytest.raises(DomainError) as err:
        batches.undo(batch_id)
    assert state() == before
    return sorted(p.item for p in err.value.problems if p.code == "referenced")


def test_undo_is_refused_while_anything_refers_to_the_areas(district):
    batch_id = import_geojson(streets(), ImportOptions()).batch_id
    assert batch_id is not None
    street = Area.objects.get(code="330103002")
    worker_post = post(make_user(), street)
    department = Department.objects.create(code="cg", name="城管")
    department.areas.add(street)
    assert _refused_undo(batch_id) == ["accounts.Post.area", "events.Department.areas"]

    worker_post.delete()
    department.areas.clear()
    # Children from a later import refer to the streets too.
    grid = collection(feature("330103002001", "格", rect(0.01, 0, 0.005, 0.005)))
    later = import_geojson(grid, ImportOptions()).batch_id
    assert _refused_undo(batch_id) == ["regions.Area.parent"]

    batches.undo(later)  # the later batch first, then this one
    assert batches.undo(batch_id).removed == 2


def test_undo_is_refused_while_an_event_is_filed_under_an_area(district):
    from tests.factories import reseed
    from wangge.events import workflow
    from wangge.events.models import Category

    reseed()
    batch_id = import_geojson(streets(), ImportOptions()).batch_id
    assert batch_id is not None
    worker = make_user()
    street = Area.objects.get(code="330103001")
    post(worker, street)
    workflow.event_report(
        actor=worker, title="路边暴露垃圾", category=Category.objects.get(code="0102"), area=street
    )
    assert "events.Event.area" in _refused_undo(batch_id)


# -- dissolve ------------------------------------------------------------------------------
def test_dissolving_builds_the_parent_level_from_the_children(district):
    data = collection(
        feature("330103001001", "甲", rect(0, 0, 0.01, 0.01), street="330103001", sn="西街道"),
        feature("330103001002", "乙", rect(0, 0.01, 0.01, 0.01), street="330103001", sn="西街道"),
        feature("330103002001", "丙", rect(0.01, 0, 0.01, 0.02), street="330103002", sn="东街道"),
    )
    options = ImportOptions(dissolve_by="street", dissolve_name_field="sn")
    report = import_geojson(data, options)
    assert sorted(report.created) == [
        "330103001",
        "330103001001",
        "330103001002",
        "330103002",
        "330103002001",
    ]
    west = Area.objects.get(code="330103001")
    assert (west.name, west.level, west.parent.code) == ("西街道", 2, "330103")
    expected = shape(rect(0, 0, 0.01, 0.02))
    assert geometry.from_geojson(west.geometry).symmetric_difference(expected).area < 1e-12
    assert Area.objects.get(code="330103001002").parent == west
    assert not import_geojson(data, options).changed


def test_dissolving_refuses_features_without_the_property(district):
    data = collection(
        feature("330103001001", "甲", rect(0, 0, 0.01, 0.01), street="330103001"),
        feature("330103001002", "乙", rect(0, 0.01, 0.01, 0.01)),
    )
    before = state()
    with pytest.raises(DomainError) as err:
        import_geojson(data, ImportOptions(dissolve_by="street"))
    assert [(p.item, p.field) for p in err.value.problems] == [("feature 2", "street")]
    assert state() == before


def test_the_real_communities_dissolve_into_their_streets(db):
    source = shared_data("cn_grid_hangzhou_xiacheng")
    import_file(
        source / "district_boundary.geojson",
        ImportOptions(code_field="adcode_2019", name_field="区"),
    )
    options = ImportOptions(
        code_field="社区编码",
        name_field="社区",
        parent_code="330103",
        renumber=True,
        dissolve_by="街道编码",
        dissolve_name_field="街道",
    )
    import_file(source / "communities.geojson", options)
    features = json.loads(Path(source / "communities.geojson").read_text("utf-8"))["features"]
    street_codes = {f["properties"]["街道编码"] for f in features}
    streets_made = Area.objects.filter(level=2)
    assert sorted(streets_made.values_list("source_code", flat=True)) == sorted(street_codes)
    assert Area.objects.filter(level=3).count() == 75
    for street in streets_made:
        children = [geometry.from_geojson(c.geometry) for c in street.children.all()]
        assert street.area_m2 == pytest.approx(geometry.area_m2(geometry.union(children)))
        assert all(c.code.startswith(street.code) for c in street.children.all())


def test_the_back_office_lists_batches_and_undoes_the_ones_nothing_refers_to(
    district, admin_client
):
    first = import_geojson(streets(), ImportOptions(), file_name="streets.geojson").batch_id
    grid = collection(feature("330103002001", "格", rect(0.01, 0, 0.005, 0.005)))
    second = import_geojson(grid, ImportOptions(), file_name="grids.geojson").batch_id
    page = admin_client.get("/admin/regions/importbatch/").content.decode()
    assert "streets.geojson" in page and "grids.geojson" in page
    post(make_user(), Area.objects.get(code="330103001"))
    response = admin_client.post(
        "/admin/regions/importbatch/",
        {"action": "undo_batches", "_selected_action": [first, second]},
        follow=True,
    )
    assert response.status_code == 200
    # The later batch goes; the first is refused, a post refers to one of its streets.
    assert ImportBatch.objects.get(pk=second).undone_at is not None
    assert ImportBatch.objects.get(pk=first).undone_at is None
    assert sorted(Area.objects.values_list("code", flat=True)) == [
        "330103",
        "330103001",
        "330103002",
    ]
    assert "accounts.Post.area" in response.content.decode()


@pytest.mark.parametrize(
    ("props", "field", "code"),
    [
        ({"code": "3301030019" * 5}, "code", "invalid_text"),  # longer than a code holds
        ({"name": "街道\x00"}, "name", "invalid_text"),
        ({"name": "街\ud800道"}, "name", "invalid_text"),
        ({"code": {"not": "a code"}}, "code", "invalid_text"),  # not text
    ],
)
def test_codes_and_names_the_tree_cannot_store_are_refused_by_feature(district, props, field, code):
    """Found by tests/test_fuzz_imports.py: a 41-character code reached PostgreSQL (500)."""
    street = feature("330103009", "新街道", rect(0.0, 0.0, 0.01, 0.01))
    street["properties"].update(props)
    before = Area.objects.count()
    with pytest.raises(DomainError) as refused:
        import_geojson(collection(street), ImportOptions())
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == (field, code)
    assert problem.item
    assert Area.objects.count() == before
