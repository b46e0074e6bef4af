"""Fixes from the fieldwork review (visits and must-attend): scope of the worker's lists,
moves of overdue tasks, sensitive groups, permissions, bounds and 4xx instead of 500s."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.factories import make_user, post
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
from wangge.accounts import services as account_services
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import Post
from wangge.errors import DomainError
from wangge.fieldwork.attend import selectors as attend_selectors
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import AttendTask, FieldAlert, VisitTask
from wangge.fieldwork.visits import rules as visit_rules
from wangge.fieldwork.visits import schedule
from wangge.fieldwork.visits import selectors as visit_selectors
from wangge.fieldwork.visits import services as visits
from wangge.people.residents import services as people

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 10)


def fields(err: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {p.field for p in err.value.problems}


# -- 1.2 scope of the worker's lists -----------------------------------------------------------
def test_lists_of_a_worker_who_left_the_grid_drop_its_tasks():
    w, ta, _tb = world_with_tasks()
    event = report(w)
    attend.sync()
    assert visit_selectors.todo(w.worker_a, timezone.localdate())
    assert attend_selectors.todo(w.worker_a, timezone.localdate())
    # worker_a leaves grid A for grid B; the old tasks still name them as assignee.
    account_services.post_end(post=Post.objects.get(user=w.worker_a), ended_on=dt.date(2020, 1, 1))
    post(w.worker_a, w.areas["330103002001001"], role="full_time")
    assert VisitTask.objects.filter(assignee=w.worker_a, pk=ta.pk).exists()
    assert AttendTask.objects.filter(assignee=w.worker_a, event=event).exists()
    today = timezone.localdate()
    assert [i for i in visit_selectors.todo(w.worker_a, today) if i.pk == ta.pk] == []
    assert attend_selectors.todo(w.worker_a, today) == []
    page = client(w.worker_a).get("/field/visits/").content.decode()
    assert ta.household.code not in page


def test_overdue_task_follows_a_household_that_moves():
    w = make_world()
    hh = household(w.micro_a1)
    tag(member(hh), "living_alone")
    schedule.generate(on=dt.date(2026, 10, 15))  # October's task, overdue in November
    october = VisitTask.objects.get(household=hh)
    other = household(w.micro_b1, "elsewhere")
    people.household_save(actor=SYSTEM, code=hh.code, house=other.house)
    schedule.generate(on=ON)
    october.refresh_from_db()
    assert october.status == "open" and october.due_on < ON
    assert october.area == w.micro_b1 and october.assignee == w.worker_b
    assert not visit_selectors.tasks(w.worker_a).filter(pk=october.pk).exists()


# -- 2.1 sensitive groups ----------------------------------------------------------------------
def test_sensitive_group_cannot_drive_visits():
    w = make_world()
    with pytest.raises(DomainError) as err:
        visits.rule_save(
            actor=w.admin,
            code="watch",
            name="关注",
            frequency="weekly",
            tag_kinds=["severe_mental_disorder"],
        )
    assert err.value.status == 422 and fields(err) == {"tag_kinds"}
    assert "severe_mental_disorder" in err.value.problems[0].message


# -- 1.4 the must-attend rule permission ---------------------------------------------------------
def _with_perm(w, codename: str):
    user = make_user(f"has_{codename}")
    post(user, w.areas["330103"], role="operator")
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def test_attend_rules_need_the_attend_rule_permission():
    w = make_world()
    attend_admin = _with_perm(w, "change_attendrule")
    rule = attend.rule_save(actor=attend_admin, code="x", name="x", categories=["0601"])
    assert rule.pk
    visit_admin = _with_perm(w, "change_visitrule")
    with pytest.raises(DomainError) as err:
        attend.rule_save(actor=visit_admin, rule=rule, code="x", name="y", categories=["0601"])
    assert err.value.status == 403
    r = client(visit_admin).put(
        f"/api/fieldwork/attend/rules/{rule.pk}",
        {"code": "x", "name": "y", "categories": ["0601"]},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client(attend_admin).put(
        f"/api/fieldwork/attend/rules/{rule.pk}",
        {"code": "x", "name": "y", "categories": ["0601"]},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content


# -- 3.1 naive datetimes -----------------------------------------------------------------------
def naive_now() -> str:
    return (timezone.localtime() - dt.timedelta(minutes=1)).replace(tzinfo=None).isoformat()


def test_naive_times_are_taken_as_local():
    w, ta, _tb = world_with_tasks()
    r = client(w.liaison_a1).post(
        f"/api/fieldwork/visits/tasks/{ta.pk}/records",
        {"answers": full_answers(), "visited_at": naive_now()},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    report(w)
    attend.sync()
    task = AttendTask.objects.get()
    r = client(w.worker_a).post(
        f"/api/fieldwork/attend/tasks/{task.pk}/records",
        {"note": "到场", "attended_at": naive_now()},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content


# -- 3.2 lengths -------------------------------------------------------------------------------
def test_over_long_strings_are_refused_by_the_api():
    w, ta, _tb = world_with_tasks()
    c = client(w.liaison_a1)
    url = f"/api/fieldwork/visits/tasks/{ta.pk}/records"
    long_key = c.post(
        url, {"answers": full_answers(), "client_key": "k" * 101}, content_type="application/json"
    )
    assert long_key.status_code == 422 and "client_key" in long_key.content.decode()
    long_title = c.post(
        url,
        {"answers": full_answers(), "finding": {"title": "x" * 201, "category": "0601"}},
        content_type="application/json",
    )
    assert long_title.status_code == 422 and "title" in long_title.content.decode()
    rule = {"code": "c" * 41, "name": "n", "frequency": "weekly", "all_households": True}
    r = client(w.admin).post("/api/fieldwork/visits/rules", rule, content_type="application/json")
    assert r.status_code == 422 and "code" in r.content.decode()
    r = client(w.admin).post(
        "/api/fieldwork/attend/rules",
        {"code": "c", "name": "n" * 101, "categories": ["0601"]},
        content_type="application/json",
    )
    assert r.status_code == 422 and "name" in r.content.decode()
    report(w)
    attend.sync()
    task = AttendTask.objects.get()
    r = client(w.worker_a).post(
        f"/api/fieldwork/attend/tasks/{task.pk}/records",
        {"note": "到场", "client_key": "k" * 101},
        content_type="application/json",
    )
    assert r.status_code == 422 and "client_key" in r.content.decode()


def test_over_long_strings_are_refused_by_the_services():
    w, ta, _tb = world_with_tasks()
    with pytest.raises(DomainError) as err:
        visits.visit_record(
            actor=w.liaison_a1, task=ta, answers=full_answers(), client_key="k" * 101
        )
    assert fields(err) == {"client_key"}
    with pytest.raises(DomainError) as err:
        visits.visit_record(
            actor=w.liaison_a1,
            task=ta,
            answers=full_answers(),
            finding=visits.FindingIn(title="x" * 201, category="0601"),
        )
    assert fields(err) == {"finding.title"}
    with pytest.raises(DomainError) as err:
        visits.rule_save(
            actor=w.admin, code="c" * 41, name="n" * 101, frequency="weekly", all_households=True
        )
    assert fields(err) == {"code", "name"}
    with pytest.raises(DomainError) as err:
        attend.rule_save(actor=w.admin, code="c" * 41, name="n" * 101, categories=["0601"])
    assert fields(err) == {"code", "name"}
    report(w)
    attend.sync()
    with pytest.raises(DomainError) as err:
        attend.attend_record(
            actor=w.worker_a, task=AttendTask.objects.get(), note="到场", client_key="k" * 101
        )
    assert fields(err) == {"client_key"}


# -- 3.3 bounds and bad values -----------------------------------------------------------------
def test_bad_alert_value_is_a_404():
    w = make_world()
    c = client(w.worker_a)
    assert c.post("/field/visits/alerts/", {"alert": "x"}).status_code == 404
    assert c.post("/field/visits/alerts/", {"alert": "²"}).status_code == 404
    alert = FieldAlert.objects.create(user=w.worker_a, kind="visits_overdue", text="t", url="")
    assert c.post("/field/visits/alerts/", {"alert": str(alert.pk)}).status_code == 302


@pytest.mark.parametrize("every_days", [0, 3661, 10_000_000])
def test_every_days_is_bounded(every_days):
    w = make_world()
    with pytest.raises(DomainError) as err:
        visits.rule_save(
            actor=w.admin,
            code="n",
            name="n",
            frequency="days",
            every_days=every_days,
            all_households=True,
        )
    assert fields(err) == {"every_days"}
    r = client(w.admin).post(
        "/api/fieldwork/visits/rules",
        {"code": "n", "name": "n", "frequency": "days", "every_days": every_days},
        content_type="application/json",
    )
    assert r.status_code == 422 and "every_days" in r.content.decode()


@pytest.mark.parametrize("order", [-1, 70_000])
def test_rule_order_is_bounded(order):
    w = make_world()
    with pytest.raises(DomainError) as err:
        visits.rule_save(
            actor=w.admin, code="o", name="o", frequency="weekly", all_households=True, order=order
        )
    assert fields(err) == {"order"}
    with pytest.raises(DomainError) as err:
        attend.rule_save(actor=w.admin, code="o", name="o", categories=["0601"], order=order)
    assert fields(err) == {"order"}
    for url, body in (
        ("/api/fieldwork/visits/rules", {"frequency": "weekly", "all_households": True}),
        ("/api/fieldwork/attend/rules", {"categories": ["0601"]}),
    ):
        r = client(w.admin).post(
            url, {"code": "o", "name": "o", "order": order, **body}, content_type="application/json"
        )
        assert r.status_code == 422 and "order" in r.content.decode()


@pytest.mark.parametrize("bound", ["nan", "inf", "-inf", float("nan"), "1e999"])
def test_number_bounds_must_be_finite(bound):
    with pytest.raises(DomainError) as err:
        visit_rules.clean_checklist([{"name": "n", "label": "n", "type": "number", "min": bound}])
    assert any(p.field.endswith("min") for p in err.value.problems)


# -- 4.1 double submission ---------------------------------------------------------------------
def test_same_client_key_twice_is_one_record_on_pages_and_api():
    w, ta, _tb = world_with_tasks()
    c = client(w.liaison_a1)
    body = {"answers": full_answers(), "client_key": "twice"}
    url = f"/api/fieldwork/visits/tasks/{ta.pk}/records"
    first = c.post(url, body, content_type="application/json")
    second = c.post(url, body, content_type="application/json")
    assert first.status_code == second.status_code == 201
    assert ta.records.count() == 1
    report(w)
    attend.sync()
    task = AttendTask.objects.get()
    for _ in range(2):
        r = client(w.worker_a).post(
            f"/field/visits/attend/{task.pk}/", {"note": "到场", "client_key": "att-twice"}
        )
        assert r.status_code in (200, 302)
    assert task.records.count() == 1


# -- 4.2 a task that vanished ------------------------------------------------------------------
def test_vanished_task_is_a_409():
    w, ta, _tb = world_with_tasks()
    VisitTask.objects.filter(pk=ta.pk).delete()
    with pytest.raises(DomainError) as err:
        visits.visit_record(actor=w.liaison_a1, task=ta, answers=full_answers())
    assert err.value.status == 409
    report(w)
    attend.sync()
    task = AttendTask.objects.get()
    AttendTask.objects.filter(pk=task.pk).delete()
    with pytest.raises(DomainError) as err:
        attend.attend_record(actor=w.worker_a, task=task, note="到场")
    assert err.value.status == 409


# -- 5.5 backdated visits ----------------------------------------------------------------------
def test_visit_before_the_period_is_refused():
    w = make_world()
    hh = household(w.micro_a1)
    member(hh)
    schedule.generate(on=ON)
    task = VisitTask.objects.get(household=hh)
    before = timezone.make_aware(dt.datetime.combine(task.period_start, dt.time(12)))
    before -= dt.timedelta(days=1)
    with pytest.raises(DomainError) as err:
        visits.visit_record(
            actor=w.liaison_a1, task=task, answers=full_answers(), visited_at=before
        )
    assert err.value.status == 422 and fields(err) == {"visited_at"}
    task.refresh_from_db()
    assert task.status == "open"
