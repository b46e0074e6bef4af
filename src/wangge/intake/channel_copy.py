"""The per-process copy of the channels (read by intake.services, forgotten by the model)."""

import copy
from typing import Any

from django.apps import apps
from django.conf import settings

from wangge.process_cache import ProcessCache

# Every report asks for its channel (by API key, then by code); asking the database each time
# cost more than the rest of the lookups together (categories come from the catalogue copy
# of events.deadlines). The table is small and changes rarely, so a process keeps a copy for
# WANGGE_CHANNEL_CHECK_SECONDS (a change made in this process is seen at once: the model
# forgets the copy). A key or code missing from the copy has it read afresh before the answer
# is "unknown", so a channel or key made elsewhere works at once.
Tables = dict[str, dict[Any, Any]]


def _load_channels() -> Tables:
    # By the app registry: the model's module calls `forget_channels`, so no import back.
    channels = list(apps.get_model("intake", "Channel").objects.all())
    return {  # (reversed: of two channels with one key, the first by code, as before)
        "key": {c.api_key_hash: c for c in reversed(channels) if c.api_key_hash},
        "code": {c.code: c for c in channels},
    }


_cache: ProcessCache[Tables] = ProcessCache(
    _load_channels, seconds=lambda: settings.WANGGE_CHANNEL_CHECK_SECONDS
)


def channel_lookup(table: str, key: Any, copied: bool = True) -> Any:
    """The channel under `key` in `table` ("key": API key hash, "code"), or None; a copy of
    it, so that no caller changes what other threads are handed (`copied=False`: the shared
    one, to read)."""
    found = _cache.get()[table].get(key)
    if found is None:
        found = _cache.reload()[table].get(key)
    if not copied or found is None:
        return found
    handed = copy.copy(found)
    for name, value in vars(found).items():  # JSON fields too (category_map …)
        if isinstance(value, dict | list):
            setattr(handed, name, copy.deepcopy(value))
    return handed


def forget_channels(sender: Any = None, using: str | None = None, **kwargs: Any) -> None:
    """Drop this process's copy of the channels (called by the model's save and delete, and
    by the tests); from the model, again after the commit."""
    if sender is None:
        _cache.forget()
    else:
        _cache.forget_now_and_on_commit(using)
