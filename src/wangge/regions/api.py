"""Areas over HTTP: search, tree, one area with staff, GeoJSON of a subtree, locate."""

import json
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from wangge.api_pages import Rows, paged
from wangge.inputs import Input, Int
from wangge.regions import coords, hooks, selectors
from wangge.regions.models import Area
from wangge.regions.scope import scope_of
from wangge.regions.spatial_index import AreaRef, get_index

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: int
    level_name: str
    parent_code: str | None
    centroid: tuple[float, float] | None
    bbox: tuple[float, float, float, float] | None
    area_m2: float | None

    @staticmethod
    def of(area: Area) -> dict[str, Any]:
        has_geometry = area.centroid_lon is not None
        return {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "level_name": area.level_name,
            # From the path, not `area.parent`: a list would load each parent row.
            "parent_code": area.ancestor_codes[-1] if area.parent_id else None,
            "centroid": (area.centroid_lon, area.centroid_lat) if has_geometry else None,
            "bbox": (area.min_lon, area.min_lat, area.max_lon, area.max_lat)
            if has_geometry
            else None,
            "area_m2": area.area_m2,
        }


class StaffOut(Schema):
    username: str
    name: str
    role: str
    role_name: str


class AreaDetailOut(AreaOut):
    chain: list[AreaOut]
    children: list[AreaOut]
    staff: list[StaffOut]


class TreeNode(Schema):
    code: str
    name: str
    level: int
    children: list["TreeNode"]


class AreaRefOut(Schema):
    code: str
    name: str
    level: int
    level_name: str


class LocateOut(Schema):
    lon: float
    lat: float
    outside: bool
    chain: list[AreaRefOut]
    nearest: AreaRefOut | None
    distance_m: float | None


def _get(request: HttpRequest, code: str) -> Area:
    return selectors.area_get(user=request.user, code=code)


@router.get("/areas", response=list[AreaOut], summary="Search areas in the user's scope")
@paged
def area_search(
    request: HttpRequest,
    level: Int | None = None,
    parent: str | None = None,
    name: str | None = None,
    code_prefix: str | None = None,
) -> Rows:
    qs = selectors.area_list(
        user=request.user, level=level, parent_code=parent, name=name, code_prefix=code_prefix
    )
    return Rows(qs, each=AreaOut.of)


@router.get("/areas/tree", response=list[TreeNode], summary="The area tree, to a depth")
def area_tree(
    request: HttpRequest,
    root: str | None = None,
    depth: Annotated[int, Field(ge=1, le=5)] = 2,
) -> list[dict[str, Any]]:
    roots = [_get(request, root)] if root else list(selectors.top_areas(user=request.user))
    nodes: list[dict[str, Any]] = []
    for top in roots:
        rows = selectors.area_list(user=request.user).filter(
            path__startswith=top.path, level__lte=top.level + depth
        )
        by_path: dict[str, dict[str, Any]] = {}
        for area in rows:
            node = {"code": area.code, "name": area.name, "level": area.level, "children": []}
            by_path[area.path] = node
            parent_path = area.path[: area.path.rstrip("/").rfind("/") + 1]
            if area.path == top.path:
                nodes.append(node)
            elif parent_path in by_path:
                by_path[parent_path]["children"].append(node)
    return nodes


class RosterGapOut(Schema):
    area: AreaOut
    leaders: int
    full_time: int
    part_time: int


@router.get(
    "/areas/roster/incomplete",
    response=list[RosterGapOut],
    summary='Grids lacking "1+1+N" (no grid leader or no full-time worker)',
)
@paged
def roster_incomplete(request: HttpRequest) -> Rows:
    return Rows(
        hooks.shortfalls(request.user), each=lambda row: {**row, "area": AreaOut.of(row["area"])}
    )


@router.get("/areas/{code}", response=AreaDetailOut, summary="One area with its chain and staff")
def area_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    area = _get(request, code)
    return {
        **AreaOut.of(area),
        "chain": [AreaOut.of(a) for a in selectors.area_chain(area)],
        "children": [AreaOut.of(a) for a in selectors.area_children(user=request.user, area=area)],
        "staff": hooks.staff_of(area),
    }


@router.get("/areas/{code}/geojson", summary="GeoJSON FeatureCollection of a subtree")
def area_geojson(
    request: HttpRequest,
    code: str,
    depth: Annotated[int, Field(ge=0, le=5)] = 1,
    include_self: bool = False,
) -> dict[str, Any]:
    area = _get(request, code)
    features = []
    for a in selectors.area_subtree_with_geometry(user=request.user, area=area, depth=depth):
        if a.pk == area.pk and not include_self:
            continue
        features.append(
            {
                "type": "Feature",
                "id": a.code,
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "level": a.level,
                    "level_name": a.level_name,
                    "parent_code": area.code if a.parent_id == area.pk else None,
                },
                "geometry": json.loads(a.geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _ref(ref: AreaRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    from wangge.regions.levels import level_name

    return {
        "code": ref.code,
        "name": ref.name,
        "level": ref.level,
        "level_name": level_name(ref.level),
    }


class LocateQuery(Input):
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"


@router.get("/locate", response=LocateOut, summary="The area chain of a point, deepest first")
def locate(request: HttpRequest, query: Query[LocateQuery]) -> dict[str, Any]:
    lon, lat = coords.to_wgs84(query.lon, query.lat, query.crs)
    found = get_index().locate(lon, lat)
    # Only areas in the caller's scope: another grid's chain is not theirs to learn.
    seen = _in_scope(request.user, [*found.chain, *([found.nearest] if found.nearest else [])])
    chain = [r for r in found.chain if r.id in seen]
    nearest = found.nearest if found.nearest and found.nearest.id in seen else None
    return {
        "lon": lon,
        "lat": lat,
        "outside": found.outside or not chain,
        "chain": [_ref(r) for r in chain],
        "nearest": _ref(nearest),
        "distance_m": found.distance_m if nearest else None,
    }


def _in_scope(user: Any, refs: list[AreaRef]) -> set[int]:
    """The ids among `refs` of areas inside the user's scope (one query)."""
    scope = scope_of(user)
    if scope.whole:
        return {r.id for r in refs}
    found = Area.objects.filter(pk__in=[r.id for r in refs]).values_list("pk", "path")
    return {pk for pk, path in found if scope.sees_path(path)}
