"""The working calendar: official schedules in, and where each year's working days
come from."""

import argparse
import sys
from pathlib import Path
from typing import Any


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


def register(sub: Any) -> None:
    cal = sub.add_parser("calendar", help="the working calendar (holidays, 调休)").add_subparsers(
        dest="calendar_command", required=True
    )
    cal_import = cal.add_parser("import", help="enter official schedules from CSV or xlsx")
    cal_import.add_argument("file")
    cal_import.set_defaults(func=cmd_calendar_import)
    cal_status = cal.add_parser("status", help="where each year's working days come from")
    cal_status.set_defaults(func=cmd_calendar_status)
