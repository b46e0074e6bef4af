"""`wangge visits …` subcommands (no Django imports at module level); `sweep` and
`install-defaults` cover must-attend too."""

import argparse
import datetime as dt
import json
from typing import Any


def _period_day(text: str) -> dt.date:
    """YYYY-MM-DD, or YYYY-MM (its first day), or YYYY (January 1st)."""
    parts = text.strip().split("-")
    try:
        if len(parts) == 1:
            return dt.date(int(parts[0]), 1, 1)
        if len(parts) == 2:
            return dt.date(int(parts[0]), int(parts[1]), 1)
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a day or month: {text}") from exc


def _generate(args: argparse.Namespace) -> int:
    from wangge.fieldwork.visits import schedule

    result = schedule.generate(on=args.period)
    print(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from wangge.fieldwork.attend import services as attend
    from wangge.fieldwork.visits import services as visits

    print(json.dumps({"visits": visits.sweep(), "attend": attend.sweep()}, ensure_ascii=False))
    return 0


def _install(args: argparse.Namespace) -> int:
    from wangge.fieldwork.attend import services as attend
    from wangge.fieldwork.visits import rules as visit_rules

    print(
        json.dumps(
            {
                "visit_rules": visit_rules.install_defaults(),
                "attend_rules": attend.install_defaults(),
            }
        )
    )
    return 0


def register(sub: Any) -> None:
    visits_cmd = sub.add_parser("visits", help="household visits (三必访): tasks and alerts")
    vsub = visits_cmd.add_subparsers(dest="visits_command", required=True)
    gen = vsub.add_parser(
        "generate",
        help="make (and reconcile) the visit tasks of the periods containing a day",
    )
    gen.add_argument(
        "--period",
        type=_period_day,
        default=None,
        help="a day (YYYY-MM-DD) or the first day of a month (YYYY-MM); default today",
    )
    gen.set_defaults(func=_generate)
    sweep = vsub.add_parser("sweep", help="alert assignees of overdue visits and attendances")
    sweep.set_defaults(func=_sweep)
    install = vsub.add_parser("install-defaults", help="add the missing default rules")
    install.set_defaults(func=_install)
