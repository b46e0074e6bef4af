"""Concurrent requests for the race tests: threads released together, each on its own
connection."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections, transaction

from wangge.errors import DomainError


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def race(
    n: int,
    prepare: Callable[[int], Any],
    act: Callable[[int, Any], Any],
    hold: Callable[[], Any] | None = None,
    may_crash: bool = False,
) -> list[tuple[str, Any]]:
    """Run act(i, prepare(i)) in n threads released together; with `hold`, the main thread
    holds the lock `hold` takes until all n threads wait for it. Returns, per thread,
    ("ok", result), ("refused", DomainError) or ("crashed", exception) — the last fails the
    test unless `may_crash`."""
    barrier = threading.Barrier(n + 1)
    results: list[tuple[str, Any]] = [("missing", None)] * n

    def run(i: int) -> None:
        try:
            prepared = prepare(i)  # opens this thread's own connection
            barrier.wait(timeout=30)
            results[i] = ("ok", act(i, prepared))
        except DomainError as err:
            results[i] = ("refused", err)
        except BaseException as err:  # reported by the test, not lost in the thread
            results[i] = ("crashed", err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), name=f"racer-{i}") for i in range(n)]
    for t in threads:
        t.start()
    if hold is None:
        barrier.wait(timeout=30)
    else:
        with transaction.atomic():
            hold()
            barrier.wait(timeout=30)
            deadline = time.monotonic() + 20
            while _waiting_for_locks() < n:  # every racer blocked on the row we hold
                assert time.monotonic() < deadline, "the racers never queued for the lock"
                time.sleep(0.02)
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), f"{t.name} hung"
    assert all(kind != "missing" for kind, _ in results), results
    if not may_crash:
        assert all(kind != "crashed" for kind, _ in results), results
    return results
