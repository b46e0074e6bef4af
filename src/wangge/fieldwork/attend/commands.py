"""`wangge attend …` subcommands (no Django imports at module level)."""

import argparse
import json
from typing import Any


def _attend_sync(args: argparse.Namespace) -> int:
    from wangge.fieldwork.attend import services as attend

    print(json.dumps(attend.sync().as_dict()))
    return 0


def register(sub: Any) -> None:
    attend_cmd = sub.add_parser("attend", help="must attend (五必到)")
    asub = attend_cmd.add_subparsers(dest="attend_command", required=True)
    sync = asub.add_parser("sync", help="create the attendance tasks of new events")
    sync.set_defaults(func=_attend_sync)
