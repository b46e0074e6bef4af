"""Small hand-made area trees for tests: squares in a local grid of degrees."""

from itertools import count
from typing import Any

from django.contrib.auth import get_user_model
from shapely.geometry import MultiPolygon, box

from wangge.regions import services
from wangge.regions.models import Area, Post

ORIGIN = (120.10, 30.20)  # somewhere in Hangzhou
_serial = count(1)


def square(x0: float, y0: float, size: float) -> MultiPolygon:
    """A square of `size` degrees whose south-west corner is ORIGIN + (x0, y0)."""
    lon, lat = ORIGIN[0] + x0, ORIGIN[1] + y0
    return MultiPolygon([box(lon, lat, lon + size, lat + size)])


def make_tree(split: int = 2) -> dict[str, Area]:
    """A five-level tree over a 0.08° square: each area split into split×split children.

    Returns areas by code; the district is "330103".
    """
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
    return services.post_assign(user=user, area=area, role=role)


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
        importlib.import_module("wangge.people.migrations.0002_tag_kinds").seed(apps, None)
    from wangge.fieldwork import attend, visits
    from wangge.fieldwork.models import AttendRule, VisitRule

    if not VisitRule.objects.exists():
        visits.install_defaults()
    if not AttendRule.objects.exists():
        attend.install_defaults()
