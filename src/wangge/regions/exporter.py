"""Export of live areas: GeoJSON FeatureCollection, or an xlsx roster without geometry.

Both carry the fields the importer reads by default (code, name, parent_code), so an export
imports back unchanged.
"""

import json
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from wangge.regions.models import Area

ROSTER_COLUMNS = ["code", "name", "parent_code", "level", "level_name", "source_code", "valid_from"]


def _areas(root: Area | None) -> QuerySet[Area]:
    qs = Area.objects.live().select_related("parent").order_by("path")
    return qs.subtree(root) if root else qs


def _properties(area: Area) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "parent_code": area.parent.code if area.parent else "",
        "level": area.level,
        "level_name": area.level_name,
        "source_code": area.source_code,
        "valid_from": area.valid_from.isoformat(),
    }


def export_geojson(path: Path, root: Area | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        # Written feature by feature: a county's geometry need not sit in memory twice.
        out.write('{"type": "FeatureCollection", "features": [\n')
        for area in _areas(root).iterator(chunk_size=500):
            if count:
                out.write(",\n")
            feature = {
                "type": "Feature",
                "properties": _properties(area),
                "geometry": json.loads(area.geometry) if area.geometry else None,
            }
            out.write(json.dumps(feature, ensure_ascii=False))
            count += 1
        out.write("\n]}\n")
    return count


def export_roster(path: Path, root: Area | None = None) -> int:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("areas")
    sheet.append(ROSTER_COLUMNS)
    count = 0
    for area in _areas(root).defer("geometry").iterator(chunk_size=2000):
        props = _properties(area)
        sheet.append([props[c] for c in ROSTER_COLUMNS])
        count += 1
    book.save(path)
    return count


def export_file(path: str | Path, root: Area | None = None) -> int:
    path = Path(path)
    if not path.parent.is_dir():  # fail before any writer opens the file half-way
        raise FileNotFoundError(f"{path.parent}: no such folder")
    if path.suffix.lower() == ".xlsx":
        return export_roster(path, root)
    return export_geojson(path, root)
