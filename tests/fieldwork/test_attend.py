"""Must attend (五必到): an event of a listed category → a task for the grid's worker →
the attendance on the event's timeline; overdue alerts; cancelled with the event."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.attend_world import report
from tests.fieldwork.visits_factories import make_world
from wangge.errors import DomainError
from wangge.events import workflow
from wangge.fieldwork.attend import selectors as attend_selectors
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import AttendRule, AttendTask, FieldAlert

pytestmark = pytest.mark.django_db


def test_default_rules_map_to_the_catalogue():
    codes = dict(AttendRule.objects.values_list("code", "name"))
    assert set(codes) == {
        "family_change", "sudden_hardship", "neighbour_dispute", "community_emergency",
        "public_order",
    }  # fmt: skip
    emergency = AttendRule.objects.get(code="community_emergency")
    assert list(emergency.categories.values_list("code", flat=True)) == ["04"]


def test_event_makes_one_task_and_attendance_goes_on_the_timeline():
    w = make_world()
    event = report(w)
    report(w, code="0102")  # 暴露垃圾: no attendance
    assert attend.sync().created == 1
    assert attend.sync().created == 0  # idempotent
    task = AttendTask.objects.get()
    assert task.event == event and task.assignee == w.worker_a
    assert task.deadline == event.reported_at + dt.timedelta(hours=24)
    assert FieldAlert.objects.filter(user=w.worker_a, kind="attend_new").count() == 1
    assert [i.pk for i in attend_selectors.todo(w.worker_a, timezone.localdate())] == [task.pk]
    assert attend_selectors.todo(w.worker_b, timezone.localdate()) == []

    record = attend.attend_record(
        actor=w.worker_a, task=task, note="已到现场调解", lon=event.lon, lat=event.lat
    )
    task.refresh_from_db()
    assert task.status == "done" and record.distance_m == 0 and not record.far
    entry = event.timeline.get(action="attend")
    assert entry.comment == "已到现场调解" and entry.actor == w.worker_a
    assert entry.data["late"] is False
    assert attend_selectors.todo(w.worker_a, timezone.localdate()) == []


def test_subcategory_of_a_listed_class_and_short_deadline():
    w = make_world()
    event = report(w, code="0403")  # 燃气泄漏, under 04 突发事件
    attend.sync()
    task = AttendTask.objects.get(event=event)
    assert task.rule.code == "community_emergency"
    assert task.deadline == event.reported_at + dt.timedelta(hours=2)


def test_other_grid_may_not_attend_and_note_is_required():
    w = make_world()
    report(w)
    attend.sync()
    task = AttendTask.objects.get()
    with pytest.raises(DomainError) as err:
        attend.attend_record(actor=w.worker_b, task=task, note="x")
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        attend.attend_record(actor=w.worker_a, task=task, note=" ")
    assert err.value.problems[0].field == "note"
    with pytest.raises(DomainError):
        attend_selectors.task_get(w.worker_b, task.pk)  # 404 outside scope


def test_overdue_alert_once_and_cancel_with_the_event():
    w = make_world()
    event = report(w)
    attend.sync()
    later = timezone.now() + dt.timedelta(hours=25)
    assert attend.sweep(now=later) == {"overdue": 1}
    assert attend.sweep(now=later) == {"overdue": 0}
    assert FieldAlert.objects.filter(kind="attend_overdue", user=w.worker_a).count() == 1
    workflow.event_cancel(event=event, actor=w.admin, reason="误报")
    assert attend.sync().cancelled == 1
    assert AttendTask.objects.get().status == "cancelled"


def test_rule_admin_only():
    w = make_world()
    with pytest.raises(DomainError) as err:
        attend.rule_save(actor=w.worker_a, code="x", name="x", categories=["0601"])
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        attend.rule_save(actor=w.admin, code="x", name="x", categories=["9999"])
    assert err.value.problems[0].field == "categories"


def test_periodic_jobs_and_cli(capsys):
    from wangge.cli import main
    from wangge.fieldwork import tasks

    w = make_world()
    report(w)
    out = tasks.attend_every_minute.call_local()
    assert out["sync"]["created"] == 1
    assert tasks.generate_visits_daily.call_local()["planned"] == 0
    assert main(["attend", "sync"]) == 0
    assert '"created": 0' in capsys.readouterr().out
    assert main(["visits", "generate", "--period", "2026-11"]) == 0
    assert '"on": "2026-11-01"' in capsys.readouterr().out
    assert main(["visits", "sweep"]) == 0
