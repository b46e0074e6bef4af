"""The permission matrix (issue 13): one table of what each role may do, every role × action
decided, the apps' role lists read from it, README.md showing it, and `may` answering it for
real users (posts at an area, the auditor group, a superuser, the system)."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from tests.factories import make_tree
from wangge.accounts import permissions
from wangge.accounts.actors import ANONYMOUS, SYSTEM
from wangge.accounts.models import Post, Role
from wangge.accounts.permissions import ADMIN, AUDITOR, COLUMNS, MATRIX, Action, may, roles_for
from wangge.events import access as event_access
from wangge.fieldwork.patrols import selectors as patrol_selectors
from wangge.notices import services as notices
from wangge.people import access as people_access
from wangge.staff import grants

GRID_A, GRID_B = "330103001001001", "330103002001001"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_role_and_every_action_has_a_cell():
    assert set(COLUMNS) == {*Role.values, AUDITOR, ADMIN}
    assert set(MATRIX) == set(Action)
    for action, row in MATRIX.items():
        assert set(row) == set(COLUMNS), action
        assert all(isinstance(cell, bool) for cell in row.values()), action
    for action in Action:
        assert str(permissions.LABELS[action]), action


def test_the_leader_sees_and_acts_on_nothing_and_the_auditor_only_reads_the_log():
    assert [a for a in Action if MATRIX[a][Role.LEADER]] == [Action.SEE]
    assert [a for a in Action if MATRIX[a][AUDITOR]] == [Action.READ_AUDIT]


def test_the_apps_take_their_role_lists_from_the_matrix():
    assert roles_for(Action.HANDLE_AT_GRID) == event_access.GRID_ROLES
    assert roles_for(Action.RUN_CENTRE) == event_access.CENTRE_ROLES
    assert roles_for(Action.REVEAL) == people_access.REVEAL_ROLES
    assert roles_for(Action.PATROL) == patrol_selectors.PATROL_ROLES
    assert roles_for(Action.SEND_NOTICES) == notices.SENDER_ROLES
    assert roles_for(Action.MANAGE_STAFF) == grants.MANAGER_ROLES
    assert people_access.AUDITOR_GROUP == AUDITOR


def test_readme_shows_the_matrix():
    assert permissions.matrix_markdown() in README.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_may_answers_the_matrix_for_each_column():
    tree = make_tree()
    district, grid_a, grid_b = tree["330103"], tree[GRID_A], tree[GRID_B]
    holders = {}
    for role in Role.values:
        user = User.objects.create_user(f"u-{role}")
        Post.objects.create(user=user, area=grid_a, role=role)
        holders[role] = user
    auditor = User.objects.create_user("u-auditor")
    auditor.groups.add(Group.objects.get(name=AUDITOR))
    holders[AUDITOR] = User.objects.get(pk=auditor.pk)  # no cached permissions
    holders[ADMIN] = User.objects.create_superuser("u-admin")

    for action in Action:
        for column, user in holders.items():
            expected = MATRIX[action][column]
            assert may(user, action, grid_a) is expected, (action, column)
            # A post's rights stop at its area: nothing over a sibling grid nor above it.
            outside = expected and column in (AUDITOR, ADMIN)
            assert may(user, action, grid_b) is outside, (action, column, "grid_b")
            assert may(user, action, district) is outside, (action, column, "district")
        assert may(SYSTEM, action, grid_a) is False
        assert may(ANONYMOUS, action, grid_a) is False


@pytest.mark.django_db
def test_an_ended_post_and_a_deactivated_user_give_nothing():
    tree = make_tree()
    user = User.objects.create_user("ops")
    post = Post.objects.create(user=user, area=tree[GRID_A], role=Role.OPERATOR)
    assert may(user, Action.RUN_CENTRE, tree[GRID_A])
    post.ended_on = post.started_on
    post.save()
    assert not may(user, Action.RUN_CENTRE, tree[GRID_A])
    post.ended_on = None
    post.save()
    user.is_active = False
    user.save()
    assert not may(user, Action.RUN_CENTRE, tree[GRID_A])
