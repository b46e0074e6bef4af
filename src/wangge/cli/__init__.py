"""The `wangge` command for operators. Each subcommand parses, calls a service, prints.

The command sits on top: nothing imports it. Its own subcommands live beside this module
(`platform`, `areas`, `calendar`, `campaign_notice`); each app adds its own through
`wangge.<app>.commands.register(sub)`."""

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from wangge.cli import areas, calendar, campaign_notice, platform

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wangge", description="Wangge grid governance platform")
    sub = parser.add_subparsers(dest="command", required=True)
    for mine in (platform, areas, calendar, campaign_notice):
        mine.register(sub)
    for app in APP_COMMANDS:
        importlib.import_module(f"wangge.{app}.commands").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
