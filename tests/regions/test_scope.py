"""A post gives sight of its area's subtree, and nothing else."""

import pytest
from django.utils import timezone

from tests.factories import make_tree, make_user, post
from wangge.accounts import selectors as account_selectors
from wangge.errors import DomainError
from wangge.regions import selectors
from wangge.regions.models import Area

pytestmark = pytest.mark.django_db


def test_post_gives_sight_of_the_subtree_only():
    areas = make_tree()
    worker = make_user()
    post(worker, areas["330103002001"])
    seen = set(selectors.area_list(user=worker).values_list("code", flat=True))
    assert seen == set(
        Area.objects.live().subtree(areas["330103002001"]).values_list("code", flat=True)
    )
    assert len(seen) == 1 + 4 + 16
    with pytest.raises(DomainError) as refused:
        selectors.area_get(user=worker, code="330103001")
    assert refused.value.status == 404
    assert selectors.area_get(user=worker, code="330103002001003") is not None


def test_several_posts_add_up_and_ended_posts_count_for_nothing():
    areas = make_tree()
    worker = make_user()
    post(worker, areas["330103001001"])
    later = post(worker, areas["330103004"])
    assert selectors.area_list(user=worker).count() == 21 + 85
    later.ended_on = timezone.localdate()
    later.save()
    assert selectors.area_list(user=worker).count() == 21


def test_no_post_sees_nothing_and_superuser_sees_all():
    make_tree()
    assert selectors.area_list(user=make_user()).count() == 0
    admin = make_user(is_superuser=True)
    assert selectors.area_list(user=admin).count() == Area.objects.count()


def test_roster_lists_grids_lacking_a_leader_or_full_time_worker():
    areas = make_tree()
    operator = make_user()
    post(operator, areas["330103"], role="operator")
    grids = list(Area.objects.filter(level=4).order_by("code"))
    for grid in grids[1:]:
        post(make_user(), grid, role="grid_leader")
        post(make_user(), grid, role="full_time")
    post(make_user(), grids[0], role="grid_leader")  # no full-time worker here
    rows = account_selectors.incomplete_grids(user=operator)
    assert [r["area"].code for r in rows] == [grids[0].code]
    assert rows[0]["leaders"] == 1 and rows[0]["full_time"] == 0
    # A worker of another street sees none of those gaps.
    other = make_user()
    post(other, areas["330103004"])
    assert all(
        r["area"].code.startswith("330103004")
        for r in account_selectors.incomplete_grids(user=other)
    )
