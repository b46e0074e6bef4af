"""The `wangge` command for operators. Each subcommand parses, calls a service, prints."""

import argparse
import contextlib
import getpass
import importlib
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Apps that add their own subcommands (each has `commands.register(sub)`).
APP_COMMANDS = [
    "intake",
    "open311",
    "portal",
    "suggest",
    "people",
    "fieldwork",
    "staff",
    "stats",
    "stats.assessment",
]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    translation.activate(os.environ.get("WANGGE_LANGUAGE", settings.LANGUAGE_CODE))


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    from wangge.wsgi import application

    _migrate()
    call_command("collectstatic", interactive=False, verbosity=0)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            self.cfg.set("logger_class", "wangge.gunicorn_log.ScrubbedLogger")

        def load(self) -> Any:
            return application

    print(f"Wangge: http://{args.host}:{args.port}/", flush=True)
    Server().run()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.dev import build

    _migrate()
    if not build.is_empty():
        if args.if_empty:
            print(_("The database already holds areas; demo not rebuilt."))
            return 0
        if not args.reset:
            print(
                _("The database already holds areas; nothing done.")
                + " "
                + _("Use --reset to rebuild the demo."),
                file=sys.stderr,
            )
            return 1
        build.reset()

    demo = build.build(sample=args.sample, full_population=args.full_population)
    result, events, population, fieldwork = demo.district, demo.events, demo.people, demo.fieldwork
    print(_("Demo district built from %(source)s") % {"source": result.source})
    for filename, report in result.reports:
        print(
            f"  {filename}: {report.summary()}; "
            + _("%(n)s warnings") % {"n": len(report.warnings)}
        )
    print(
        _("  micro-grids: %(n)s; demo users: %(users)s")
        % {"n": result.microgrids, "users": result.users}
    )
    print(
        _("  events: %(n)s (%(skipped)s outside the district skipped)")
        % {"n": events.events, "skipped": events.skipped}
    )
    print(_("Every demo user's password: %(password)s") % {"password": result.password})
    for username, name, what in result.sample_accounts:
        print(f"  {username}  {name}  {what}")
    print(
        _("  people: %(residents)s residents in %(households)s households")
        % {"residents": population.residents, "households": population.households}
    )
    for username, name, what in population.accounts:
        print(f"  {username}  {name}  {what}")
    print(
        _("  fieldwork: %(visits)s visit tasks this period, %(attend)s attendance tasks")
        % {"visits": fieldwork.visit_tasks, "attend": fieldwork.attend_tasks}
    )
    if fieldwork.campaign is not None:
        print(
            _("  campaign: %(title)s (%(n)s targets)")
            % {"title": fieldwork.campaign.title, "n": fieldwork.campaign.targets.count()}
        )
    return 0


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


def cmd_calendar_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.events.calendar import calendar_import_file

    if not Path(args.file).is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    try:
        years = calendar_import_file(args.file)
    except DomainError as exc:
        print(_("Import refused, nothing written:"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        _("Entered the schedule of %(years)s.") % {"years": ", ".join(str(y.year) for y in years)}
    )
    return 0


def cmd_calendar_status(args: argparse.Namespace) -> int:
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from wangge.events.calendar import year_source, years_needing_schedule

    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year, this_year + 1):
        print(f"{year}\t{year_source(year)}")
    missing = years_needing_schedule()
    if missing:
        print(
            _("No official schedule for %(years)s: plain weekends are used.")
            % {"years": ", ".join(map(str, missing))},
            file=sys.stderr,
        )
        return 1
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


def cmd_createadmin(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    user_model = get_user_model()
    if user_model.objects.filter(username=args.username).exists():
        print(_("User %(name)s already exists.") % {"name": args.username}, file=sys.stderr)
        return 1
    if args.password:
        print(
            _(
                "Warning: a password on the command line is kept in the shell's history and "
                "shown to other users by ps; prefer WANGGE_ADMIN_PASSWORD or the prompt."
            ),
            file=sys.stderr,
        )
    password = args.password or os.environ.get("WANGGE_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass(_("Password: "))
        if password != getpass.getpass(_("Password (again): ")):
            print(_("The passwords differ."), file=sys.stderr)
            return 1
    try:
        validate_password(password, user_model(username=args.username))
    except ValidationError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return 1
    user_model.objects.create_superuser(args.username, args.email, password)
    print(_("Administrator %(name)s created.") % {"name": args.username})
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import logging

    from django.core.management import call_command
    from django.utils.translation import gettext as _

    _migrate()
    print(_("Wangge worker running; threads: %(n)s") % {"n": args.workers}, flush=True)
    logging.getLogger("huey").propagate = False  # the consumer logs through its own handler
    call_command(
        "run_huey",
        workers=args.workers,
        periodic=not args.no_periodic,
        verbose=None if args.verbose else False,  # None: every task run; False: problems only
    )
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.events.sweep import sweep

    report = sweep()
    print(
        _("Overdue: %(er)s events, %(or)s orders; deadline near: %(ey)s events, %(oy)s orders")
        % {
            "er": report.events_red,
            "or": report.orders_red,
            "ey": report.events_yellow,
            "oy": report.orders_yellow,
        }
    )
    print(
        _("Escalated: %(e)s; notifications sent: %(n)s")
        % {"e": report.escalated, "n": report.notifications}
    )
    if report.failed:
        print(_("%(n)s failed; see the log.") % {"n": report.failed}, file=sys.stderr)
        return 1
    return 0


def cmd_campaign_notice(args: argparse.Namespace) -> int:
    """Tell a draft campaign's residents it is coming: a notice to residents of its areas.
    Here, not in either app: fieldwork and notices are siblings and may not import each other."""
    from django.contrib.auth import get_user_model
    from django.utils import formats
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.models import Campaign
    from wangge.notices import forms, services
    from wangge.notices.models import Notice

    campaign = Campaign.objects.filter(pk=args.id).first()
    sender = get_user_model().objects.filter(username=args.sender, is_active=True).first()
    refusal = None
    if campaign is None:
        refusal = _("No campaign %(id)s.") % {"id": args.id}
    elif campaign.status != Campaign.Status.DRAFT:
        refusal = _("The campaign is already open; send a notice before it opens.")
    elif sender is None:
        refusal = _("No active user %(name)s.") % {"name": args.sender}
    if refusal or campaign is None:
        print(refusal, file=sys.stderr)
        return 1
    dates = _("From %(start)s to %(end)s.") % {
        "start": formats.date_format(campaign.starts_on),
        "end": formats.date_format(campaign.ends_on),
    }
    try:
        notice = services.notice_send(
            sender=sender,
            title=args.title or campaign.title,
            body="\n\n".join(p for p in (campaign.description, dates) if p),
            kind=Notice.Kind.READ,
            audience=Notice.Audience.RESIDENTS,
            areas=list(campaign.areas.all()),
            send_at=forms.moment(args.send_at or "", "send_at"),
        )
    except DomainError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        _("Notice %(id)s to the residents of %(n)s areas (%(status)s).")
        % {"id": notice.pk, "n": campaign.areas.count(), "status": notice.get_status_display()}
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["wangge manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wangge", description="Wangge grid governance platform")
    sub = parser.add_subparsers(dest="command", required=True)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=cmd_migrate)

    serve = sub.add_parser("serve", help="migrate, then serve the web UI and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="build the demo district into an empty database")
    demo.add_argument("--reset", action="store_true", help="replace the areas already there")
    demo.add_argument("--if-empty", action="store_true", help="do nothing on a non-empty database")
    demo.add_argument("--sample", action="store_true", help="use the small built-in sample")
    demo.add_argument(
        "--full-population",
        action="store_true",
        help="people in every micro-grid (default: the first street's; the whole district "
        "takes minutes)",
    )
    demo.set_defaults(func=cmd_demo)

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

    cal = sub.add_parser("calendar", help="the working calendar (holidays, 调休)").add_subparsers(
        dest="calendar_command", required=True
    )
    cal_import = cal.add_parser("import", help="enter official schedules from CSV or xlsx")
    cal_import.add_argument("file")
    cal_import.set_defaults(func=cmd_calendar_import)
    cal_status = cal.add_parser("status", help="where each year's working days come from")
    cal_status.set_defaults(func=cmd_calendar_status)

    locate = sub.add_parser("locate", help="the area chain of a point, or of every CSV row")
    locate.add_argument("lon", type=float, nargs="?")
    locate.add_argument("lat", type=float, nargs="?")
    locate.add_argument("--crs", choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    locate.add_argument("--csv", help="locate every row of this CSV file")
    locate.add_argument("--lon-field", default="lon")
    locate.add_argument("--lat-field", default="lat")
    locate.add_argument("--output", "-o", help="where to write the CSV (default: stdout)")
    locate.set_defaults(func=cmd_locate)

    admin = sub.add_parser("createadmin", help="create a superuser for the back office")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--email", default="")
    admin.add_argument(
        "--password",
        help="unsafe (shell history, ps): prefer WANGGE_ADMIN_PASSWORD or the prompt",
    )
    admin.set_defaults(func=cmd_createadmin)

    worker = sub.add_parser("worker", help="migrate, then run background tasks (sweep, webhooks)")
    worker.add_argument("--workers", type=int, default=2, help="worker threads")
    worker.add_argument(
        "--no-periodic", action="store_true", help="don't queue the minutely sweep (extra hosts)"
    )
    worker.add_argument("--verbose", action="store_true", help="log every task run")
    worker.set_defaults(func=cmd_worker)

    sweep = sub.add_parser("sweep", help="raise deadline alerts and escalate overdue events now")
    sweep.set_defaults(func=cmd_sweep)

    for app in APP_COMMANDS:
        importlib.import_module(f"wangge.{app}.commands").register(sub)

    cnotice = sub.add_parser(
        "campaign-notice", help="tell a draft campaign's residents it is coming (notice board)"
    )
    cnotice.add_argument("id", type=int, help="the campaign's number")
    cnotice.add_argument(
        "--sender", required=True, help="username sending it (a post over the areas)"
    )
    cnotice.add_argument("--title", default="", help="default: the campaign's title")
    cnotice.add_argument("--send-at", default="", help="ISO date and time (default: now)")
    cnotice.set_defaults(func=cmd_campaign_notice)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
