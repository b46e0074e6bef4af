"""Subcommands of `wangge` for staff (no Django imports at module level).

wangge staff import FILE [--dry-run] [--user NAME] [--passwords OUT.csv]
wangge staff deactivate USERNAME [--reason TEXT] [--user NAME]
"""

import argparse
import csv
import os
import sys
from pathlib import Path


def cmd_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.people.commands import user_named
    from wangge.staff import roster

    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    result = roster.import_roster(
        user_named(args.user), path.read_bytes(), path.name, dry_run=args.dry_run
    )
    for kind, c in result.counts.items():
        print(
            f"{kind}: "
            + _("%(c)d created, %(u)d updated, %(n)d unchanged")
            % {"c": c.created, "u": c.updated, "n": c.unchanged}
        )
    for p in result.problems[:50]:
        print(f"  {p.sheet} {p.row} {p.column}: {p.message}", file=sys.stderr)
    if len(result.problems) > 50:
        print(_("  … %(n)d more") % {"n": len(result.problems) - 50}, file=sys.stderr)
    if not result.committed:
        print(_("Nothing was written."), file=sys.stderr)
        return 1 if result.problems else 0
    if result.passwords:
        out = Path(args.passwords or f"{path.stem}-passwords.csv")
        # The generated passwords go to a private file, never to the terminal or a log.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as f:
            csv.writer(f).writerows([("账号", "初始密码"), *result.passwords])
        print(
            _("Initial passwords of %(n)d new accounts written to %(file)s")
            % {"n": len(result.passwords), "file": out}
        )
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.people.commands import user_named
    from wangge.staff.deactivate import user_deactivate

    user = user_named(args.username)
    tasks = user_deactivate(actor=user_named(args.user), user=user, reason=args.reason)
    print(_("%(user)s deactivated.") % {"user": user.get_username()})
    event, visit, order = _("event"), _("visit task"), _("work order")
    for e in tasks.events:
        print(f"  {event} {e.code} {e.responsible_area.code}")
    for t in tasks.visit_tasks:
        print(f"  {visit} {t.household.code} {t.period}")
    for o in tasks.orders:
        print(f"  {order} {o.event.code} {o.department.code}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    staff = sub.add_parser("staff", help="staff onboarding and deactivation").add_subparsers(
        dest="staff_command", required=True
    )
    imp = staff.add_parser("import", help="import a staff roster (.xlsx or .csv)")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument("--user", default="", help="import as this user (their scope)")
    imp.add_argument(
        "--passwords", default="", help="where to write new accounts' initial passwords (.csv)"
    )
    imp.set_defaults(func=cmd_import)
    de = staff.add_parser("deactivate", help="end a person's posts and sessions")
    de.add_argument("username")
    de.add_argument("--reason", default="")
    de.add_argument("--user", default="", help="act as this user")
    de.set_defaults(func=cmd_deactivate)
