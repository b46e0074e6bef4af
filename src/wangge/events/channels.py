"""What the loop asks of a channel, answered by the app that keeps channels (intake).

The workflow must not know where events come from: intake provides the answer in its
AppConfig.ready, so the import points from intake to events, never back."""

from collections.abc import Callable

# code -> whether the active channel's reports are accepted on arrival; None: no such channel.
_skips_acceptance: Callable[[str], bool | None] = lambda code: None  # noqa: E731


def provide(skips_acceptance: Callable[[str], bool | None]) -> None:
    global _skips_acceptance
    _skips_acceptance = skips_acceptance


def skips_acceptance(code: str) -> bool | None:
    return _skips_acceptance(code)
