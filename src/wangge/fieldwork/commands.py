"""Subcommands of `wangge` for fieldwork (no Django imports at module level)."""

from typing import Any


def register(sub: Any) -> None:
    from wangge.fieldwork.attend import commands as commands_attend
    from wangge.fieldwork.campaigns import commands as commands_campaigns
    from wangge.fieldwork.visits import commands as commands_visits

    commands_visits.register(sub)
    commands_attend.register(sub)
    commands_campaigns.register(sub)
