"""The area tree from the command line: import, undo, export, professional layers
(专业网格), point location."""

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any


def cmd_areas_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.regions.importer import ImportOptions, import_file
    from wangge.regions.levels import level_name

    options = ImportOptions(
        code_field=args.code_field,
        name_field=args.name_field,
        parent_field=args.parent_field,
        parent_code=args.parent_code,
        level=args.level,
        renumber=args.renumber,
        dissolve_by=args.dissolve_by,
        dissolve_name_field=args.dissolve_name_field,
        dry_run=args.dry_run,
    )
    if not Path(args.file).is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    try:
        report = import_file(args.file, options)
    except DomainError as exc:
        print(_("Import refused, nothing written:"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if report.dry_run:
        print(
            _("Dry run, nothing written. It would give: %(summary)s")
            % {"summary": report.summary()}
        )
        for code, name, level, parent in report.sample:
            print(f"  + {code}\t{level_name(level)}\t{name}\t{parent}")
        if len(report.created) > len(report.sample):
            print("  + …")
    else:
        print(report.summary())
        if report.batch_id:
            print(
                _("Import batch %(id)s (undo: wangge areas undo %(id)s)") % {"id": report.batch_id}
            )
    for warning in report.warnings:
        print(f"  ! {warning}")
    return 0


def cmd_areas_undo(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.regions.batches import undo

    try:
        result = undo(args.batch)
    except DomainError as exc:
        for problem in exc.problems:
            print(f"  {problem}" if problem.item else str(problem), file=sys.stderr)
        return 1
    print(_("%(n)s areas removed.") % {"n": result.removed})
    if result.kept_updated:
        print(
            _("  ! %(n)s areas the batch updated keep their new names and boundaries.")
            % {"n": result.kept_updated}
        )
    return 0


def cmd_areas_batches(args: argparse.Namespace) -> int:
    from django.utils.timezone import localtime
    from django.utils.translation import gettext as _

    from wangge.regions.models import ImportBatch

    for batch in ImportBatch.objects.all()[: args.limit]:
        state = _("undone") if batch.undone_at else ""
        print(
            f"{batch.pk}\t{localtime(batch.created_at):%Y-%m-%d %H:%M}\t{batch.file_name}\t"
            + _("%(c)s created, %(u)s updated")
            % {"c": batch.created_count, "u": batch.updated_count}
            + (f"\t{state}" if state else "")
        )
    return 0


def cmd_areas_export(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.regions.models import Area

    root = None
    if args.root:
        root = Area.objects.live().filter(code=args.root).first()
        if root is None:
            print(_("Area %(code)s not found.") % {"code": args.root}, file=sys.stderr)
            return 1
    from wangge.regions.exporter import export_file

    try:
        count = export_file(args.file, root)
    except OSError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(_("%(n)s areas written to %(file)s") % {"n": count, "file": args.file})
    return 0


def cmd_layers_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.regions.importer import ImportOptions
    from wangge.regions.layers import layer_import

    if not Path(args.file).is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    try:
        report = layer_import(
            layer_code=args.layer,
            layer_name=args.name or args.layer,
            kind=args.kind,
            data=Path(args.file).read_bytes(),
            options=ImportOptions(code_field=args.code_field, name_field=args.name_field),
        )
    except DomainError as exc:
        print(_("Import refused, nothing written:"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged")
        % {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        }
    )
    print(_("%(n)s overlaps with micro-grids") % {"n": report.overlaps})
    for code in report.unmatched:
        print("  ! " + _("%(code)s overlaps no micro-grid") % {"code": code})
    return 0


def cmd_layers_remap(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.regions.layers import layer_map_overlaps
    from wangge.regions.models import Layer

    for layer in Layer.objects.all():
        count, _unmatched = layer_map_overlaps(layer=layer)
        print(_("%(layer)s: %(n)s overlaps with micro-grids") % {"layer": layer.code, "n": count})
    return 0


def cmd_locate(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.regions import coords
    from wangge.regions.bulk_locate import decode_csv, locate_csv
    from wangge.regions.spatial_index import get_index

    if args.csv:
        try:
            with contextlib.ExitStack() as files:
                source = io.StringIO(decode_csv(Path(args.csv).read_bytes()), newline="")
                out = (
                    files.enter_context(open(args.output, "w", newline="", encoding="utf-8"))
                    if args.output
                    else sys.stdout
                )
                summary = locate_csv(
                    source, out, lon_field=args.lon_field, lat_field=args.lat_field, crs=args.crs
                )
        except (DomainError, OSError) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(
            _("%(rows)s rows: %(located)s located, %(outside)s outside, %(invalid)s invalid")
            % vars(summary),
            file=sys.stderr,
        )
        return 0
    if args.lon is None or args.lat is None:
        print(_("Give LON LAT, or --csv FILE."), file=sys.stderr)
        return 2
    lon, lat = coords.to_wgs84(args.lon, args.lat, args.crs)
    found = get_index().locate(lon, lat)
    if found.outside:
        print(_("Outside the jurisdiction."))
        if found.nearest:
            print(
                _("Nearest: %(code)s %(name)s, %(m).0f m away")
                % {"code": found.nearest.code, "name": found.nearest.name, "m": found.distance_m}
            )
        return 3
    from wangge.regions.levels import level_name

    for ref in found.chain:
        print(f"{ref.code}\t{level_name(ref.level)}\t{ref.name}")
    return 0


def register(sub: Any) -> None:
    areas = sub.add_parser("areas", help="import or export areas").add_subparsers(
        dest="areas_command", required=True
    )
    imp = areas.add_parser("import", help="import a GeoJSON file or an xlsx roster")
    imp.add_argument("file")
    imp.add_argument("--code-field", default="code")
    imp.add_argument("--name-field", default="name")
    imp.add_argument("--parent-field", default="", help="property with the parent's code")
    imp.add_argument("--parent-code", default="", help="one parent for every feature")
    imp.add_argument("--level", type=int, help="the file's level when it has no parent")
    imp.add_argument(
        "--renumber",
        action="store_true",
        help="give areas hierarchical codes; keep the file's codes as source codes",
    )
    imp.add_argument(
        "--dissolve-by",
        default="",
        metavar="FIELD",
        help="also make the level above: one parent per value of FIELD, the union of its areas",
    )
    imp.add_argument(
        "--dissolve-name-field", default="", metavar="FIELD", help="the new parents' names"
    )
    imp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    imp.set_defaults(func=cmd_areas_import)
    undo = areas.add_parser("undo", help="remove the areas an import batch created")
    undo.add_argument("batch", type=int)
    undo.set_defaults(func=cmd_areas_undo)
    batches = areas.add_parser("batches", help="list recent import batches")
    batches.add_argument("--limit", type=int, default=20)
    batches.set_defaults(func=cmd_areas_batches)
    exp = areas.add_parser("export", help="export live areas (.geojson or .xlsx)")
    exp.add_argument("file")
    exp.add_argument("--root", help="only this area's subtree")
    exp.set_defaults(func=cmd_areas_export)
    layers = sub.add_parser("layers", help="professional grid layers (专业网格)").add_subparsers(
        dest="layers_command", required=True
    )
    limp = layers.add_parser("import", help="import a layer's areas from GeoJSON")
    limp.add_argument("file")
    limp.add_argument("--layer", required=True, help="the layer's code, e.g. police")
    limp.add_argument("--name", default="", help="the layer's name, e.g. 警务网格")
    limp.add_argument("--kind", default="", help="e.g. 公安, 城管, 物业, 电力")
    limp.add_argument("--code-field", default="code")
    limp.add_argument("--name-field", default="name")
    limp.set_defaults(func=cmd_layers_import)
    remap = layers.add_parser(
        "remap", help="recompute every layer's overlaps after the tree changed"
    )
    remap.set_defaults(func=cmd_layers_remap)
    locate = sub.add_parser("locate", help="the area chain of a point, or of every CSV row")
    locate.add_argument("lon", type=float, nargs="?")
    locate.add_argument("lat", type=float, nargs="?")
    locate.add_argument("--crs", choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    locate.add_argument("--csv", help="locate every row of this CSV file")
    locate.add_argument("--lon-field", default="lon")
    locate.add_argument("--lat-field", default="lat")
    locate.add_argument("--output", "-o", help="where to write the CSV (default: stdout)")
    locate.set_defaults(func=cmd_locate)
