"""Small hand-made area trees for tests: squares in a local grid of degrees."""

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import MultiPolygon, box

from wangge.accounts import services as account_services
from wangge.accounts.models import Post
from wangge.regions import services, spatial_index
from wangge.regions.models import Area

ORIGIN = (120.10, 30.20)  # somewhere in Hangzhou
_serial = count(1)


def square(x0: float, y0: float, size: float) -> MultiPolygon:
    """A square of `size` degrees whose south-west corner is ORIGIN + (x0, y0)."""
    lon, lat = ORIGIN[0] + x0, ORIGIN[1] + y0
    return MultiPolygon([box(lon, lat, lon + size, lat + size)])


def make_tree(split: int = 2) -> dict[str, Area]:
    """A five-level tree over a 0.08° square: each area split into split×split children.

    Returns areas by code; the district is "330103". The first tree of a shape in a process
    is built through the service, area by area; later ones copy its rows level by level
    (341 areas: ~0.1 s instead of 1.5-4 s), with one version bump like a bulk import.

    This process then forgets its point-location index: a test's tree is rolled back with
    its version bump, so the next test's tree carries the same version stamp as the index
    an earlier test built from other area ids.
    """
    spatial_index.invalidate()
    key = (split, str(settings.WANGGE_LEVELS))
    rows = _tree_rows.get(key)
    if rows is None:
        areas = _grow_tree(split)
        _tree_rows[key] = [_row(area) for area in areas.values()]
        return areas
    return _copy_tree(rows)


# Rows of the trees built so far, parents first: the Area's own values and its parent's code.
_tree_rows: dict[tuple[int, str], list[tuple[str | None, dict[str, Any]]]] = {}
# Set afresh on every copy (pk, time stamps) or rebuilt from the parent (the foreign key).
_FRESH = {"id", "parent", "created_at", "updated_at", "valid_from"}


def _row(area: Area) -> tuple[str | None, dict[str, Any]]:
    values = {
        f.attname: getattr(area, f.attname)
        for f in Area._meta.concrete_fields
        if f.name not in _FRESH
    }
    return (area.parent.code if area.parent else None), values


def _copy_tree(rows: list[tuple[str | None, dict[str, Any]]]) -> dict[str, Area]:
    areas: dict[str, Area] = {}
    today = timezone.localdate()
    for level in sorted({values["level"] for _parent, values in rows}):
        batch = [
            Area(**values, parent=areas[parent] if parent else None, valid_from=today)
            for parent, values in rows
            if values["level"] == level
        ]
        for area in Area.objects.bulk_create(batch):
            areas[area.code] = area
    services.tree_changed()
    return {values["code"]: areas[values["code"]] for _parent, values in rows}


def _grow_tree(split: int) -> dict[str, Area]:
    areas: dict[str, Area] = {}

    def grow(parent: Area | None, x0: float, y0: float, size: float, level: int) -> None:
        if level == 1:
            area = services.area_create(code="330103", name="测试区", geom=square(x0, y0, size))
        else:
            assert parent is not None
            area = services.area_create(
                name=f"{parent.name}-{len(areas)}", parent=parent, geom=square(x0, y0, size)
            )
        areas[area.code] = area
        if level < 5:
            step = size / split
            for i in range(split):
                for j in range(split):
                    grow(area, x0 + i * step, y0 + j * step, step, level + 1)

    grow(None, 0, 0, 0.08, 1)
    return areas


def make_user(username: str | None = None, **extra: Any) -> Any:
    name = username or f"user{next(_serial)}"
    return get_user_model().objects.create_user(name, password="pw-Wangge-2026", **extra)


def post(user: Any, area: Area, role: str = "full_time") -> Post:
    return account_services.post_assign(user=user, area=area, role=role)


class _AppsNow:
    """The app registry as a migration's seed asks it, for models that moved app since
    (the audit head: people then, accounts now)."""

    moved = {("people", "AuditHead"): ("accounts", "AuditHead")}

    def get_model(self, app_label: str, name: str) -> Any:
        from django.apps import apps

        return apps.get_model(*self.moved.get((app_label, name), (app_label, name)))


def reseed() -> None:
    """Install whatever seed data the migrations made and a flush took away."""
    import importlib

    from django.apps import apps

    from wangge.events.catalogue import catalogue_install
    from wangge.events.models import Category
    from wangge.intake.models import Channel
    from wangge.intake.services import install_builtin_channels
    from wangge.people.models import TagKind

    if not Category.objects.exists():
        catalogue_install()
    if not Channel.objects.exists():
        install_builtin_channels()
    if not TagKind.objects.exists():
        seed = importlib.import_module("wangge.people.migrations.0002_tag_kinds").seed
        seed(_AppsNow(), None)
    from wangge.fieldwork.attend import services as attend
    from wangge.fieldwork.models import AttendRule, VisitRule
    from wangge.fieldwork.visits import rules as visit_rules

    if not VisitRule.objects.exists():
        visit_rules.install_defaults()
    if not AttendRule.objects.exists():
        attend.install_defaults()
    from wangge.stats.assessment.models import Indicator

    if not Indicator.objects.exists():  # the indicators the data migrations ship
        for name in ("0002_default_indicators", "0005_sign_on_time", "0007_worker_indicators"):
            module = importlib.import_module(f"wangge.stats.assessment.migrations.{name}")
            module.forward(apps, None)
        due = importlib.import_module(
            "wangge.stats.assessment.migrations.0008_assess_calc_due_and_orders"
        )
        due._set(apps, due.NEW)


@contextmanager
def shared_world(django_db_blocker: Any) -> Iterator[None]:
    """Data built once for a module (or package) and taken back at its end: a transaction
    rolled back, in which each test's own (pytest-django's `db`) is a savepoint, so every
    test starts from the world as built. Not for modules with transactional tests.

        @pytest.fixture(scope="module")
        def world(django_db_setup, django_db_blocker):
            with shared_world(django_db_blocker):
                yield make_world()
    """
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        reseed()  # a transactional test before may have flushed the seed data
        spatial_index.invalidate()  # another module's index may carry stale area ids
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            spatial_index.invalidate()
