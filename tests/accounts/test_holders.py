"""Who holds posts over an area (who to notify) and under it (a notice's recipients): one
query in accounts, run by events and by notices."""

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_tree, make_user, post
from wangge.accounts.selectors import holder_ids_nearest, holders_sql
from wangge.events import access

pytestmark = pytest.mark.django_db

STREET, GRID, MICRO = "330103001", "330103001001001", "330103001001001001"


def _under(paths: list[str], roles: tuple[str, ...]) -> set[int]:
    sql, params = holders_sql(
        columns="DISTINCT p.user_id", roles=roles, day=timezone.localdate(), under_paths=paths
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {user_id for (user_id,) in cursor.fetchall()}


def test_over_an_area_the_nearest_level_holding_the_roles_answers():
    areas = make_tree()
    street_op, grid_leader, grid_worker = make_user(), make_user(), make_user()
    post(street_op, areas[STREET], "operator")
    post(grid_leader, areas[GRID], "grid_leader")
    post(grid_worker, areas[GRID], "full_time")
    post(grid_worker, areas[GRID], "grid_leader")  # two posts, one id
    gone = make_user(is_active=False)
    post(gone, areas[MICRO], "grid_leader")  # nearer, but deactivated
    ended = post(make_user(), areas[MICRO], "full_time")
    ended.ended_on = timezone.localdate()
    ended.save(update_fields=["ended_on"])  # ends today: no longer in force

    grid_roles = ("grid_leader", "full_time")
    expected = [grid_leader.pk, grid_worker.pk]
    assert sorted(holder_ids_nearest(areas[MICRO], grid_roles)) == expected
    # events runs the same query (as a prepared statement) and gets the same answer.
    assert sorted(access.holder_ids_nearest(areas[MICRO], grid_roles)) == expected
    assert holder_ids_nearest(areas[MICRO], ("operator",)) == [street_op.pk]
    assert holder_ids_nearest(areas["330103002"], grid_roles) == []


def test_under_areas_the_live_posts_in_their_subtrees():
    areas = make_tree()
    in_grid, in_other_street, street_op = make_user(), make_user(), make_user()
    post(in_grid, areas[MICRO], "liaison")
    post(in_other_street, areas["330103002001001"], "liaison")
    post(street_op, areas[STREET], "operator")
    assert _under([areas[STREET].path], ("liaison",)) == {in_grid.pk}
    assert _under([areas[STREET].path], ("liaison", "operator")) == {in_grid.pk, street_op.pk}
    assert _under([areas["330103"].path], ("liaison",)) == {in_grid.pk, in_other_street.pk}
    # A path's wildcard is a plain character: "_" matches no other code.
    assert _under(["/3301_3/"], ("liaison",)) == set()


def test_nothing_to_ask_is_refused_not_sent_as_broken_sql():
    with pytest.raises(ValueError):
        holders_sql(columns="p.id", roles=(), day=timezone.localdate(), at_paths=["/1/"])
    with pytest.raises(ValueError):
        holders_sql(columns="p.id", roles=("x",), day=timezone.localdate())
