"""The demo district: a real grid tree (下城区, 330103) split down to micro-grids, with staff.

With ../shared present the real files are used; otherwise a small synthetic district that
ships with the package (same file layout and property names), so `wangge demo` always works.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from shapely.geometry import MultiPolygon

from wangge.accounts.models import Post, Role
from wangge.regions import geometry, services
from wangge.regions.importer import ImportOptions, ImportReport, import_file
from wangge.regions.models import Area, ImportBatch

SHARED_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
REAL_DIR = SHARED_DIR / "cn_grid_hangzhou_xiacheng"
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"

# Urban Hangzhou density and the field's micro-grid size ("50–80 households").
HOUSEHOLDS_PER_KM2 = 6500
MICROGRID_HOUSEHOLDS = (50, 80)
MICROGRID_TARGET = 65
GRID_LEVEL = 4


@dataclass
class DemoResult:
    source: Path
    reports: list[tuple[str, ImportReport]] = field(default_factory=list)
    microgrids: int = 0
    users: int = 0
    password: str = ""
    sample_accounts: list[tuple[str, str, str]] = field(default_factory=list)


def data_dir() -> Path:
    return REAL_DIR if (REAL_DIR / "grids.geojson").exists() else SAMPLE_DIR


def _files(source: Path) -> list[tuple[str, ImportOptions]]:
    return [
        (
            "district_boundary.geojson",
            ImportOptions(code_field="adcode_2019", name_field="区"),
        ),
        (
            "streets.geojson",
            ImportOptions(
                code_field="街道编码", name_field="街道", parent_code="330103", renumber=True
            ),
        ),
        (
            "communities.geojson",
            ImportOptions(
                code_field="社区编码", name_field="社区", parent_field="街道编码", renumber=True
            ),
        ),
        (
            "grids.geojson",
            ImportOptions(code_field="网格编号", name_field="所属组织", renumber=True),
        ),
    ]


def database_is_empty() -> bool:
    return not Area.objects.exists()


@transaction.atomic
def reset() -> None:
    """Remove every area, post and demo user (other users stay). Whatever points at areas
    (events) must be reset first by its own app."""
    Post.objects.all().delete()
    _delete_tree()
    ImportBatch.objects.all().delete()
    get_user_model().objects.filter(username__startswith="demo-").delete()
    services.tree_changed()


def _delete_tree() -> None:
    # PROTECT on parent: delete bottom-up.
    for level in sorted(set(Area.objects.values_list("level", flat=True)), reverse=True):
        Area.objects.filter(level=level).delete()


@transaction.atomic
def build(*, source: Path | None = None, seed: int = 330103) -> DemoResult:
    source = source or data_dir()
    result = DemoResult(source=source)
    for filename, options in _files(source):
        result.reports.append((filename, import_file(source / filename, options)))
    for grid in Area.objects.live().filter(level=GRID_LEVEL).order_by("code"):
        result.microgrids += _split_grid(grid, seed)
    _staff(result, seed)
    return result


def estimated_households(area_m2: float) -> int:
    return round(area_m2 / 1e6 * HOUSEHOLDS_PER_KM2)


def microgrid_count(households: int) -> int:
    low, high = MICROGRID_HOUSEHOLDS
    n = max(1, round(households / MICROGRID_TARGET))
    n = max(n, math.ceil(households / high))
    return max(1, min(n, households // low))


def _split_grid(grid: Area, seed: int) -> int:
    geom = geometry.from_geojson(grid.geometry)
    n = microgrid_count(estimated_households(grid.area_m2 or 0))
    parts = split_polygon(geom, n, seed=_stable_seed(seed, grid.code))
    street = grid.name
    for ancestor in Area.objects.filter(code__in=grid.ancestor_codes, level=2):
        street = grid.name.removeprefix(ancestor.name)
    services.area_create_children(
        parent=grid, children=[(f"{street}{i}号微网格", part) for i, part in enumerate(parts, 1)]
    )
    return len(parts)


def _stable_seed(seed: int, code: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{code}".encode()).digest()[:8], "big")


def split_polygon(geom: MultiPolygon, n: int, *, seed: int) -> list[MultiPolygon]:
    """n parts of roughly equal area: k-means on a uniform sample, then Voronoi cells."""
    if n <= 1:
        return [geom]
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    sample = np.empty((0, 2))
    while len(sample) < 30 * n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(100 * n, 2))
        sample = np.vstack([sample, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    scale = np.array([math.cos(math.radians((miny + maxy) / 2)), 1.0])
    points = sample * scale
    centres = points[rng.choice(len(points), n, replace=False)]
    for _ in range(12):
        dx = points[:, 0, None] - centres[None, :, 0]
        dy = points[:, 1, None] - centres[None, :, 1]
        nearest = np.argmin(dx * dx + dy * dy, axis=1)
        counts = np.bincount(nearest, minlength=n)
        filled = counts > 0  # an empty cluster keeps its centre
        for axis in (0, 1):
            sums = np.bincount(nearest, weights=points[:, axis], minlength=n)
            centres[filled, axis] = sums[filled] / counts[filled]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(centres / scale), extend_to=geom)
    parts = [geometry.as_multipolygon(cell.intersection(geom)) for cell in cells.geoms]
    parts = [p for p in parts if not p.is_empty]
    # North to south, west to east: serials read like the map.
    parts.sort(key=lambda p: (-round(p.centroid.y, 4), p.centroid.x))
    return parts


# -- staff ---------------------------------------------------------------------------------
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建国志文辉鹏飞宇浩然欣怡"
    "晨佳琳婷雪梅海燕丹凤云峰斌波宁"
)


def _person_name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(list(_GIVEN), size=int(rng.integers(1, 3))))
    return str(rng.choice(list(_SURNAMES))) + given


def _staff(result: DemoResult, seed: int) -> None:  # noqa: C901
    """1+1+N posts per grid (a few grids left short, as in the field) and a liaison per
    micro-grid; a centre operator at the district and a secretary per community."""
    rng = np.random.default_rng(seed)
    result.password = "demo-" + secrets.token_hex(4)
    hashed = make_password(result.password)  # hashing once keeps thousands of users fast
    user_model = get_user_model()
    plan: list[tuple[str, str, Area, str]] = []  # username, display name, area, role
    for area in Area.objects.live().defer("geometry").order_by("path"):
        code = area.code
        if area.level == 1:
            plan.append((f"demo-operator-{code}", _person_name(rng), area, Role.OPERATOR))
        elif area.level == 3:
            plan.append((f"demo-secretary-{code}", _person_name(rng), area, Role.SECRETARY))
        elif area.level == GRID_LEVEL:
            missing = None  # a few grids lack a leader or a full-time worker, as in the field
            if rng.random() < 0.04:
                missing = Role.GRID_LEADER if rng.random() < 0.5 else Role.FULL_TIME
            if missing != Role.GRID_LEADER:
                plan.append((f"demo-leader-{code}", _person_name(rng), area, Role.GRID_LEADER))
            if missing != Role.FULL_TIME:
                plan.append((f"demo-worker-{code}", _person_name(rng), area, Role.FULL_TIME))
            for k in range(1, int(rng.integers(1, 4)) + 1):
                plan.append((f"demo-parttime-{code}-{k}", _person_name(rng), area, Role.PART_TIME))
        elif area.level == GRID_LEVEL + 1:
            plan.append((f"demo-liaison-{code}", _person_name(rng), area, Role.LIAISON))
    users = user_model.objects.bulk_create(
        [
            user_model(username=username, first_name=name, password=hashed)
            for username, name, _area, _role in plan
        ],
        batch_size=500,
    )
    if not all(u.pk for u in users):  # backends that do not return ids on bulk insert
        by_name = dict(
            user_model.objects.filter(username__startswith="demo-").values_list("username", "pk")
        )
        for u in users:
            u.pk = by_name[u.username]
    Post.objects.bulk_create(
        [
            Post(user=user, area=area, role=role)
            for user, (_u, _n, area, role) in zip(users, plan, strict=True)
        ],
        batch_size=500,
    )
    result.users = len(users)
    seen_roles: set[str] = set()
    for username, name, area, role in plan:
        if role not in seen_roles:
            seen_roles.add(role)
            result.sample_accounts.append((username, name, f"{Role(role).label} · {area.name}"))
