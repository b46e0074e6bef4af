"""The built-in sample district (`sample/`), made by this module: an irregular outline split
into streets, communities and grids as Voronoi cells clipped to their parent (k-means seeds,
`districts.split_polygon`), written with the real files' layout and property names.

Regenerate with `python -m wangge.dev.sample` (deterministic for the seed); the files are
shipped so that `wangge demo` reads them through the ordinary importer like the real ones.
"""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from wangge.dev.districts import SAMPLE_DIR, split_polygon
from wangge.regions import geometry

CENTRE = (120.16, 30.28)
RADIUS_M = 380  # about half a square kilometre: some forty micro-grids, quick to build
STREETS = [("DJ", "东郊街道"), ("XJ", "西郊街道"), ("NH", "南湖街道")]
COMMUNITIES = ["和平社区", "光明社区", "春晖社区", "紫荆社区", "翠苑社区", "清河社区"]
COMMUNITIES_PER_STREET = 2
GRIDS_PER_COMMUNITY = 3
ORDINALS = "一二三四五六"


def outline(seed: int) -> MultiPolygon:
    """A blob with a wobbly edge, like a district drawn along roads and a river."""
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * math.pi, size=3)
    lat_deg = RADIUS_M / 111_320
    lon_deg = lat_deg / math.cos(math.radians(CENTRE[1]))
    ring = []
    for k in range(72):
        t = 2 * math.pi * k / 72
        r = (
            1
            + 0.18 * math.sin(2 * t + phases[0])
            + 0.08 * math.sin(5 * t + phases[1])
            + 0.04 * math.sin(11 * t + phases[2])
        )
        ring.append((CENTRE[0] + lon_deg * r * math.cos(t), CENTRE[1] + lat_deg * r * math.sin(t)))
    return geometry.as_multipolygon(Polygon(ring))


def _feature(properties: dict[str, str], shape: Any) -> dict[str, Any]:
    # Full precision: rounded vertices would open slivers between parent and children.
    return {"type": "Feature", "properties": properties, "geometry": mapping(shape)}


def features(seed: int = 330103) -> dict[str, list[dict[str, Any]]]:
    district = outline(seed)
    files: dict[str, list[dict[str, Any]]] = {
        "district_boundary": [
            _feature({"区": "示例区", "城市": "示例市", "adcode_2019": "330103"}, district)
        ],
        "streets": [],
        "communities": [],
        "grids": [],
    }
    names = iter(COMMUNITIES)
    streets = split_polygon(district, len(STREETS), seed=seed)
    for s, ((code, street), street_shape) in enumerate(zip(STREETS, streets, strict=True)):
        files["streets"].append(_feature({"街道": street, "街道编码": code}, street_shape))
        parts = split_polygon(street_shape, COMMUNITIES_PER_STREET, seed=seed + 1)
        for c, community_shape in enumerate(parts, 1):
            community, community_code = next(names), f"{code}-{c}"
            files["communities"].append(
                _feature(
                    {
                        "街道": street,
                        "街道编码": code,
                        "社区": community,
                        "社区编码": community_code,
                    },
                    community_shape,
                )
            )
            grids = split_polygon(community_shape, GRIDS_PER_COMMUNITY, seed=seed + 2)
            for g, grid_shape in enumerate(grids, 1):
                props = {
                    "所属组织": f"{street}{community}第{ORDINALS[g - 1]}网格",
                    "网格编号": f"{community_code}-{g}",
                }
                files["grids"].extend(
                    _grid_features(props, grid_shape, halves=(s, c, g) == (0, 1, 1))
                )
    return files


def _grid_features(props: dict[str, str], shape: Any, *, halves: bool) -> list[dict[str, Any]]:
    """One feature; or, for one grid, two halves sharing the code, as real files have."""
    if not halves:
        return [_feature(props, shape)]
    minx, miny, maxx, maxy = shape.bounds
    mid = (minx + maxx) / 2
    return [
        _feature(props, shape.intersection(box(minx, miny, mid, maxy))),
        _feature(props, shape.intersection(box(mid, miny, maxx, maxy))),
    ]


def write(folder: Path = SAMPLE_DIR, seed: int = 330103) -> None:
    for name, items in features(seed).items():
        collection = {"type": "FeatureCollection", "name": name, "features": items}
        text = json.dumps(collection, ensure_ascii=False, indent=1)
        (folder / f"{name}.geojson").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
