"""One scope and one Actor (issue 13): "the areas this actor sees" is written once, in
`wangge.accounts.scope`, and every app asks it; the system is a named actor, and a missing
actor is refused instead of skipping a check."""

import ast
from pathlib import Path

import pytest

import wangge
from tests.factories import make_tree, make_user, post
from wangge.accounts import scope
from wangge.accounts.actors import ANONYMOUS, SYSTEM, author, needs_check, require_actor
from wangge.errors import DomainError
from wangge.people.models import Building
from wangge.people.places import services as place_services
from wangge.regions import scope as region_scope

SRC = Path(wangge.__file__).resolve().parent
GRID_A, GRID_B = "330103001001001", "330103002001001"
# The scope's functions: defined in accounts/scope.py only (regions/scope.py holds the value
# type and asks accounts through `scope_of`).
SCOPE_FUNCTIONS = {
    "visible_paths",
    "path_q",
    "area_q",
    "scope_q",
    "can_see",
    "live_posts",
    "posts_over",
    "scope_of",
}
HOMES = {"wangge/accounts/scope.py", "wangge/regions/scope.py"}


def test_the_scope_is_written_once():
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).as_posix()
        if "migrations" in path.parts or rel in HOMES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{rel}: {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.lstrip("_") in SCOPE_FUNCTIONS
        ]
    assert found == []
    assert not (SRC / "regions" / "posts.py").exists()


@pytest.mark.django_db
def test_scope_of_each_kind_of_actor():
    tree = make_tree()
    worker = make_user("w")
    post(worker, tree[GRID_A])
    admin = make_user("a", is_superuser=True)
    assert scope.scope_of(SYSTEM).whole
    assert scope.scope_of(admin).whole
    assert scope.scope_of(ANONYMOUS).paths == ()
    seen = scope.scope_of(worker)
    assert seen.paths == (tree[GRID_A].path,)
    assert seen.sees(tree[GRID_A]) and not seen.sees(tree[GRID_B])
    # The area tree's own reads ask the same function (handed over when accounts loads).
    assert region_scope.scope_of(worker) == seen
    worker.is_active = False
    assert scope.scope_of(worker).paths == ()


def test_a_missing_actor_is_refused_not_skipped():
    with pytest.raises(TypeError):
        require_actor(None)
    with pytest.raises(TypeError):
        needs_check(None)
    assert needs_check(ANONYMOUS) and not needs_check(SYSTEM)
    assert author(SYSTEM) is None and author(ANONYMOUS) is None


@pytest.mark.django_db
def test_services_check_scope_for_every_actor_and_refuse_none():
    tree = make_tree()
    worker = make_user("w")
    post(worker, tree[GRID_A])
    where = {"area": tree[GRID_B]}  # by area: no process-wide spatial index involved
    with pytest.raises(TypeError):
        place_services.building_save(actor=None, code="B-1", name="1幢", address="1号", **where)
    with pytest.raises(DomainError) as refused:
        place_services.building_save(actor=worker, code="B-1", name="1幢", address="1号", **where)
    assert refused.value.status == 403
    place_services.building_save(actor=SYSTEM, code="B-1", name="1幢", address="1号", **where)
    assert Building.objects.filter(code="B-1").exists()
