"""`wangge assess run --period 2026-11 [--scheme CODE] [--publish]` (no Django imports at
module level)."""

import argparse
import sys


def cmd_run(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.stats.assessment import services

    try:
        if args.scheme:
            runs = [services.run_period(args.scheme, args.period, publish=args.publish)]
        else:
            runs = services.run_all(args.period, publish=args.publish)
    except DomainError as e:
        print(str(e), file=sys.stderr)
        return 2
    if not runs:
        print(_("No scheme applies to %(p)s.") % {"p": args.period}, file=sys.stderr)
        return 1
    for run in runs:
        print(
            _("%(s)s %(p)s: %(n)s targets, %(st)s.")
            % {
                "s": run.scheme.code,
                "p": run.period,
                "n": run.results.count(),
                "st": run.get_status_display(),
            }
        )
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    assess = sub.add_parser("assess", help="assessment (考核): runs of schemes").add_subparsers(
        dest="assess_command", required=True
    )
    run = assess.add_parser("run", help="compute (recompute) a period's runs")
    run.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
    run.add_argument("--scheme", default="", help="one scheme's code (default: all)")
    run.add_argument("--publish", action="store_true", help="publish: freeze the results")
    run.set_defaults(func=cmd_run)
