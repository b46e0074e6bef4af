"""`wangge campaigns …` (no Django imports at module level).

wangge campaigns list
wangge campaigns define FILE.json [--user NAME]
wangge campaigns open ID
wangge campaigns refresh (ID | --all)
wangge campaigns coverage ID [--area CODE] [--level N] [--missing]
wangge campaigns export ID OUT.xlsx [--user NAME]
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wangge.accounts.actors import SYSTEM
from wangge.people.commands import user_named
from wangge.regions.lean import without_geometry


def _campaign(pk: int) -> Any:
    from wangge.fieldwork.campaigns.models import Campaign

    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise SystemExit(f"no campaign {pk}")
    return campaign


def _fail(exc: Any) -> int:
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def cmd_list(args: argparse.Namespace) -> int:
    from wangge.fieldwork.campaigns import coverage as campaign_coverage
    from wangge.fieldwork.campaigns.models import Campaign

    for c in Campaign.objects.order_by("-starts_on", "-id"):
        n = campaign_coverage.coverage(c).total
        print(
            f"{c.pk:>4}  {c.get_status_display():<6} {c.starts_on}–{c.ends_on}  {c.title}  "
            f"{n.done}/{n.total} ({n.percent}%), {n.unreachable} ×"
        )
    return 0


def cmd_define(args: argparse.Namespace) -> int:
    """A campaign from a JSON file: {title, starts_on, ends_on, areas, fields, target_kind,
    tags, residence_types, age_min, age_max, description}."""
    import datetime as dt

    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.campaigns import services as campaigns

    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: %(file)s") % {"file": args.file}, file=sys.stderr)
        return 2
    spec = json.loads(path.read_text(encoding="utf-8"))

    def day(key: str) -> dt.date | None:
        return dt.date.fromisoformat(spec[key]) if spec.get(key) else None

    try:
        campaign = campaigns.campaign_define(
            actor=user_named(args.user),
            title=spec.get("title", ""),
            description=spec.get("description", ""),
            starts_on=day("starts_on"),
            ends_on=day("ends_on"),
            area_codes=spec.get("areas", []),
            fields=spec.get("fields"),
            target_kind=spec.get("target_kind", "household"),
            tag_codes=spec.get("tags", []),
            residence_types=spec.get("residence_types", []),
            age_min=spec.get("age_min"),
            age_max=spec.get("age_max"),
        )
    except DomainError as exc:
        print(_("Campaign refused:"), file=sys.stderr)
        return _fail(exc)
    print(_("Campaign %(id)d defined (draft).") % {"id": campaign.pk})
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.campaigns import services as campaigns

    try:
        n = campaigns.campaign_open(actor=SYSTEM, campaign=_campaign(args.id))
    except DomainError as exc:
        return _fail(exc)
    print(_("Opened with %(n)d targets.") % {"n": n})
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.campaigns import services as campaigns

    try:
        if args.all:
            results = campaigns.refresh_open_campaigns()
        elif args.id is not None:
            results = {
                args.id: campaigns.campaign_refresh(actor=SYSTEM, campaign=_campaign(args.id))
            }
        else:
            print(_("Give a campaign id or --all."), file=sys.stderr)
            return 2
    except DomainError as exc:
        return _fail(exc)
    for pk, r in results.items():
        print(
            f"{pk}: "
            + _("%(added)d added, %(left)d left scope, %(returned)d back, %(moved)d moved")
            % {"added": r.added, "left": r.left, "returned": r.returned, "moved": r.moved}
        )
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.fieldwork.campaigns import coverage as campaign_coverage
    from wangge.fieldwork.campaigns import selectors
    from wangge.regions.models import Area

    campaign = _campaign(args.id)
    cov = campaign_coverage.coverage(campaign)
    parent = None
    if args.area:
        parent = Area.objects.filter(code=args.area).order_by("-valid_from").first()
        if parent is None:
            raise SystemExit(f"no area {args.area}")
    if args.level is not None:
        rows = [
            (a, c)
            for a, c in campaign_coverage.at_level(args.level, SYSTEM, cov)
            if parent is None or a.path.startswith(parent.path)
        ]
    else:
        rows = campaign_coverage.rows_for(cov, campaign_coverage.children(parent, SYSTEM, cov))
    here = cov.of(parent) if parent else cov.total
    print(f"{campaign.title}: {here.done}/{here.total} ({here.percent}%), {here.unreachable} ×")
    heads = [_("Done"), _("Not reachable"), _("Missing"), _("Total")]
    print(f"{_('Region'):<32} " + " ".join(f"{h:>7}" for h in heads))
    for a, c in rows:
        name = f"{a.code} {a.name}"
        print(f"{name:<32} {c.done:>7} {c.unreachable:>7} {c.pending:>7} {c.total:>7}")
    if args.missing:
        from wangge.fieldwork.campaigns.models import CampaignTarget

        qs = without_geometry(
            CampaignTarget.objects.filter(
                campaign=campaign, left_at__isnull=True, status=CampaignTarget.Status.PENDING
            ).select_related("area", "household", "resident")
        )
        if parent is not None:
            qs = qs.filter(area__path__startswith=parent.path)
        for t in qs.order_by("area__path", "address", "id").iterator():
            print(f"  {t.area.code}  {selectors.target_label(t)}  {t.address}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.fieldwork.campaigns import export as campaign_export

    try:
        content = campaign_export.export(actor=user_named(args.user), campaign=_campaign(args.id))
    except DomainError as exc:
        return _fail(exc)
    Path(args.out).write_bytes(content)
    print(_("Written to %(file)s (masked).") % {"file": args.out})
    return 0


def register(sub: Any) -> None:
    top = sub.add_parser("campaigns", help="door-to-door campaigns (专项排查)").add_subparsers(
        dest="campaigns_command", required=True
    )
    lst = top.add_parser("list", help="campaigns with their coverage")
    lst.set_defaults(func=cmd_list)
    dfn = top.add_parser("define", help="define a campaign (draft) from a JSON file")
    dfn.add_argument("file")
    dfn.add_argument("--user", default="", help="define as this user")
    dfn.set_defaults(func=cmd_define)
    opn = top.add_parser("open", help="open a draft: materialise its targets")
    opn.add_argument("id", type=int)
    opn.set_defaults(func=cmd_open)
    ref = top.add_parser("refresh", help="add targets that came into scope, mark those that left")
    ref.add_argument("id", type=int, nargs="?")
    ref.add_argument("--all", action="store_true", help="every open campaign")
    ref.set_defaults(func=cmd_refresh)
    cov = top.add_parser("coverage", help="done / not reachable / total by area")
    cov.add_argument("id", type=int)
    cov.add_argument("--area", default="", help="the areas below this one (default: the top)")
    cov.add_argument("--level", type=int, default=None, help="every area of this level")
    cov.add_argument("--missing", action="store_true", help="list the missing targets too")
    cov.set_defaults(func=cmd_coverage)
    exp = top.add_parser("export", help="every answer to xlsx (masked)")
    exp.add_argument("id", type=int)
    exp.add_argument("out")
    exp.add_argument("--user", default="", help="export as this user (their scope)")
    exp.set_defaults(func=cmd_export)
