"""Subcommands of `wangge` for this app (no Django imports at module level).

wangge people import FILE [--mode all|valid] [--report OUT.xlsx] [--user NAME]
wangge people export OUT.xlsx [--area CODE] [--tag CODE] [--q TEXT] [--user NAME]
wangge people template OUT.xlsx
wangge people rotate-key [--keep-old]
wangge audit verify
wangge audit checkpoint
"""

import argparse
import sys
from pathlib import Path
from typing import Any


def user_named(name: str) -> Any:
    """The user a `--user NAME` option names; without one, the system (`SYSTEM`, who sees
    everything: the operator at the shell); exits if there is no such user."""
    from django.contrib.auth import get_user_model

    from wangge.accounts.actors import SYSTEM

    if not name:
        return SYSTEM
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise SystemExit(f"no user {name!r}")
    return user


def cmd_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.people.imports import importer, tabular, workbooks

    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    data = path.read_bytes()
    result = importer.import_file(
        actor=user_named(args.user), data=data, file_name=path.name, mode=args.mode
    )
    for kind, c in result.counts.items():
        print(
            f"{kind}: "
            + _("%(c)d created, %(u)d updated, %(n)d unchanged, %(r)d rejected")
            % {"c": c.created, "u": c.updated, "n": c.unchanged, "r": c.rejected}
        )
    for p in result.problems[:50]:
        print(f"  {p.sheet} {p.row} {p.column}: {p.message}", file=sys.stderr)
    if len(result.problems) > 50:
        print(_("  … %(n)d more") % {"n": len(result.problems) - 50}, file=sys.stderr)
    if args.report and result.problems:
        try:
            sheets = tabular.read_file(data, path.name)
        except Exception:
            sheets = []
        Path(args.report).write_bytes(workbooks.import_report(sheets, result.problems))
        print(_("Report written to %(file)s") % {"file": args.report})
    if not result.committed:
        print(_("Nothing was written."), file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.accounts.actors import is_system
    from wangge.errors import DomainError
    from wangge.people.models import Resident
    from wangge.people.residents import selectors, services

    user = user_named(args.user)
    try:
        qs = (
            selectors.resident_search(user, q=args.q, tag=args.tag, area_code=args.area)
            if not is_system(user)
            else Resident.objects.filter(status="living")
        )
        if is_system(user) and args.area:
            qs = qs.filter(area__path__contains=f"/{args.area}/")
        if is_system(user) and args.tag:
            qs = qs.filter(tags__kind__code=args.tag, tags__valid_to__isnull=True).distinct()
        content = services.residents_export(
            actor=user,
            rows=selectors.for_listing(qs, user),
            filters={"area": args.area, "tag": args.tag, "q": args.q},
        )
    except DomainError as exc:
        print(exc, file=sys.stderr)
        return 1
    Path(args.out).write_bytes(content)
    print(_("Written to %(file)s (masked).") % {"file": args.out})
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from wangge.people.imports import workbooks

    Path(args.out).write_bytes(workbooks.template())
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    import os

    from django.utils.translation import gettext as _

    from wangge.people import crypto, rotation

    from_file = not os.environ.get("WANGGE_PII_KEY")
    if from_file:
        kid = crypto.add_key_to_file()
        print(_("New key %(kid)s added to the key file.") % {"kid": kid})
    counts = rotation.rotate()
    for what, n in counts.items():
        print(f"  {what}: {n}")
    left = rotation.stale_count()
    if left:
        print(_("%(n)d values are still under an old key.") % {"n": left}, file=sys.stderr)
        return 1
    if from_file and not args.keep_old:
        crypto.drop_old_keys_from_file(crypto.get_ring().current.kid)
        print(_("Old keys removed from the key file."))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.accounts import audit

    result = audit.verify()
    if result.ok:
        print(_("Audit chain intact: %(n)d entries.") % {"n": result.checked})
        return 0
    print(
        _("Audit chain broken at entry #%(seq)s: %(reason)s")
        % {"seq": result.broken_seq, "reason": result.reason},
        file=sys.stderr,
    )
    return 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.utils.translation import gettext as _

    from wangge.accounts import audit

    try:
        data = audit.checkpoint()
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        _("Checkpoint of entry #%(seq)s written to %(path)s.")
        % {"seq": data["seq"], "path": settings.WANGGE_AUDIT_CHECKPOINT_FILE}
    )
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    people = sub.add_parser("people", help="residents, places and organisations").add_subparsers(
        dest="people_command", required=True
    )
    imp = people.add_parser("import", help="import buildings/houses/households/residents")
    imp.add_argument("file", help=".xlsx or .csv with the template's Chinese headers")
    imp.add_argument("--mode", choices=["all", "valid"], default="all")
    imp.add_argument("--report", default="", help="write the annotated report (.xlsx) here")
    imp.add_argument("--user", default="", help="import as this user (their scope)")
    imp.set_defaults(func=cmd_import)
    exp = people.add_parser("export", help="export residents to xlsx (masked)")
    exp.add_argument("out")
    exp.add_argument("--area", default="", help="area code (its subtree)")
    exp.add_argument("--tag", default="", help="tag kind code")
    exp.add_argument("--q", default="", help="name fragment")
    exp.add_argument("--user", default="", help="export as this user (their scope)")
    exp.set_defaults(func=cmd_export)
    tpl = people.add_parser("template", help="write the import template (.xlsx)")
    tpl.add_argument("out")
    tpl.set_defaults(func=cmd_template)
    rot = people.add_parser("rotate-key", help="re-encrypt personal data under a new key")
    rot.add_argument(
        "--keep-old", action="store_true", help="keep the old keys in the key file afterwards"
    )
    rot.set_defaults(func=cmd_rotate_key)
    aud = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True
    )
    ver = aud.add_parser("verify", help="walk the hash chain; report the first broken entry")
    ver.set_defaults(func=cmd_audit_verify)
    chk = aud.add_parser("checkpoint", help="write the chain's head, signed, outside the database")
    chk.set_defaults(func=cmd_audit_checkpoint)
