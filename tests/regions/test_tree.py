"""Tree rules: codes extend parents, levels follow parents, live codes are unique."""

import pytest

from tests.factories import make_tree, square
from wangge.errors import DomainError
from wangge.regions import services
from wangge.regions.models import Area, AreaTreeVersion

pytestmark = pytest.mark.django_db


def test_children_get_hierarchical_codes_and_paths():
    district = services.area_create(code="330103", name="下城区")
    street = services.area_create(name="天水街道", parent=district)
    community = services.area_create(name="胭脂新村社区", parent=street)
    assert street.code == "330103001"
    assert community.code == "330103001001"
    assert community.level == 3
    assert community.path == "/330103/330103001/330103001001/"
    assert services.area_create(name="第二个", parent=street).code == "330103001002"


def test_child_code_must_extend_parent_code():
    district = services.area_create(code="330103", name="下城区")
    with pytest.raises(DomainError) as err:
        services.area_create(code="330104001", name="错", parent=district)
    assert err.value.problems[0].field == "code"
    assert err.value.problems[0].code == "code_not_extending_parent"
    assert Area.objects.count() == 1


def test_level_must_be_parent_plus_one():
    district = services.area_create(code="330103", name="下城区")
    with pytest.raises(DomainError) as err:
        services.area_create(code="330103001", name="错", parent=district, level=3)
    assert err.value.problems[0].field == "level"
    with pytest.raises(DomainError):
        services.area_create(code="330104", name="无上级", level=2)


def test_live_codes_are_unique_but_ended_codes_may_return():
    district = services.area_create(code="330103", name="下城区")
    street = services.area_create(code="330103001", name="旧街道", parent=district)
    with pytest.raises(DomainError) as err:
        services.area_create(code="330103001", name="重复", parent=district)
    assert err.value.problems[0].code == "duplicate_code"
    services.area_end(area=street)
    again = services.area_create(code="330103001", name="新街道", parent=district)
    assert again.is_live
    assert Area.objects.filter(code="330103001").count() == 2


def test_ending_an_area_ends_its_subtree_and_posts_but_deletes_nothing():
    from tests.factories import make_user, post

    areas = make_tree()
    street = areas["330103001"]
    worker = make_user()
    grid = Area.objects.get(code="330103001001001")
    p = post(worker, grid)
    before = Area.objects.count()
    ended = services.area_end(area=street)
    assert ended == 1 + 4 + 16 + 64
    assert Area.objects.count() == before
    assert not Area.objects.live().subtree(street).exists()
    p.refresh_from_db()
    assert p.ended_on is not None
    with pytest.raises(DomainError):
        services.area_end(area=Area.objects.get(pk=street.pk))


def test_subtree_is_a_prefix_match_on_the_path():
    areas = make_tree()
    street = areas["330103002"]
    subtree = set(Area.objects.live().subtree(street).values_list("code", flat=True))
    assert len(subtree) == 1 + 4 + 16 + 64
    assert all(code.startswith("330103002") for code in subtree)
    assert "330103001" not in subtree


def test_every_tree_change_bumps_the_version_stamp():
    district = services.area_create(code="330103", name="下城区", geom=square(0, 0, 0.1))
    v1 = AreaTreeVersion.objects.get().version
    services.area_update(area=district, name="下城区（新）")
    assert AreaTreeVersion.objects.get().version == v1 + 1


def test_geometry_derivatives_are_stored():
    area = services.area_create(code="330103", name="区", geom=square(0, 0, 0.01))
    assert area.min_lon == pytest.approx(120.10)
    assert area.max_lat == pytest.approx(30.21)
    assert area.centroid_lon == pytest.approx(120.105)
    # 0.01° × 0.01° at 30.2°N ≈ 1113 m × 962 m
    assert area.area_m2 == pytest.approx(1.07e6, rel=0.01)
