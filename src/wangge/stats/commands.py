"""Subcommands of `wangge` for the figures (no Django imports at module level).

wangge stats rebuild [--from DATE]   recompute facts and rollups (of events reported since)
wangge stats fill                    one fill now (what the worker runs every half minute)
wangge stats status                  how far the fill is; exit 1 when it lags past the limit
"""

import argparse
import sys
from datetime import date


def cmd_rebuild(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.stats import fill

    report = fill.rebuild(since=args.since)
    print(_("Rebuilt the facts of %(n)s events.") % {"n": report.events})
    return 0


def cmd_fill(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from wangge.stats import fill

    report = fill.fill()
    print(
        _("Filled: %(e)s timeline entries, %(n)s events, %(d)s days regrouped.")
        % {"e": report.entries, "n": report.events, "d": report.days}
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from wangge.stats import fill

    state = fill.status()
    if not state["filled"]:
        print(_("The figures were never filled: run `wangge stats rebuild`."), file=sys.stderr)
        return 1
    print(
        _("Figures as of %(t)s (%(s)d s behind), %(w)s timeline entries waiting.")
        % {
            "t": timezone.localtime(state["asof"]).strftime("%Y-%m-%d %H:%M:%S"),
            "s": state["lag_seconds"],
            "w": state["waiting"],
        }
    )
    if state["fieldwork_waiting"]:
        print(
            _("%(n)s fieldwork changes waiting.") % {"n": state["fieldwork_waiting"]},
        )
    _catch_up_warnings()
    if state["late"]:
        print(
            _("WARNING: the figures lag more than %(m)d minutes: is `wangge worker` running?")
            % {"m": fill.late_minutes()},
            file=sys.stderr,
        )
        return 1
    return 0


def _catch_up_warnings() -> None:
    """The periods the assessment worker skipped after a downtime longer than its catch-up
    window (WANGGE_ASSESS_CATCHUP_PERIODS)."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from wangge.stats.assessment import bulletins, services

    runs = services.skipped_periods()
    made = bulletins.skipped_periods(timezone.localdate())
    limit = settings.WANGGE_ASSESS_CATCHUP_PERIODS
    if runs:
        print(
            _(
                "WARNING: assessment runs of %(p)s were skipped (more than %(n)d periods"
                " late): run them with `wangge assess run --period …`."
            )
            % {"p": ", ".join(runs), "n": limit},
            file=sys.stderr,
        )
    if made:
        print(
            _("WARNING: bulletins skipped (more than %(n)d periods late): %(p)s.")
            % {"p": ", ".join(f"{k} {p}" for k, p in made), "n": limit},
            file=sys.stderr,
        )


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    stats = sub.add_parser("stats", help="figures: facts and rollups").add_subparsers(
        dest="stats_command", required=True
    )
    rebuild = stats.add_parser("rebuild", help="recompute facts and rollups from the timeline")
    rebuild.add_argument(
        "--from", dest="since", type=date.fromisoformat, default=None, help="YYYY-MM-DD"
    )
    rebuild.set_defaults(func=cmd_rebuild)
    stats.add_parser("fill", help="fill what changed since the last fill").set_defaults(
        func=cmd_fill
    )
    stats.add_parser("status", help="how far behind the figures are").set_defaults(func=cmd_status)
