"""The same order pushed by several threads at once (PostgreSQL: real row locks and a real
unique constraint) makes one event; every push answers, none fails."""

import threading
from typing import Any

import pytest
from django.db import connection, connections

from tests.intake.conftest import Intake, order
from wangge.events.models import Event, TimelineEntry
from wangge.intake import orders

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="racing pushes need PostgreSQL (SQLite serialises all writers)",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def race(intake: Intake, bodies: list[dict[str, Any]]) -> list[Any]:
    barrier = threading.Barrier(len(bodies))
    results: list[Any] = [None] * len(bodies)

    def run(i: int) -> None:
        try:
            parsed = orders.parse_order(intake.hotline, bodies[i])
            barrier.wait(timeout=10)
            results[i] = orders.push_order(intake.hotline, parsed).outcome
        except Exception as exc:  # recorded: the test shows it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_duplicate_pushes_make_one_event(intake: Intake):
    results = race(intake, [order() for _ in range(THREADS)])
    assert sorted(results) == ["created"] + ["unchanged"] * (THREADS - 1), results
    assert Event.objects.filter(source_ref="GD20260301001").count() == 1
    assert TimelineEntry.objects.filter(action="source_order").count() == 1


def test_concurrent_updates_of_one_order_each_land_once(intake: Intake):
    results = race(intake, [order()] + [order(content=f"第 {i} 次催办") for i in range(1, 4)])
    assert results.count("created") == 1 and not [r for r in results if isinstance(r, Exception)]
    event = Event.objects.get()
    updates = event.timeline.filter(action="source_update").count()
    assert updates == results.count("updated") + results.count("noted")
