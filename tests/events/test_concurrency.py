"""Racing writers on PostgreSQL: threads, each with its own connection, on one event at once.

Every race runs the same way: each thread reads what it needs (opening its connection), then
all wait at a barrier; the main thread holds the contended row lock while they pile up
behind it (it waits until PostgreSQL shows them all waiting), then lets go, so they really
race for the row. Each thread closes its connections at its end.

SQLite is skipped: it has one writer for the whole database and no row locks, so there is
no race to lose there (the sequential stale-version check lives in test_workflow).
"""

import pytest
from django.db import connection

from tests.events.factories import make_world, report
from tests.events.races import race
from wangge.events import workflow as wf
from wangge.events.models import (
    Category,
    Event,
    EventCodeCounter,
    Notification,
    Status,
    TimelineEntry,
    WorkOrder,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL (SQLite serialises all writers on one "
        "database lock); run with WANGGE_DATABASE_URL=postgres://…",
    ),
    # Threads only see committed rows (tests/conftest.py reinstalls the default catalogue
    # that the flush after each transactional test removes).
    pytest.mark.django_db(transaction=True),
]

THREADS = 4


def test_one_of_several_racing_dispatches_wins():
    w = make_world()
    event = wf.event_accept(event=report(w), actor=w.operator)
    version = event.version

    def prepare(i: int) -> Event:
        return Event.objects.get(pk=event.pk)  # what the API does before the move

    def act(i: int, e: Event) -> Event:
        # Half of them send the version they saw (the UI does), half do not.
        expected = version if i % 2 else None
        return wf.event_dispatch(event=e, actor=w.operator, lead=w.city, expected_version=expected)

    results = race(
        THREADS, prepare, act, hold=lambda: Event.objects.select_for_update().get(pk=event.pk)
    )

    winners = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
    assert len(winners) == 1, results
    for i, (kind, err) in enumerate(results):
        if kind == "refused":
            code = err.problems[0].code
            assert code == ("moved_on" if i % 2 else "illegal_transition"), (i, code)
            assert err.status == 409
    event.refresh_from_db()
    assert (event.status, event.version) == (Status.DISPATCHED, version + 1)
    assert WorkOrder.objects.filter(event=event).count() == 1
    assert TimelineEntry.objects.filter(event=event, action="dispatch").count() == 1
    assert Notification.objects.filter(event=event, kind="dispatched").count() == 1


def test_racing_reports_with_one_client_key_make_one_event():
    w = make_world()
    report(w)  # today's code counter exists: the racers queue on its row
    category = Category.objects.get(code="0102")

    def prepare(i: int) -> None:
        Event.objects.exists()

    def act(i: int, _: None) -> int:
        e = wf.event_report(
            actor=w.worker, title="暴露垃圾", category=category, area=w.micro, client_key="k-1"
        )
        return e.pk

    results = race(
        THREADS,
        prepare,
        act,
        hold=lambda: EventCodeCounter.objects.select_for_update().get(),
    )

    assert all(kind == "ok" for kind, _ in results), results
    assert len({pk for _, pk in results}) == 1
    assert Event.objects.filter(client_key="k-1").count() == 1
    assert Event.objects.count() == 2
    (pk,) = {pk for _, pk in results}
    assert list(TimelineEntry.objects.filter(event_id=pk).values_list("action", flat=True)) == [
        "report"
    ]


def test_racing_reports_without_a_key_get_distinct_codes():
    w = make_world()
    report(w)
    category = Category.objects.get(code="0102")

    def act(i: int, _: None) -> str:
        e = wf.event_report(actor=w.worker, title=f"第{i}件", category=category, area=w.micro)
        return e.code

    results = race(THREADS, lambda i: Event.objects.exists(), act)
    codes = [code for _, code in results]
    assert len(set(codes)) == THREADS
    assert Event.objects.count() == THREADS + 1


def test_crossed_merges_one_wins_the_other_is_refused():
    w = make_world()
    a, b = report(w), report(w)
    pairs = [(a.pk, b.pk), (b.pk, a.pk)]

    def prepare(i: int) -> tuple[Event, Event]:
        this, into = pairs[i]  # both fetched as the API fetches them, before the move
        return Event.objects.get(pk=this), Event.objects.get(pk=into)

    def act(i: int, events: tuple[Event, Event]) -> Event:
        this, into = events
        return wf.event_merge(event=this, actor=w.operator, into=into)

    results = race(2, prepare, act, may_crash=True)

    a.refresh_from_db()
    b.refresh_from_db()
    assert not (a.parent_id == b.pk and b.parent_id == a.pk), "merged into each other"
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["ok", "refused"], results
    assert {a.status, b.status} == {Status.MERGED, Status.REPORTED}


def test_four_racing_identical_escalations_climb_once():
    """Four clicks on 上报上级 at once, without expected_version (issue 13 saw a micro-grid
    event reach the district): one climb; the others find it done and change nothing."""
    w = make_world()
    event = report(w)
    level = event.responsible_area.level

    def prepare(i: int) -> Event:
        return Event.objects.get(pk=event.pk)

    def act(i: int, e: Event) -> Event:
        return wf.event_escalate(event=e, actor=w.worker, reason="需网格协调")

    results = race(
        THREADS, prepare, act, hold=lambda: Event.objects.select_for_update().get(pk=event.pk)
    )
    assert all(kind == "ok" for kind, _ in results), results
    event = Event.objects.select_related("responsible_area").get(pk=event.pk)
    assert event.responsible_area.level == level - 1
    assert TimelineEntry.objects.filter(event=event, action="escalate").count() == 1
    assert Notification.objects.filter(event=event, kind="escalated").count() <= 1
