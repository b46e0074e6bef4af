"""The one way a process keeps a copy of something small and hot (the channels, the category
catalogue, the working calendar's years, the webhook endpoints, the area index) instead of
asking the database on every report or transition.

A `ProcessCache` holds one loaded value:
- it trusts the value for `seconds()`; then, given a `version` (a cheap read of a stamp that
  every change moves), it reloads only when the stamp moved, otherwise it reloads outright;
- `forget()` drops it at once: a change made in this process is seen by the next read (call
  it from the writing service, after the commit too, as a thread may have read the old rows
  meanwhile); other processes see the change within `seconds()`;
- a load that began before a `forget()` is handed to its caller but not kept, so a copy read
  across a change never outlives it;
- one thread loads at a time (an index costs seconds to build); readers of a held value never
  wait.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import transaction

T = TypeVar("T")


@dataclass(frozen=True)
class _Held(Generic[T]):
    checked_at: float
    version: int | None
    value: T


class ProcessCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[], T],
        *,
        seconds: Callable[[], float],
        version: Callable[[], int] | None = None,
    ) -> None:
        self._load = load
        self._seconds = seconds
        self._version = version
        self._held: _Held[T] | None = None  # swapped whole, read without the lock
        self._generation = 0
        self._lock = threading.Lock()

    def get(self) -> T:
        held = self._held
        if held is not None and time.monotonic() - held.checked_at < self._seconds():
            return held.value
        with self._lock:
            held = self._held
            if held is not None and time.monotonic() - held.checked_at < self._seconds():
                return held.value  # another thread refreshed it meanwhile
            if held is not None and self._version is not None and self._version() == held.version:
                self._held = _Held(time.monotonic(), held.version, held.value)
                return held.value
            return self._read()

    def reload(self) -> T:
        """Read afresh now (a key missing from the held copy may have been added elsewhere)."""
        with self._lock:
            return self._read()

    def _read(self) -> T:
        generation = self._generation
        version = self._version() if self._version is not None else None
        value = self._load()
        if generation == self._generation:
            self._held = _Held(time.monotonic(), version, value)
        return value

    def forget(self) -> None:
        self._generation += 1
        self._held = None

    def forget_now_and_on_commit(self, using: str | None = None) -> None:
        """For a write inside a transaction: forget now, and again once it commits."""
        self.forget()
        transaction.on_commit(self.forget, using=using)
