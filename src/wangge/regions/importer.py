"""Import of area files: GeoJSON FeatureCollections and xlsx rosters (no geometry).

One transaction per file. Everything that makes the file unusable is collected first and
refused together (feature or row, field, reason) with nothing written; warts a county can
live with — repaired polygons, multi-part areas, children poking outside their parent,
siblings overlapping, gaps — are imported and reported with their size in m².
Importing the same file again changes nothing.
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon

from wangge.errors import DomainError, Problem
from wangge.inputs import text_problem
from wangge.regions import geometry, levels, services
from wangge.regions.models import Area, ImportBatch

# Slivers below this are drawing noise, not worth a line in the report.
REPORT_MIN_M2 = 1.0
_SEPARATORS = re.compile(r"[-_./]")
CODE_LENGTH = Area._meta.get_field("code").max_length or 40
SOURCE_CODE_LENGTH = Area._meta.get_field("source_code").max_length or 100
NAME_LENGTH = Area._meta.get_field("name").max_length or 200


@dataclass
class ImportOptions:
    code_field: str = "code"
    name_field: str = "name"
    # Property holding the parent's code (ours or the source's); where it is empty, the
    # parent is found from the code itself ("SQ-3-2" → "SQ-3", "330103001" → "330103").
    parent_field: str = ""
    parent_code: str = ""  # one parent for every feature of the file
    level: int | None = None  # the file's level, when it cannot be derived from parents
    renumber: bool = False  # give areas our hierarchical codes, keep theirs as source_code
    valid_from: date | None = None
    # Build the level above from this file: one parent per value of this property, its
    # boundary the union of its children's (name from dissolve_name_field, else the value).
    dissolve_by: str = ""
    dissolve_name_field: str = ""
    dry_run: bool = False  # do everything, report it, write nothing


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # A sample of the created areas (code, name, level, parent code), for a preview.
    sample: list[tuple[str, str, int, str]] = field(default_factory=list)
    batch_id: int | None = None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


@dataclass
class _Item:
    """One area of the file: all features sharing a code, merged."""

    source_code: str
    name: str
    parent_ref: str
    where: str  # the first feature/row, for messages
    geom: MultiPolygon | None = None
    parts: int = 0
    group: str = ""  # its value of options.dissolve_by
    group_name: str = ""
    follows_parent: bool = False  # level = parent's + 1 whatever options.level says


def _feature_label(number: int) -> str:
    return _("feature %(n)s") % {"n": number}


def _row_label(number: int) -> str:
    return _("row %(n)s") % {"n": number}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# -- readers ---------------------------------------------------------------------------------
def read_geojson(  # noqa: C901
    data: str | bytes | dict[str, Any], options: ImportOptions
) -> tuple[list[_Item], list[Problem]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not isinstance(data, dict):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DomainError([Problem(_("The file is not valid JSON: %s") % exc)]) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DomainError([Problem(_("The file is not a GeoJSON FeatureCollection."))])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise DomainError([Problem(_("The FeatureCollection has no features."))])
    _check_crs(data.get("crs"))
    items: dict[str, _Item] = {}
    off_globe: list[tuple[str, tuple[float, ...]]] = []
    for number, feature in enumerate(features, start=1):
        where = _feature_label(number)
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            problems.append(Problem(_("has no properties"), item=where, field="properties"))
            continue
        item = _item_from_fields(props, options, where, problems)
        try:
            geom = geometry.parse_polygonal(feature.get("geometry"))
        except geometry.GeometryError as exc:
            problems.append(Problem(str(exc), item=where, field="geometry"))
            continue
        if not _lonlat(geom.bounds):
            off_globe.append((where, geom.bounds))
            continue
        geom, reason = geometry.repair(geom)
        if reason:
            warnings.append(
                Problem(
                    _("invalid polygon repaired (%(reason)s)") % {"reason": reason},
                    item=where,
                    field="geometry",
                    code="repaired",
                )
            )
        if item is not None:
            _merge(items, item, geom, problems)
    if off_globe:
        problems.insert(0, _projected(off_globe))
    if problems:
        raise DomainError(problems)
    for item in items.values():
        if item.parts > 1:
            warnings.append(
                Problem(
                    _("%(n)s features share code %(code)s: merged into one multi-part area")
                    % {"n": item.parts, "code": item.source_code},
                    item=item.where,
                    field=options.code_field,
                    code="merged",
                )
            )
    if options.dissolve_by:
        return dissolve(list(items.values()), options), warnings
    return list(items.values()), warnings


# CRS names meaning longitude/latitude on WGS-84 (CGCS2000, China's datum, is within
# centimetres of it). Anything else is a projection we do not convert.
_LONLAT_CRS = re.compile(r"(CRS:?8[34]|[:/](4326|4490|4269))$", re.I)


def _check_crs(crs: Any) -> None:
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    props = props if isinstance(props, dict) else {}
    name = props.get("name") or (f"EPSG:{props['code']}" if props.get("code") else None)
    if isinstance(name, str) and _LONLAT_CRS.search(name.strip()):
        return
    raise DomainError(
        [
            Problem(
                _(
                    "The file's coordinate system is %(crs)s; areas must be in longitude/"
                    "latitude (WGS-84, EPSG:4326). Reproject it first, e.g. "
                    "ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson."
                )
                % {"crs": name or json.dumps(crs, ensure_ascii=False)[:200]},
                field="crs",
                code="projected",
            )
        ]
    )


def _lonlat(bounds: tuple[float, ...]) -> bool:
    min_x, min_y, max_x, max_y = bounds
    return max(abs(min_x), abs(max_x)) <= 180 and max(abs(min_y), abs(max_y)) <= 90


def _projected(off_globe: list[tuple[str, tuple[float, ...]]]) -> Problem:
    where, bounds = off_globe[0]
    return Problem(
        _(
            "%(n)s features have coordinates that are not longitude/latitude (%(where)s: "
            "%(x).0f, %(y).0f): the file is in a projected coordinate system. Reproject it "
            "to WGS-84 first, e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson."
        )
        % {"n": len(off_globe), "where": where, "x": bounds[0], "y": bounds[1]},
        field="geometry",
        code="projected",
    )


def dissolve(items: list[_Item], options: ImportOptions) -> list[_Item]:
    """The file's areas under new parents, one per value of options.dissolve_by, each
    the union of its children (shapely's union_all)."""
    groups: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item)
    parents = []
    for value, children in groups.items():
        geoms = [c.geom for c in children if c.geom is not None]
        parent = _Item(
            source_code=value,
            name=children[0].group_name or value,
            parent_ref="",
            where=children[0].where,
            geom=geometry.union(geoms) if geoms else None,
            parts=1,
        )
        parents.append(parent)
        for child in children:
            child.parent_ref, child.follows_parent = value, True
    clash = [p for p in parents if p.source_code in {i.source_code for i in items}]
    if clash:
        raise DomainError(
            [
                Problem(
                    _("value %(value)s is also an area's own code in this file")
                    % {"value": p.source_code},
                    item=p.where,
                    field=options.dissolve_by,
                )
                for p in clash
            ]
        )
    return parents + items


def read_roster(path_or_file: Any, options: ImportOptions) -> tuple[list[_Item], list[Problem]]:
    """An xlsx roster: a header row, then one area per row (no geometry)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path_or_file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
        raise DomainError(
            [Problem(_("The file is not a readable xlsx workbook: %s") % exc)]
        ) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    required = [options.code_field, options.name_field]
    if options.parent_field:
        required.append(options.parent_field)
    missing = [h for h in required if h not in header]
    if missing:
        raise DomainError(
            [Problem(_("missing column"), item=_row_label(1), field=h) for h in missing]
        )
    problems: list[Problem] = []
    items: dict[str, _Item] = {}
    for number, row in enumerate(rows, start=2):
        values = dict(zip(header, row, strict=False))
        if not any(_text(v) for v in values.values()):
            continue
        item = _item_from_fields(values, options, _row_label(number), problems)
        if item is not None:
            _merge(items, item, None, problems)
    book.close()
    if problems:
        raise DomainError(problems)
    return list(items.values()), []


def _item_from_fields(
    props: dict[str, Any], options: ImportOptions, where: str, problems: list[Problem]
) -> _Item | None:
    code = _text(props.get(options.code_field))
    name = _text(props.get(options.name_field))
    parent_ref = _text(props.get(options.parent_field)) if options.parent_field else ""
    group = _text(props.get(options.dissolve_by)) if options.dissolve_by else ""
    required = [(options.code_field, code), (options.name_field, name)]
    if options.dissolve_by:
        required.append((options.dissolve_by, group))
    ok = True
    for field_name, value in required:
        if not value:
            problems.append(Problem(_("is empty or missing"), item=where, field=field_name))
            ok = False
    group_name = _text(props.get(options.dissolve_name_field)) if group else ""
    # What the tree can store: text without NUL or controls, within its columns' lengths (a
    # code is an area's code unless renumbered, then its source code).
    code_length = SOURCE_CODE_LENGTH if options.renumber else CODE_LENGTH
    fields = [
        (options.code_field, code, code_length),
        (options.name_field, name, NAME_LENGTH),
        (options.parent_field, parent_ref, SOURCE_CODE_LENGTH),
        (options.dissolve_by, group, SOURCE_CODE_LENGTH),
        (options.dissolve_name_field, group_name, NAME_LENGTH),
    ]
    for field_name, value, length in fields:
        raw = props.get(field_name) if field_name else None
        problem = text_problem(value)
        if isinstance(raw, dict | list):
            problem = _("must be text or a number")
        if problem is None and len(value) > length:
            problem = _("is longer than %(n)s characters") % {"n": length}
        if problem is not None:
            problems.append(Problem(problem, item=where, field=field_name, code="invalid_text"))
            ok = False
    if not ok:
        return None
    return _Item(code, name, parent_ref, where, group=group, group_name=group_name)


def _merge(
    items: dict[str, _Item], item: _Item, geom: MultiPolygon | None, problems: list[Problem]
) -> None:
    existing = items.get(item.source_code)
    if existing is None:
        item.geom, item.parts = geom, 1
        items[item.source_code] = item
        return
    if existing.parent_ref != item.parent_ref or existing.group != item.group:
        problems.append(
            Problem(
                _("code %(code)s appears with two parents (%(a)s, %(b)s)")
                % {
                    "code": item.source_code,
                    "a": existing.parent_ref or existing.group,
                    "b": item.parent_ref or item.group,
                },
                item=item.where,
                field="parent",
            )
        )
    existing.parts += 1
    if geom is not None:
        existing.geom = geom if existing.geom is None else geometry.union([existing.geom, geom])


# -- the import itself -------------------------------------------------------------------------
def import_file(path: str | Path, options: ImportOptions | None = None) -> ImportReport:
    path = Path(path)
    options = options or ImportOptions()
    if path.suffix.lower() == ".xlsx":
        items, warnings = read_roster(path, options)
    else:
        items, warnings = read_geojson(path.read_bytes(), options)
    return import_items(items, warnings, options, file_name=path.name)


def import_geojson(
    data: str | bytes | dict[str, Any], options: ImportOptions, file_name: str = ""
) -> ImportReport:
    return import_items(*read_geojson(data, options), options, file_name=file_name)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


SAMPLE_SIZE = 10


def import_items(
    items: list[_Item], warnings: list[Problem], options: ImportOptions, file_name: str = ""
) -> ImportReport:
    report = ImportReport(warnings=list(warnings), dry_run=options.dry_run)
    try:
        with transaction.atomic():
            roots_before = Area.objects.live().filter(parent=None).count()
            touched = _Placement(options).apply(items, report)
            created = Area.objects.live().filter(code__in=report.created)
            report.warnings += tree_checks(created, roots_before)
            report.sample = [
                (a.code, a.name, a.level, a.parent.code if a.parent else "")
                for a in created.select_related("parent").order_by("path")[:SAMPLE_SIZE]
            ]
            if report.changed:
                batch = ImportBatch.objects.create(
                    file_name=file_name[:255],
                    created_count=len(report.created),
                    updated_count=len(report.updated),
                )
                created.update(import_batch=batch)
                report.batch_id = batch.pk
                services.tree_changed()
            report.warnings += spatial_checks(touched)
            if options.dry_run:
                raise _DryRun  # everything above is rolled back, the index untouched
    except _DryRun:
        report.batch_id = None
    return report


def tree_checks(created: Iterable[Area], roots_before: int) -> list[Problem]:
    """New top-level areas beside an existing tree; codes that do not fit the levels' digits."""
    warnings = []
    created = list(created)
    roots = [a for a in created if a.parent_id is None]
    if roots and roots_before:
        warnings.append(
            Problem(
                _(
                    "%(n)s areas of this file became top-level areas beside the %(m)s already "
                    "there (e.g. %(e)s): were their parents imported first? Otherwise give "
                    "--parent-code or --parent-field."
                )
                % {"n": len(roots), "m": roots_before, "e": ", ".join(a.code for a in roots[:3])},
                field="parent",
                code="new_roots",
            )
        )
    level_list = levels.levels()
    misfits = []
    for area in created:
        own = len(area.code) - (len(area.ancestor_codes[-1]) if area.parent_id else 0)
        if area.level <= len(level_list) and own != level_list[area.level - 1].digits:
            misfits.append(area)
    if misfits:
        example = misfits[0]
        warnings.append(
            Problem(
                _(
                    "%(n)s codes do not fit the configured digits (WANGGE_LEVELS), e.g. "
                    "%(code)s at level %(level)s, where the level adds %(digits)s characters; "
                    "--renumber gives areas codes that fit"
                )
                % {
                    "n": len(misfits),
                    "code": example.code,
                    "level": example.level,
                    "digits": level_list[example.level - 1].digits,
                },
                field="code",
                code="code_digits",
            )
        )
    return warnings


def _natural_key(code: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]


class _Placement:
    """Finds each item's parent (in the database or earlier in the file) and writes it."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        live = list(Area.objects.live().only("id", "code", "source_code", "level", "path"))
        self.by_code = {a.code: a for a in live}
        self.by_source: dict[str, list[Area]] = defaultdict(list)
        for a in live:
            if a.source_code:
                self.by_source[a.source_code].append(a)
        self.fixed_parent: Area | None = None
        if options.parent_code:
            self.fixed_parent = self.by_code.get(options.parent_code)
            if self.fixed_parent is None:
                raise DomainError.one(
                    _("Parent area %(code)s does not exist.") % {"code": options.parent_code},
                    field="parent_code",
                )
            if self.fixed_parent.level >= levels.depth():
                raise DomainError.one(
                    _(
                        "Area %(code)s is at the deepest configured level (%(level)s): "
                        "it cannot have children."
                    )
                    % {
                        "code": options.parent_code,
                        "level": levels.level_name(self.fixed_parent.level),
                    },
                    field="parent_code",
                    code="deepest_level",
                )

    def parent_ref(self, item: _Item, in_file: set[str]) -> str:
        if item.parent_ref:
            return item.parent_ref
        if self.fixed_parent is not None:
            return self.fixed_parent.code
        code = item.source_code
        separators = [m.start() for m in _SEPARATORS.finditer(code)]
        if separators:  # "SQ-3-2" → "SQ-3"
            return code[: separators[-1]]
        # Fixed-width codes: the longest known code that prefixes this one.
        known = [c for c in (*self.by_code, *in_file) if code.startswith(c) and c != code]
        return max(known, key=len, default="")

    def apply(self, items: list[_Item], report: ImportReport) -> list[Area]:
        in_file = {item.source_code for item in items}
        refs = {item.source_code: self.parent_ref(item, in_file) for item in items}
        saved: dict[str, Area] = {}
        problems: list[Problem] = []
        pending = sorted(items, key=lambda i: (len(i.source_code), _natural_key(i.source_code)))
        while pending:
            waiting = []
            for item in pending:
                ref = refs[item.source_code]
                if ref in in_file and ref != item.source_code and ref not in saved:
                    waiting.append(item)  # its parent is further down the file
                    continue
                try:
                    saved[item.source_code] = self.place(item, ref, saved, report)
                except DomainError as exc:
                    for problem in exc.problems:
                        problem.item = problem.item or item.where
                    problems += exc.problems
                    saved[item.source_code] = Area()  # lets its children report, not hang
            if len(waiting) == len(pending):
                problems += [
                    Problem(_("parent cycle"), item=i.where, field=self.options.parent_field)
                    for i in waiting
                ]
                break
            pending = waiting
        if problems:
            raise DomainError(problems)
        return list(saved.values())

    def place(self, item: _Item, ref: str, saved: dict[str, Area], report: ImportReport) -> Area:
        parent: Area | None = None
        if ref:
            parent = saved.get(ref) or self.by_code.get(ref) or self._by_source(ref)
            if parent is None or not parent.pk:
                raise DomainError(
                    [
                        Problem(
                            _("parent %(ref)s not found") % {"ref": ref},
                            field=self.options.parent_field or self.options.code_field,
                            code="parent_not_found",
                        )
                    ]
                )
        if item.follows_parent and parent is not None:
            level = parent.level + 1
        else:
            level = self.options.level or (parent.level + 1 if parent else 1)
        if self.options.renumber and parent is not None:
            existing = Area.objects.live().filter(parent=parent, source_code=item.source_code)
            area = existing.first()
            code = area.code if area else services.next_child_code(parent)
            source_code = item.source_code
        else:
            code, source_code = item.source_code, ""
            area = Area.objects.live().filter(code=code).first()
        if area is None:
            area = services.area_create(
                code=code,
                name=item.name,
                parent=parent,
                level=level,
                geom=item.geom,
                source_code=source_code,
                valid_from=self.options.valid_from,
            )
            report.created.append(area.code)
            return area
        if (parent.pk if parent else None) != area.parent_id or level != area.level:
            raise DomainError.one(
                _("area %(code)s already exists under another parent or level")
                % {"code": area.code},
                field="parent",
            )
        new_geometry = geometry.to_geojson(item.geom) if item.geom is not None else area.geometry
        if item.name == area.name and new_geometry == area.geometry:
            report.unchanged.append(area.code)
        else:
            services.area_update(area=area, name=item.name, geom=item.geom)
            report.updated.append(area.code)
        return area

    def _by_source(self, ref: str) -> Area | None:
        candidates = self.by_source.get(ref, [])
        if self.options.level:
            candidates = [a for a in candidates if a.level == self.options.level - 1]
        return candidates[0] if len(candidates) == 1 else None


# -- spatial checks ----------------------------------------------------------------------------
def spatial_checks(areas: Iterable[Area]) -> list[Problem]:
    """Children poking outside their parent, sibling overlaps and gaps under each parent."""
    warnings: list[Problem] = []
    parents = {a.parent_id for a in areas if a.parent_id and a.geometry}
    for parent in Area.objects.filter(pk__in=parents).order_by("path"):
        if not parent.geometry:
            continue
        parent_geom = geometry.from_geojson(parent.geometry)
        children = [
            c for c in Area.objects.live().filter(parent=parent).order_by("code") if c.geometry
        ]
        geoms = [geometry.from_geojson(c.geometry) for c in children]
        for child, geom in zip(children, geoms, strict=True):
            outside = geometry.area_m2(geom.difference(parent_geom))
            if outside >= REPORT_MIN_M2:
                warnings.append(
                    Problem(
                        _("%(m2).0f m² (%(pct).1f%%) lies outside its parent %(parent)s")
                        % {
                            "m2": outside,
                            "pct": 100 * outside / max(geometry.area_m2(geom), 1),
                            "parent": parent.code,
                        },
                        item=f"{child.code} {child.name}",
                        field="geometry",
                        code="outside_parent",
                    )
                )
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for i, j in zip(left, right, strict=True):
            if i >= j:
                continue
            overlap = geometry.area_m2(geoms[i].intersection(geoms[j]))
            if overlap >= REPORT_MIN_M2:
                warnings.append(
                    Problem(
                        _("overlaps %(other)s by %(m2).0f m²")
                        % {"other": f"{children[j].code} {children[j].name}", "m2": overlap},
                        item=f"{children[i].code} {children[i].name}",
                        field="geometry",
                        code="sibling_overlap",
                    )
                )
        if geoms:
            gap = geometry.area_m2(parent_geom.difference(geometry.union(geoms)))
            if gap >= REPORT_MIN_M2:
                warnings.append(
                    Problem(
                        _("%(m2).0f m² (%(pct).1f%%) is covered by none of its children")
                        % {"m2": gap, "pct": 100 * gap / max(parent.area_m2 or 1, 1)},
                        item=f"{parent.code} {parent.name}",
                        field="geometry",
                        code="gap",
                    )
                )
    return warnings
