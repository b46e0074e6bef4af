"""The per-process copy of the channels (read by intake.services, forgotten by the model)."""

import copy
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

# -- the per-process copy of the channels ----------------------------------------------------
# Every report asks for its channel (by API key, then by code); asking the database each time
# cost more than the rest of the lookups together (categories come from the catalogue copy
# of events.deadlines). The table is small and changes rarely, so a process keeps a copy for
# WANGGE_CHANNEL_CHECK_SECONDS. A change made in this process is seen at once (the save and
# delete signals forget the copy: see apps.py); other processes see it within
# WANGGE_CHANNEL_CHECK_SECONDS. A key or code missing from the copy has it read afresh
# before the answer is "unknown", so a channel or key made elsewhere works at once.
Tables = dict[str, dict[Any, Any]]


class _Copy:
    def __init__(self, load: Callable[[], Tables]) -> None:
        self._load = load
        self._held: tuple[float, Tables] | None = None  # (read at, tables): swapped whole
        self._generation = 0  # bumped by forget(): a copy read across it is not kept

    def _read(self) -> Tables:
        generation, read_at = self._generation, time.monotonic()
        tables = self._load()
        if generation == self._generation:
            self._held = (read_at, tables)
        return tables

    def get(self, table: str, key: Any, copied: bool = True) -> Any:
        """The instance under `key` in `table`, or None; a copy of it, so that no caller
        changes what other threads are handed (`copied=False`: the shared one, to read)."""
        held, fresh = self._held, False
        if held is None or time.monotonic() - held[0] >= settings.WANGGE_CHANNEL_CHECK_SECONDS:
            tables, fresh = self._read(), True
        else:
            tables = held[1]
        found = tables[table].get(key)
        if found is None and not fresh:
            found = self._read()[table].get(key)
        if not copied or found is None:
            return found
        handed = copy.copy(found)
        for name, value in vars(found).items():  # JSON fields too (category_map …)
            if isinstance(value, dict | list):
                setattr(handed, name, copy.deepcopy(value))
        return handed

    def forget(self) -> None:
        self._generation += 1
        self._held = None


def _load_channels() -> Tables:
    # By the app registry: the model's module calls `forget_channels`, so no import back.
    channels = list(apps.get_model("intake", "Channel").objects.all())
    return {  # (reversed: of two channels with one key, the first by code, as before)
        "key": {c.api_key_hash: c for c in reversed(channels) if c.api_key_hash},
        "code": {c.code: c for c in channels},
    }


_channels = _Copy(_load_channels)


def forget_channels(sender: Any = None, using: str | None = None, **kwargs: Any) -> None:
    """Drop this process's copy of the channels (connected to their save and delete
    signals, and called by the tests). From a signal, again after the commit: a
    thread that read the old rows meanwhile may have kept them."""
    _channels.forget()
    if sender is not None:
        transaction.on_commit(forget_channels, using=using)
