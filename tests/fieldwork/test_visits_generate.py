"""Visit task generation: strictest rule, idempotence, tasks following households, tags and
posts; overdue alerts."""

import datetime as dt

import pytest

from tests.factories import make_user, post
from tests.fieldwork.visits_factories import full_answers, household, make_world, member, tag
from wangge.accounts import services as account_services
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import Post
from wangge.fieldwork.models import FieldAlert, VisitRule, VisitTask
from wangge.fieldwork.visits import rules as visit_rules
from wangge.fieldwork.visits import schedule as visit_schedule
from wangge.fieldwork.visits import selectors as visit_selectors
from wangge.fieldwork.visits import services as visits
from wangge.people.residents import services as people

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 10)


def task_of(hh) -> VisitTask:
    return VisitTask.objects.get(household=hh, period_start__lte=ON, due_on__gte=ON)


def test_defaults_installed():
    codes = set(VisitRule.objects.values_list("code", flat=True))
    assert {"every_household", "living_alone", "hardship", "disabled", "floating"} <= codes
    assert visit_rules.install_defaults() == 0  # idempotent


def test_strictest_rule_wins_and_one_task_per_household():
    w = make_world()
    plain = household(w.micro_a1)
    member(plain)
    disabled = household(w.micro_a1)
    tag(member(disabled), "disabled")
    alone = household(w.micro_a2)
    r = member(alone)
    tag(r, "disabled")
    tag(r, "living_alone")
    floating = household(w.micro_b1)
    member(floating, residence_type="floating")
    empty = household(w.micro_a2)  # no members: still a household, yearly

    result = visit_schedule.generate(on=ON)
    assert result.planned == result.created == 5
    assert VisitTask.objects.count() == 5  # one per household, never several
    assert task_of(plain).period == "2026"
    assert task_of(empty).period == "2026"
    assert task_of(disabled).period == "2026-Q4"
    assert task_of(alone).period == "2026-11"  # monthly beats quarterly and yearly
    assert task_of(alone).due_on == dt.date(2026, 11, 30)
    assert task_of(floating).period == "2026-Q4"
    # Yearly: the micro-grid's liaison; A2 has none, so the grid's full-time worker.
    assert task_of(plain).assignee == w.liaison_a1
    assert task_of(empty).assignee == w.worker_a
    assert task_of(disabled).assignee == w.worker_a
    assert task_of(floating).assignee == w.worker_b


def test_generation_is_idempotent():
    w = make_world()
    for _ in range(3):
        tag(member(household(w.micro_a1)), "hardship")
        member(household(w.micro_b1))
    first = visit_schedule.generate(on=ON)
    assert first.created == 6
    ids = set(VisitTask.objects.values_list("id", "assignee_id", "period"))
    again = visit_schedule.generate(on=ON)
    assert (again.created, again.reassigned, again.dropped) == (0, 0, 0)
    assert set(VisitTask.objects.values_list("id", "assignee_id", "period")) == ids


def test_next_period_adds_tasks_and_keeps_the_old():
    w = make_world()
    tag(member(household(w.micro_a1)), "living_alone")
    visit_schedule.generate(on=dt.date(2026, 10, 5))
    visit_schedule.generate(on=dt.date(2026, 11, 5))
    assert sorted(VisitTask.objects.values_list("period", flat=True)) == ["2026-10", "2026-11"]


def test_tag_added_and_ended_reschedules_open_tasks():
    w = make_world()
    hh = household(w.micro_a1)
    r = member(hh)
    visit_schedule.generate(on=ON)
    assert task_of(hh).period == "2026"
    t = tag(r, "living_alone", since=dt.date(2026, 11, 1))
    result = visit_schedule.generate(on=ON)
    assert (result.dropped, result.created) == (1, 1)
    assert list(VisitTask.objects.filter(household=hh).values_list("period", flat=True)) == [
        "2026-11"
    ]
    assert task_of(hh).assignee == w.worker_a  # the monthly rule is the full-time worker's
    people.tag_end(actor=SYSTEM, tag=t, on=dt.date(2026, 11, 2))
    visit_schedule.generate(on=ON)
    assert list(VisitTask.objects.filter(household=hh).values_list("period", flat=True)) == ["2026"]


def test_task_follows_a_household_that_moves():
    w = make_world()
    hh = household(w.micro_a1)
    visit_schedule.generate(on=ON)
    assert task_of(hh).assignee == w.liaison_a1
    other = household(w.micro_b1, "elsewhere")  # its house, in grid B
    people.household_save(actor=SYSTEM, code=hh.code, house=other.house)
    result = visit_schedule.generate(on=ON)
    assert result.reassigned == 1
    moved = task_of(hh)
    assert (moved.area, moved.assignee) == (w.micro_b1, w.worker_b)
    # The worker of grid A no longer sees it; the one of grid B does.
    assert not visit_selectors.tasks(w.worker_a).filter(pk=moved.pk).exists()
    assert visit_selectors.tasks(w.worker_b).filter(pk=moved.pk).exists()


def test_tasks_follow_a_worker_changing_post():
    w = make_world()
    hh = household(w.micro_a2)
    tag(member(hh), "unemployed")
    visit_schedule.generate(on=ON)
    assert task_of(hh).assignee == w.worker_a
    account_services.post_end(post=Post.objects.get(user=w.worker_a), ended_on=dt.date(2026, 1, 1))
    newcomer = make_user("newcomer")
    post(newcomer, w.areas["330103001001001"], role="full_time")
    visit_schedule.generate(on=ON)
    assert task_of(hh).assignee == newcomer


def test_dissolved_household_loses_its_open_task_but_done_ones_stay():
    w = make_world()
    hh, done = household(w.micro_a1), household(w.micro_a1)
    visit_schedule.generate(on=ON)
    VisitTask.objects.filter(household=done).update(status="done")
    for h in (hh, done):
        h.dissolved_on = dt.date(2026, 11, 1)
        h.save()
    result = visit_schedule.generate(on=ON)
    assert result.dropped == 1
    assert list(VisitTask.objects.values_list("household_id", flat=True)) == [done.pk]


def test_visit_before_a_schedule_change_counts(clock):
    """Visited in the year's task; a new monthly schedule starts — this month is covered by
    the visit already made in it, the task is created done."""
    clock("2026-11-12T10:00+08:00")  # the visit of 11-05 lies in the past
    w = make_world()
    hh = household(w.micro_a1)
    r = member(hh)
    visit_schedule.generate(on=ON)
    # Dated in the month the new schedule covers (ON's), whatever today is.
    visits.visit_record(
        actor=w.liaison_a1,
        task=task_of(hh),
        answers=full_answers(),
        visited_at=dt.datetime(2026, 11, 5, 10, 0),
    )
    tag(r, "living_alone", since=dt.date(2026, 11, 1))
    result = visit_schedule.generate(on=ON)
    assert result.already_visited == 1
    month = VisitTask.objects.get(household=hh, period="2026-11")
    assert month.status == "done"
    assert VisitTask.objects.get(household=hh, period="2026").status == "done"


def test_inactive_rule_and_every_n_days_rule():
    w = make_world()
    hh = household(w.micro_a1)
    tag(member(hh), "veteran")
    visits.rule_save(
        actor=w.admin,
        code="veterans",
        name="退役军人",
        frequency="days",
        every_days=10,
        anchor=dt.date(2026, 11, 1),
        tag_kinds=["veteran"],
        checklist=[],
        responsible_role="full_time",
    )
    visit_schedule.generate(on=ON)
    assert task_of(hh).period == "D10-2026-11-01"
    assert task_of(hh).due_on == dt.date(2026, 11, 10)
    VisitRule.objects.filter(code="veterans").update(active=False)
    visit_schedule.generate(on=ON)
    assert task_of(hh).period == "2026"


def test_overdue_sweep_alerts_each_assignee_once():
    w = make_world()
    for _ in range(2):
        tag(member(household(w.micro_a1)), "living_alone")
    visit_schedule.generate(on=dt.date(2026, 10, 15))  # due Oct 31
    out = visits.sweep(today=dt.date(2026, 11, 2))
    assert out == {"alerted_users": 1, "overdue_tasks": 2}
    alert = FieldAlert.objects.get()
    assert alert.user == w.worker_a and "2" in alert.text
    assert visits.sweep(today=dt.date(2026, 11, 3)) == {"alerted_users": 0, "overdue_tasks": 0}
