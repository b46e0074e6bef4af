"""Racing writers on PostgreSQL for visits and must-attend (see tests/events/test_concurrency.py
for how a race is run): one draft sent twice at once, concurrent sweeps and generations."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.events.races import race
from tests.fieldwork.attend_world import report
from tests.fieldwork.visits_factories import full_answers, household, make_world, member, tag
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import AttendTask, FieldAlert, VisitRecord, VisitTask
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_one_visit_draft_sent_twice_at_once_is_one_record():
    w = make_world()
    member(household(w.micro_a1))
    schedule.generate()
    task = VisitTask.objects.get()

    results = race(
        2,
        lambda i: VisitTask.objects.select_related("household", "rule").get(pk=task.pk),
        lambda i, t: (
            visits.visit_record(
                actor=w.liaison_a1, task=t, answers=full_answers(), client_key="same"
            ).pk
        ),
        hold=lambda: VisitTask.objects.select_for_update().get(pk=task.pk),
    )
    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert results[0][1] == results[1][1] and VisitRecord.objects.count() == 1


def test_two_drafts_of_one_task_at_once_are_one_visit_and_a_409():
    w = make_world()
    member(household(w.micro_a1))
    schedule.generate()
    task = VisitTask.objects.get()

    results = race(
        2,
        lambda i: VisitTask.objects.select_related("household", "rule").get(pk=task.pk),
        lambda i, t: (
            visits.visit_record(
                actor=w.liaison_a1, task=t, answers=full_answers(), client_key=f"draft-{i}"
            ).pk
        ),
        hold=lambda: VisitTask.objects.select_for_update().get(pk=task.pk),
    )
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["ok", "refused"] and VisitRecord.objects.count() == 1
    refused = next(err for kind, err in results if kind == "refused")
    assert refused.status == 409 and refused.problems[0].code == "already_done"


def test_one_attendance_draft_sent_twice_at_once_is_one_record():
    w = make_world()
    report(w)
    attend.sync()
    task = AttendTask.objects.get()

    results = race(
        2,
        lambda i: AttendTask.objects.get(pk=task.pk),
        lambda i, t: (
            attend.attend_record(actor=w.worker_a, task=t, note="到场", client_key="same").pk
        ),
        hold=lambda: AttendTask.objects.select_for_update().get(pk=task.pk),
    )
    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert results[0][1] == results[1][1] and task.records.count() == 1


def _waiting_for_locks() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")  # fresh view inside our transaction
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cur.fetchone()[0])


def _in_thread(fn):
    out: dict = {}

    def run():
        try:
            out["result"] = fn()
        except BaseException as err:  # reported by the test
            out["error"] = err
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_sweep_skips_tasks_another_sweep_holds():
    w = make_world()
    tag(member(household(w.micro_a1)), "living_alone")
    schedule.generate(on=dt.date(2026, 10, 15))
    with transaction.atomic():
        list(VisitTask.objects.select_for_update())  # another sweep is at work on them
        t, out = _in_thread(lambda: visits.sweep(today=dt.date(2026, 11, 2)))
        t.join(timeout=20)
        assert not t.is_alive(), "the sweep waited for rows another sweep holds"
    assert out["result"] == {"alerted_users": 0, "overdue_tasks": 0}
    assert visits.sweep(today=dt.date(2026, 11, 2))["overdue_tasks"] == 1
    assert FieldAlert.objects.count() == 1


def test_generation_runs_one_at_a_time():
    w = make_world()
    member(household(w.micro_a1))
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [schedule.GENERATE_LOCK])
        t, out = _in_thread(schedule.generate)
        deadline = time.monotonic() + 20
        while _waiting_for_locks() < 1:  # the second run queues behind the first
            assert t.is_alive(), "generation ran beside another one"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    t.join(timeout=60)
    assert "error" not in out, out
    assert out["result"].created == 1
