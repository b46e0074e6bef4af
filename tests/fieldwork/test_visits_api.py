"""The visits and must-attend API over real HTTP: scope (404 outside), records, rules,
figures."""

import datetime as dt

import pytest

from tests.fieldwork.attend_world import report
from tests.fieldwork.visits_factories import (
    client,
    full_answers,
    household,
    make_world,
    member,
    tag,
    world_with_tasks,
)
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import AttendTask, VisitTask
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import services as visits

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 10)


def test_tasks_are_scoped_404_outside():
    w, ta, tb = world_with_tasks()
    ca = client(w.worker_a)
    ids = [t["id"] for t in ca.get("/api/fieldwork/visits/tasks").json()["items"]]
    assert ids == [ta.pk]
    assert ca.get(f"/api/fieldwork/visits/tasks/{tb.pk}").status_code == 404
    r = ca.post(
        f"/api/fieldwork/visits/tasks/{tb.pk}/records",
        {"answers": full_answers()},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert VisitTask.objects.get(pk=tb.pk).status == "open"
    mine = client(w.liaison_a1).get("/api/fieldwork/visits/tasks?mine=true").json()["items"]
    assert mine == []  # the monthly task is the full-time worker's
    everything = client(w.operator).get("/api/fieldwork/visits/tasks").json()["items"]
    assert len(everything) == 2


def test_record_a_visit_with_finding_over_http():
    w, ta, _tb = world_with_tasks()
    hh = ta.household
    ca = client(w.worker_a)
    r = ca.post(
        f"/api/fieldwork/visits/tasks/{ta.pk}/records",
        {
            "answers": full_answers(hazards=True),
            "notes": "老人身体尚可",
            "lon": hh.lon,
            "lat": hh.lat + 0.01,
            "finding": {"title": "燃气管老化", "category": "0403"},
            "client_key": "draft-1",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["far"] is True and body["distance_m"] > 1000
    assert len(body["findings"]) == 1
    detail = ca.get(f"/api/fieldwork/visits/tasks/{ta.pk}").json()
    assert detail["status"] == "done" and detail["checklist"][0]["name"] == "family"
    again = ca.post(
        f"/api/fieldwork/visits/tasks/{ta.pk}/records",
        {"answers": full_answers(), "client_key": "draft-1"},
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    bad = ca.post(
        f"/api/fieldwork/visits/tasks/{ta.pk}/records",
        {"answers": {"family": ""}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "answers.family" in {e["field"] for e in bad.json()["errors"]}
    finding = ca.post(
        f"/api/fieldwork/visits/records/{body['id']}/findings",
        {"title": "楼道堆物", "category": "0901"},
        content_type="application/json",
    )
    assert finding.status_code == 201 and finding.json()["status"] == "reported"
    assert client(w.worker_b).get(f"/api/fieldwork/visits/records/{body['id']}").status_code == 404


def test_rules_crud_admin_only():
    w = make_world()
    rule = {
        "code": "weekly_watch",
        "name": "重点关注",
        "frequency": "weekly",
        "tag_kinds": ["veteran"],
        "checklist": [
            {"name": "mood", "label": "情绪", "type": "choice", "choices": ["稳定", "波动"]}
        ],
        "responsible_role": "full_time",
    }
    assert (
        client(w.worker_a)
        .post("/api/fieldwork/visits/rules", rule, content_type="application/json")
        .status_code
        == 403
    )
    ca = client(w.admin)
    r = ca.post("/api/fieldwork/visits/rules", rule, content_type="application/json")
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    bad = ca.put(
        f"/api/fieldwork/visits/rules/{rid}",
        {**rule, "checklist": [{"name": "mood", "type": "choice"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "checklist[0].choices"
    assert ca.delete(f"/api/fieldwork/visits/rules/{rid}").status_code == 204
    assert any(r["code"] == "every_household" for r in ca.get("/api/fieldwork/visits/rules").json())


def test_figures_by_area_and_worker():
    w, ta, _tb = world_with_tasks()
    visits.visit_record(actor=w.worker_a, task=ta, answers=full_answers())
    data = client(w.operator).get("/api/fieldwork/visits/figures?area=330103").json()
    assert data["total"]["due"] == 2 and data["total"]["done"] == 1
    by_code = {c["code"]: c for c in data["children"]}
    assert by_code["330103001"]["done"] == 1 and by_code["330103001"]["coverage"] == 1.0
    assert by_code["330103002"]["due"] == 1 and by_code["330103002"]["coverage"] == 0.0
    names = {x["name"]: x for x in data["workers"]}
    assert names["worker_a"]["done"] == 1
    # A grid worker sees only their grid; another grid's area is 404.
    ca = client(w.worker_a)
    assert ca.get("/api/fieldwork/visits/figures?area=330103002").status_code == 404
    own = ca.get("/api/fieldwork/visits/figures").json()
    assert own["area"] == "330103001001001" and own["total"]["due"] == 1


def test_attendance_over_http():
    w = make_world()
    event = report(w)
    attend.sync()
    task = AttendTask.objects.get()
    assert client(w.worker_b).get(f"/api/fieldwork/attend/tasks/{task.pk}").status_code == 404
    ca = client(w.worker_a)
    items = ca.get("/api/fieldwork/attend/tasks?mine=true").json()["items"]
    assert [i["event"] for i in items] == [event.code]
    r = ca.post(
        f"/api/fieldwork/attend/tasks/{task.pk}/records",
        {"note": "到场劝解", "lon": event.lon, "lat": event.lat},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "done"
    timeline = client(w.operator).get(f"/api/events/{event.code}").json()
    assert timeline  # the event page API still answers
    assert event.timeline.filter(action="attend").count() == 1
    assert client(w.worker_a).post("/api/fieldwork/attend/sync").status_code == 403
    assert client(w.admin).post("/api/fieldwork/attend/sync").json() == {
        "created": 0,
        "cancelled": 0,
    }


def test_alerts_api(clock):
    clock("2026-12-07T10:00+08:00")  # weeks after the visits generated on 10-15 fell due
    w = make_world()
    tag(member(household(w.micro_a1)), "living_alone")
    schedule.generate(on=dt.date(2026, 10, 15))
    visits.sweep()
    ca = client(w.worker_a)
    alerts = ca.get("/api/fieldwork/alerts?unread=true").json()["items"]
    assert len(alerts) == 1
    assert ca.post(f"/api/fieldwork/alerts/{alerts[0]['id']}/read").json()["read_at"]
    assert ca.get("/api/fieldwork/alerts?unread=true").json()["items"] == []
    assert (
        client(w.worker_b).post(f"/api/fieldwork/alerts/{alerts[0]['id']}/read").status_code == 404
    )


def test_todo_lists_my_open_visits_with_place_and_url():
    from django.utils import timezone

    from wangge.fieldwork import today

    w, ta, _tb = world_with_tasks()
    items = [i for i in today.todo(w.worker_a, timezone.localdate()) if i.kind == "visit"]
    assert [i.pk for i in items] == [ta.pk]
    assert items[0].url == f"/field/visits/task/{ta.pk}/"
    assert items[0].lon == ta.household.lon and not items[0].overdue
    assert [i.pk for i in today.todo(w.worker_b, timezone.localdate()) if i.kind == "visit"] != [
        ta.pk
    ]


def test_a_done_task_refuses_a_second_visit_unless_a_correction():
    w, ta, _tb = world_with_tasks()
    ca = client(w.worker_a)
    url = f"/api/fieldwork/visits/tasks/{ta.pk}/records"
    first = ca.post(url, {"answers": full_answers(), "client_key": "d1"}, "application/json")
    assert first.status_code == 201, first.content
    second = ca.post(url, {"answers": full_answers(), "client_key": "d2"}, "application/json")
    assert second.status_code == 409
    (error,) = second.json()["errors"]
    assert error["code"] == "already_done" and error["field"] == "correction"
    assert str(ta.pk) in error["message"] and ta.household.code in error["message"]
    assert ta.records.count() == 1
    # The first draft's retry is still the first record, not a conflict.
    retry = ca.post(url, {"answers": full_answers(), "client_key": "d1"}, "application/json")
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    fix = ca.post(
        url,
        {"answers": full_answers(), "client_key": "d3", "correction": True},
        "application/json",
    )
    assert fix.status_code == 201 and ta.records.count() == 2
    ta.refresh_from_db()
    assert ta.status == "done"
