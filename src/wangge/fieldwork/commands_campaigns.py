"""`wangge` subcommands of this topic."""

from typing import Any


def register(sub: Any) -> None:
    pass
