"""After-commit hooks: what other apps do once a change of the event loop has committed.

An app registers a callable under a hook name in its AppConfig.ready (intake queues the
webhook of each timeline entry to the event's channel); the workflow names the hook after
each write, and the callables run once the transaction commits — never for a rolled-back
change. Explicit calls instead of model signals: the side effects of a change can be read
from the workflow and from this registry.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

# A timeline entry was written; the callables receive the entry (with its event_id).
TIMELINE_ENTRY = "timeline_entry"

_hooks: dict[str, list[Callable[..., None]]] = {}


def register(name: str, hook: Callable[..., None]) -> None:
    """Run `hook` after the commit of every write that names `name` (once, however often
    it is registered)."""
    hooks = _hooks.setdefault(name, [])
    if hook not in hooks:
        hooks.append(hook)


def run(name: str, *args: Any) -> None:
    """Call the callables registered under `name` now (from the workflow's own after-commit
    callback, which also queues the outbound webhooks: one callback per change)."""
    for hook in _hooks.get(name, ()):
        hook(*args)


def after_commit(name: str, *args: Any) -> None:
    """Run the callables registered under `name`, with `args`, once the transaction commits."""
    if _hooks.get(name):
        transaction.on_commit(partial(run, name, *args))
