"""Professional grid layers (专业网格) over the base tree, and their overlap with micro-grids.

"多网合一": each layer area is mapped to every live base area of the deepest level it
overlaps, with the overlap's size and its share of both sides, so work arriving by a police
or property grid finds its base micro-grids (and the other way round).
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.regions import geometry, levels
from wangge.regions.importer import ImportOptions, read_geojson
from wangge.regions.models import Area, Layer, LayerArea, LayerOverlap

# Overlaps smaller than this are slivers of two drawings of one border, not real sharing.
MIN_OVERLAP_M2 = 1.0


@dataclass
class LayerImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    overlaps: int = 0
    unmatched: list[str] = field(default_factory=list)  # layer areas over no base area
    warnings: list[Problem] = field(default_factory=list)


@transaction.atomic
def layer_import(
    *, layer_code: str, layer_name: str, kind: str, data: bytes | str, options: ImportOptions
) -> LayerImportReport:
    """Create or update a layer's areas from a GeoJSON file, then recompute its overlaps."""
    items, warnings = read_geojson(data, options)
    report = LayerImportReport(warnings=warnings)
    layer, _created = Layer.objects.get_or_create(
        code=layer_code, defaults={"name": layer_name, "kind": kind}
    )
    if (layer.name, layer.kind) != (layer_name, kind):
        layer.name, layer.kind = layer_name, kind
        layer.save(update_fields=["name", "kind"])
    existing = {a.code: a for a in layer.areas.all()}
    for item in items:
        if item.geom is None:
            raise DomainError([Problem(_("has no geometry"), item=item.where, field="geometry")])
        text = geometry.to_geojson(item.geom)
        area = existing.get(item.source_code)
        if area is None:
            LayerArea.objects.create(
                layer=layer,
                code=item.source_code,
                name=item.name,
                geometry=text,
                area_m2=geometry.area_m2(item.geom),
            )
            report.created.append(item.source_code)
        elif (area.name, area.geometry) != (item.name, text):
            area.name, area.geometry = item.name, text
            area.area_m2 = geometry.area_m2(item.geom)
            area.save(update_fields=["name", "geometry", "area_m2"])
            report.updated.append(item.source_code)
        else:
            report.unchanged.append(item.source_code)
    report.overlaps, report.unmatched = layer_map_overlaps(layer=layer)
    return report


@transaction.atomic
def layer_map_overlaps(*, layer: Layer) -> tuple[int, list[str]]:
    """Recompute the layer's overlaps with the deepest live base areas; returns
    (number of overlaps, codes of layer areas over no base area)."""
    base = list(
        Area.objects.live()
        .filter(level=levels.depth())
        .exclude(geometry="")
        .only("id", "geometry", "area_m2")
    )
    base_geoms = np.array([geometry.from_geojson(a.geometry) for a in base], dtype=object)
    tree = shapely.STRtree(base_geoms)
    LayerOverlap.objects.filter(layer_area__layer=layer).delete()
    rows: list[LayerOverlap] = []
    unmatched: list[str] = []
    for layer_area in layer.areas.all():
        geom = geometry.from_geojson(layer_area.geometry)
        found = 0
        for i in tree.query(geom, predicate="intersects"):
            overlap = geometry.area_m2(geom.intersection(base_geoms[i]))
            if overlap < MIN_OVERLAP_M2:
                continue
            found += 1
            rows.append(
                LayerOverlap(
                    layer_area=layer_area,
                    area=base[i],
                    overlap_m2=overlap,
                    share_of_layer_area=overlap / max(layer_area.area_m2, MIN_OVERLAP_M2),
                    share_of_area=overlap / max(base[i].area_m2 or 0, MIN_OVERLAP_M2),
                )
            )
        if not found:
            unmatched.append(layer_area.code)
    LayerOverlap.objects.bulk_create(rows, batch_size=1000)
    return len(rows), unmatched
