"""Subcommands of `wangge` for this app (no Django imports at module level)."""

import argparse
import sys


def cmd_client(args: argparse.Namespace) -> int:
    from django.db import transaction
    from django.utils.translation import gettext as _

    from wangge.errors import DomainError
    from wangge.open311.services import client_register

    try:
        with transaction.atomic():
            channel, key = client_register(args.code, args.name)
    except DomainError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        _("Open311 client %(code)s (%(name)s); its api_key, shown only now:")
        % {"code": channel.code, "name": channel.name}
    )
    print(key)
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    open311 = sub.add_parser("open311", help="Open311 GeoReport v2").add_subparsers(
        dest="open311_command", required=True
    )
    client = open311.add_parser(
        "client", help="register an Open311 client (a channel) and issue it a new api_key"
    )
    client.add_argument("code", help="the channel code, e.g. civic_app")
    client.add_argument("--name", default="", help="a name for the client")
    client.set_defaults(func=cmd_client)
