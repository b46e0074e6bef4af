"""Running the platform: the schema, the web server, the worker, the demo district, the first
administrator, the sweep on demand, Django's own commands."""

import argparse
import getpass
import os
import sys
from typing import Any


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


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["wangge manage", *args.rest])
    return 0


def register(sub: Any) -> None:
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
    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
