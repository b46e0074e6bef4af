"""The deadline sweep on the real database: alerts once per level, who hears, escalation."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from tests.factories import make_tree, make_user, post
from wangge import cli
from wangge.events import sweep as sweep_module
from wangge.events import workflow as wf
from wangge.events.models import (
    Category,
    Department,
    Event,
    Notification,
    Status,
    TimelineEntry,
    WorkOrder,
)
from wangge.events.sweep import SweepReport, sweep
from wangge.regions.models import Area

pytestmark = pytest.mark.django_db

NOTHING = SweepReport()


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield
    translation.deactivate()  # cli.main() activates a language for this thread


@dataclass
class Town:
    """One area per level (district → micro-grid) and a centre at three of them."""

    district: Area
    street: Area
    community: Area
    grid: Area
    micro: Area
    district_operator: Any
    street_operator: Any
    secretary: Any  # the community's centre: the nearest one for grids and micro-grids
    worker: Any  # full-time at the grid
    city: Department
    handler: Any


@pytest.fixture
def town() -> Town:
    areas = sorted(make_tree(split=1).values(), key=lambda a: a.level)
    district, street, community, grid, micro = areas
    users = {name: make_user(name) for name in ("district_op", "street_op", "secretary", "w")}
    post(users["district_op"], district, role="operator")
    post(users["street_op"], street, role="operator")
    post(users["secretary"], community, role="secretary")
    post(users["w"], grid, role="full_time")
    city = Department.objects.create(code="cg", name="城管")
    handler = make_user("city")
    city.handlers.add(handler, make_user("retired", is_active=False))
    return Town(
        district=district,
        street=street,
        community=community,
        grid=grid,
        micro=micro,
        district_operator=users["district_op"],
        street_operator=users["street_op"],
        secretary=users["secretary"],
        worker=users["w"],
        city=city,
        handler=handler,
    )


def report(town: Town, **extra: Any) -> Event:
    return wf.event_report(
        actor=extra.pop("actor", town.worker),
        title="路边暴露垃圾",
        category=extra.pop("category", Category.objects.get(code="0102")),
        area=extra.pop("area", town.micro),
        **extra,
    )


def inbox(user: Any, kind: str) -> list[str]:
    return list(Notification.objects.filter(user=user, kind=kind).values_list("text", flat=True))


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def test_an_event_turns_yellow_then_red_and_each_is_told_once(town):
    e = report(town)
    assert e.yellow_at is not None and e.deadline is not None
    version = e.version

    assert sweep(now=e.yellow_at - timedelta(seconds=1)) == NOTHING
    first = sweep(now=e.yellow_at)
    assert (first.events_yellow, first.events_red, first.notifications) == (1, 0, 1)
    assert fresh(e).alert == "yellow" and not fresh(e).overdue_ever
    assert inbox(town.secretary, "yellow") == ["Deadline near: 路边暴露垃圾"]
    assert inbox(town.street_operator, "yellow") == []  # yellow goes to the holders only
    assert sweep(now=e.yellow_at) == NOTHING

    red = sweep(now=e.deadline)
    assert (red.events_red, red.events_yellow, red.escalated) == (1, 0, 0)
    e = fresh(e)
    assert e.alert == "red" and e.overdue_ever and e.status == Status.REPORTED
    # The responsible centre and the next one above; not the district, not the reporter.
    assert inbox(town.secretary, "overdue") == ["Overdue: 路边暴露垃圾"]
    assert inbox(town.street_operator, "overdue") == ["Overdue: 路边暴露垃圾"]
    assert red.notifications == 2
    assert inbox(town.district_operator, "overdue") == inbox(town.worker, "overdue") == []

    assert sweep(now=e.deadline) == NOTHING
    assert sweep(now=e.deadline + timedelta(days=3)) == NOTHING
    assert Notification.objects.filter(kind__in=["yellow", "overdue"]).count() == 3
    assert fresh(e).version == version  # an alert is no move: open forms stay valid


def test_an_event_past_its_deadline_goes_straight_to_red(town):
    e = report(town)
    result = sweep(now=e.deadline + timedelta(hours=1))
    assert (result.events_red, result.events_yellow) == (1, 0)
    assert inbox(town.secretary, "yellow") == []


def test_a_new_stage_clears_the_alert_and_may_lapse_again(town):
    e = report(town)
    sweep(now=e.deadline)
    e = wf.event_accept(event=e, actor=town.secretary)
    assert (e.alert, e.overdue_ever) == ("", True)  # 按期办结率 remembers the first lapse
    assert sweep(now=e.yellow_at).events_yellow == 1
    assert sweep(now=e.deadline).events_red == 1
    assert len(inbox(town.secretary, "overdue")) == 2


def test_work_orders_alert_their_department_and_the_dispatching_centre(town):
    e = report(town)
    e = wf.event_accept(event=e, actor=town.secretary)
    e = wf.event_dispatch(event=e, actor=town.secretary, lead=town.city)
    order = WorkOrder.objects.get(event=e)
    assert order.deadline == order.sign_deadline and order.deadline < e.deadline

    result = sweep(now=order.yellow_at)
    assert (result.orders_yellow, result.events_yellow, result.notifications) == (1, 0, 1)
    assert inbox(town.handler, "yellow") == ["Deadline near at 城管: 路边暴露垃圾"]

    result = sweep(now=order.deadline)  # not signed in time
    assert (result.orders_red, result.events_red) == (1, 0)
    assert inbox(town.handler, "overdue") == ["Overdue at 城管: 路边暴露垃圾"]
    assert inbox(town.secretary, "overdue") == ["Overdue at 城管: 路边暴露垃圾"]
    assert inbox(town.street_operator, "overdue") == []
    assert Notification.objects.filter(user__username="retired").count() == 0
    assert WorkOrder.objects.get(pk=order.pk).alert == "red"
    assert not fresh(e).overdue_ever  # a late signature is not a late event
    assert sweep(now=order.deadline) == NOTHING

    e = wf.event_sign(event=e, actor=town.handler)  # the handling stage: a new deadline
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.alert == "" and order.deadline == order.handle_deadline
    later = max(order.deadline, e.deadline)
    result = sweep(now=later)
    assert (result.orders_red, result.events_red) == (1, 1)
    assert fresh(e).overdue_ever
    assert sweep(now=later) == NOTHING


def test_an_overdue_event_is_escalated_once_per_lapse(town):
    category = Category.objects.get(code="0102")
    category.escalate_when_overdue = True
    category.save()
    e = report(town, category=category)

    # Lapsed a minute ago, in real time (the escalation dates its new deadline from now).
    lapsed = timezone.now() - timedelta(minutes=1)
    Event.objects.filter(pk=e.pk).update(deadline=lapsed, yellow_at=lapsed)
    result = sweep()
    assert (result.events_red, result.escalated) == (1, 1)
    e = fresh(e)
    # The level above gets a fresh deadline of its own: a new episode, not red yet.
    assert e.responsible_area == town.grid and e.status == Status.REPORTED and e.alert == ""
    assert e.deadline > timezone.now()
    entry = TimelineEntry.objects.get(event=e, action="escalate")
    assert entry.actor is None
    assert (entry.data["from_area"], entry.data["to_area"]) == (town.micro.code, town.grid.code)
    assert datetime.fromisoformat(entry.data["deadline"]) == e.deadline
    assert inbox(town.secretary, "escalated") == ["Escalated to you: 路边暴露垃圾"]
    # Sweeping again before the new deadline escalates nothing more.
    assert sweep() == NOTHING
    assert TimelineEntry.objects.filter(event=e, action="escalate").count() == 1

    # A new stage deadline is a new episode: lapsing again escalates again.
    e = wf.event_accept(event=e, actor=town.secretary)
    result = sweep(now=e.deadline)
    assert (result.events_red, result.escalated) == (1, 1)
    e = fresh(e)
    assert e.responsible_area == town.community and e.status == Status.ACCEPTED


def test_escalation_keeps_the_live_orders(town):
    """An overdue dispatched event goes to the level above with its work orders: the
    department goes on (and is chased: its order is overdue too), nothing is withdrawn."""
    category = Category.objects.get(code="0102")
    category.escalate_when_overdue = True
    category.save()
    e = report(town, category=category)
    e = wf.event_accept(event=e, actor=town.secretary)
    e = wf.event_dispatch(event=e, actor=town.secretary, lead=town.city)
    e = wf.event_sign(event=e, actor=town.handler)

    result = sweep(now=e.deadline)
    assert (result.events_red, result.escalated) == (1, 1)
    assert fresh(e).status == Status.HANDLING
    assert fresh(e).responsible_area.level < e.responsible_area.level
    assert WorkOrder.objects.get(event=e).status == "signed"


def test_an_event_at_the_top_is_red_but_cannot_be_escalated(town):
    category = Category.objects.get(code="0102")
    category.escalate_when_overdue = True
    category.save()
    e = report(town, category=category, area=town.district, actor=town.district_operator)
    result = sweep(now=e.deadline)
    assert (result.events_red, result.escalated) == (1, 0)
    e = fresh(e)
    assert e.alert == "red" and e.responsible_area == town.district
    assert inbox(town.district_operator, "overdue") == ["Overdue: 路边暴露垃圾"]
    assert not TimelineEntry.objects.filter(event=e, action="escalate").exists()


def test_a_failing_row_is_rolled_back_and_the_others_go_on(town, monkeypatch):
    category = Category.objects.get(code="0102")
    category.escalate_when_overdue = True
    category.save()
    bad, good = report(town), report(town, category=Category.objects.get(code="0103"))

    def broken(**kwargs: Any) -> Event:
        raise RuntimeError("boom")

    monkeypatch.setattr(wf, "event_escalate", broken)
    result = sweep(now=max(bad.deadline, good.deadline))
    assert (result.failed, result.events_red, result.notifications) == (1, 1, 2)
    assert fresh(bad).alert == "" and not fresh(bad).overdue_ever  # tried again next time
    assert fresh(good).alert == "red"
    assert Notification.objects.filter(event=bad).count() == 0
    monkeypatch.undo()
    assert sweep(now=bad.deadline).escalated == 1


def test_closed_events_are_left_alone(town):
    e = report(town)
    wf.event_reject(event=e, actor=town.secretary, reason="不属实")
    Event.objects.filter(pk=e.pk).update(deadline=timezone.now(), yellow_at=timezone.now())
    assert sweep(now=timezone.now() + timedelta(days=30)) == NOTHING


def test_a_sweep_that_listed_rows_before_another_claimed_them_sends_nothing(town, monkeypatch):
    """Two sweeps at once: both list the same due rows; the conditional UPDATE lets one win."""
    e = report(town)
    e = wf.event_accept(event=e, actor=town.secretary)
    e = wf.event_dispatch(event=e, actor=town.secretary, lead=town.city)
    now = e.deadline + timedelta(minutes=1)
    first = sweep(now=now)
    assert (first.events_red, first.orders_red) == (1, 1)
    before = Notification.objects.count()

    def stale(rows: Any, level: str, now: Any = None) -> list[int]:
        return list(rows.order_by().values_list("pk", flat=True))  # alerts not filtered out

    monkeypatch.setattr(sweep_module, "_due", stale)
    assert sweep(now=now) == NOTHING
    assert Notification.objects.count() == before


def test_wangge_sweep_runs_one_sweep_and_prints_the_counts(town, capsys, monkeypatch):
    monkeypatch.setenv("WANGGE_LANGUAGE", "en")
    e = report(town)
    past = timezone.now() - timedelta(minutes=5)
    Event.objects.filter(pk=e.pk).update(deadline=past, yellow_at=past - timedelta(hours=1))
    capsys.readouterr()
    assert cli.main(["sweep"]) == 0
    out = capsys.readouterr().out
    assert "Overdue: 1 events, 0 orders; deadline near: 0 events, 0 orders" in out
    assert "Escalated: 0; notifications sent: 2" in out
    assert fresh(e).alert == "red"
    assert cli.main(["sweep"]) == 0
    assert "Overdue: 0 events" in capsys.readouterr().out


def test_wangge_worker_runs_the_sweep_from_its_queue_and_stops_on_sigterm(tmp_path):
    """A real consumer on the embedded SQLite queue: the scheduler queues the sweep at once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANGGE_")}
    env.update(
        WANGGE_DATA_DIR=str(tmp_path),
        WANGGE_SECRET_KEY="test-worker-" + "x" * 40,
        WANGGE_TASKS_IMMEDIATE="0",
        WANGGE_LANGUAGE="en",
        DJANGO_SETTINGS_MODULE="wangge.settings",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wangge.cli", "worker", "--workers", "1", "--verbose"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # Migrating a fresh database comes first: minutes on a loaded machine, seconds idle.
        deadline = time.monotonic() + 180
        while "sweep_every_minute" not in log.read_text() or "executed in" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            if time.monotonic() > deadline:
                pytest.fail("no sweep within 180 s:\n" + log.read_text())
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    text = log.read_text()
    assert text.startswith("Wangge worker running; threads: 1")
    assert "Traceback" not in text, text
    assert (tmp_path / "tasks.sqlite3").is_file() and (tmp_path / "wangge.sqlite3").is_file()
