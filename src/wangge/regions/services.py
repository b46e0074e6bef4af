"""Every write to the area tree goes through these functions (posts: `accounts.services`)."""

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon

from wangge.errors import DomainError
from wangge.regions import geometry, hooks, levels, spatial_index
from wangge.regions.models import Area, AreaTreeVersion


def tree_changed() -> None:
    """Bump the tree's version stamp; every process rebuilds its index on its next check."""
    updated = AreaTreeVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        AreaTreeVersion.objects.create(pk=1, version=1)
    transaction.on_commit(spatial_index.invalidate)


def set_geometry(area: Area, geom: MultiPolygon | None) -> None:
    """Store geom on area with its derived centroid, bounding box and area (not saved)."""
    if geom is None or geom.is_empty:
        area.geometry = ""
        area.centroid_lon = area.centroid_lat = None
        area.min_lon = area.min_lat = area.max_lon = area.max_lat = None
        area.area_m2 = None
        return
    area.geometry = geometry.to_geojson(geom)
    centroid = geom.centroid
    area.centroid_lon, area.centroid_lat = centroid.x, centroid.y
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = geom.bounds
    area.area_m2 = geometry.area_m2(geom)


def check_placement(
    *, code: str, level: int, parent: Area | None, exclude_id: int | None = None
) -> None:
    """The tree rules: level = parent + 1, a child's code extends its parent's; live codes
    are unique."""
    if not code:
        raise DomainError.one(_("A code is required."), field="code", code="required")
    if level < 1 or level > levels.depth():
        raise DomainError.one(
            _("Level %(level)s is outside the configured 1–%(depth)s.")
            % {"level": level, "depth": levels.depth()},
            field="level",
        )
    if parent is None and level != 1:
        raise DomainError.one(
            _("An area of level %(level)s needs a parent.") % {"level": level}, field="parent"
        )
    if parent is not None:
        if not parent.is_live:
            raise DomainError.one(_("The parent area has ended."), field="parent")
        if level != parent.level + 1:
            raise DomainError.one(
                _("Level must be the parent's level plus one (%(level)s).")
                % {"level": parent.level + 1},
                field="level",
            )
        if not code.startswith(parent.code) or len(code) <= len(parent.code):
            raise DomainError.one(
                _("Code %(code)s does not extend its parent's code %(parent)s.")
                % {"code": code, "parent": parent.code},
                field="code",
                code="code_not_extending_parent",
            )
    clash = Area.objects.live().filter(code=code)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise DomainError.one(
            _("Code %(code)s is already used by a live area.") % {"code": code},
            field="code",
            code="duplicate_code",
        )


@transaction.atomic
def area_create(
    *,
    name: str,
    parent: Area | None = None,
    code: str | None = None,
    level: int | None = None,
    geom: MultiPolygon | None = None,
    source_code: str = "",
    valid_from: date | None = None,
) -> Area:
    level = level or (parent.level + 1 if parent else 1)
    if code is None:
        if parent is None:
            raise DomainError.one(_("A top-level area needs a code."), field="code")
        code = next_child_code(parent)
    check_placement(code=code, level=level, parent=parent)
    area = Area(
        code=code,
        name=name.strip(),
        level=level,
        parent=parent,
        path=(parent.path if parent else "/") + code + "/",
        source_code=source_code,
        valid_from=valid_from or timezone.localdate(),
    )
    set_geometry(area, geom)
    area.save()
    tree_changed()
    return area


def next_child_code(parent: Area) -> str:
    return _next_child_codes(parent, 1)[0]


def _next_child_codes(parent: Area, count: int) -> list[str]:
    """Codes for `count` new children: serials after the highest one ever used under the
    parent (ended children included, so a code never comes back to mean another area)."""
    level = parent.level + 1
    if level > levels.depth():
        raise DomainError.one(
            _("Area %(code)s is at the deepest configured level: it cannot have children.")
            % {"code": parent.code},
            field="parent",
            code="deepest_level",
        )
    digits = levels.levels()[level - 1].digits
    used = [
        int(code[len(parent.code) :])
        for code in Area.objects.filter(parent=parent).values_list("code", flat=True)
        if code[len(parent.code) :].isdigit() and len(code) == len(parent.code) + digits
    ]
    start = max(used, default=0) + 1
    try:
        return [levels.child_code(parent.code, level, n) for n in range(start, start + count)]
    except ValueError as exc:
        raise DomainError.one(
            _("No free code left under %(code)s.") % {"code": parent.code}, field="code"
        ) from exc


@transaction.atomic
def area_create_children(
    *, parent: Area, children: list[tuple[str, MultiPolygon | None]]
) -> list[Area]:
    """Create many children of one parent at once (e.g. a grid split into micro-grids),
    numbered in the given order; one version bump for all of them."""
    if not parent.is_live:
        raise DomainError.one(_("The parent area has ended."), field="parent")
    if parent.level + 1 > levels.depth():
        raise DomainError.one(
            _("Level %(level)s is outside the configured 1–%(depth)s.")
            % {"level": parent.level + 1, "depth": levels.depth()},
            field="level",
        )
    codes = _next_child_codes(parent, len(children))
    areas = []
    for code, (name, geom) in zip(codes, children, strict=True):
        area = Area(
            code=code,
            name=name.strip(),
            level=parent.level + 1,
            parent=parent,
            path=parent.path + code + "/",
            valid_from=timezone.localdate(),
        )
        set_geometry(area, geom)
        areas.append(area)
    created = Area.objects.bulk_create(areas)
    tree_changed()
    return created


@transaction.atomic
def area_update(*, area: Area, name: str | None = None, geom: MultiPolygon | None = None) -> Area:
    fields = ["updated_at"]
    if name is not None and name.strip() != area.name:
        area.name = name.strip()
        fields.append("name")
    if geom is not None:
        set_geometry(area, geom)
        fields += ["geometry", "centroid_lon", "centroid_lat", "min_lon", "min_lat"]
        fields += ["max_lon", "max_lat", "area_m2"]
    area.save(update_fields=fields)
    tree_changed()
    return area


@transaction.atomic
def area_end(*, area: Area, valid_to: date | None = None) -> int:
    """End an area and its live subtree (merged or split away); returns how many ended."""
    if not area.is_live:
        raise DomainError.one(_("This area has already ended."), code="already_ended")
    day = valid_to or timezone.localdate()
    ended = Area.objects.live().subtree(area).update(valid_to=day)
    hooks.area_ended(area, day)  # accounts ends the posts in the subtree
    tree_changed()
    return ended
