"""Subcommands of `wangge` for this app (no Django imports at module level)."""

import argparse


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    pass
