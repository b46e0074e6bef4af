"""The facts against an independent reading of the timeline (hypothesis).

Random life cycles run through the real workflow services on a clock the test moves (hours
pass, the deadline sweep runs, as the worker does). A small reader written here — from the
timeline entries alone, and the overdue events the test itself saw at each sweep — says
what each event's flags must be; `fact_of` (the worker's facts) and, on PostgreSQL, the SQL
rebuild must say the same. The reader never calls wangge.stats.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events.factories import World, make_world, report
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import OPEN_STATUSES, Event, OrderRole, TimelineEntry
from wangge.events.sweep import sweep
from wangge.regions.models import Area
from wangge.stats import facts
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db

# The flags the reader gives (each as fact_of names it).
READ = (
    "accepted",
    "accepted_on_time",
    "dispatched",
    "dispatched_accurately",
    "handled",
    "handled_on_time",
    "closed",
    "reworked",
    "extended",
    "overdue_ever",
    "escalated",
    "self_handled",
    "called_back",
    "satisfied",
    "reopened",
    "settled_level",
    "open",
    "open_reported",
    "open_accepted",
    "open_handling",
    "open_checking",
    "open_red",
    "closed_on_time",
)
ACTIONS = (
    "accept",
    "dispatch",
    "joint",
    "sign",
    "feedback",
    "assist_feedback",
    "verify",
    "verify_fail",
    "close",
    "callback_good",
    "callback_bad",
    "reopen",
    "escalate",
    "return",
    "self_handle",
    "self_feedback",
    "extend",
    "extend_refused",
    "cancel",
    "reject",
    "merge",
)
# What may come next in each status (the "next" step picks one of them).
NEXT = {
    "reported": ("accept", "accept", "escalate", "self_handle", "reject"),
    "accepted": ("dispatch", "joint", "self_handle", "escalate"),
    "dispatched": ("sign", "return", "extend", "escalate"),
    "handling": ("feedback", "assist_feedback", "self_feedback", "extend_refused", "extend"),
    "handled": ("verify", "verify", "verify_fail"),
    "verified": ("close",),
    "closed": ("callback_good", "callback_bad", "reopen"),
}
STEP = st.one_of(
    *[st.tuples(st.just("next"), st.integers(0, 99))] * 5,
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2)),
    st.tuples(st.just("later"), st.integers(1, 30)),  # hours on, then the sweep
    st.tuples(st.just("report"), st.integers(0, 1)),
)


def _act(w: World, e: Event, kind: str, now: datetime, events: list[Event]) -> None:
    o, city = w.operator, w.city_handler
    calls: dict[str, Any] = {
        "accept": lambda: wf.event_accept(event=e, actor=o),
        "dispatch": lambda: wf.event_dispatch(event=e, actor=o, lead=w.city),
        "joint": lambda: wf.event_dispatch(event=e, actor=o, lead=w.city, assists=[w.market]),
        "sign": lambda: wf.event_sign(event=e, actor=city),
        "feedback": lambda: wf.event_feedback(event=e, actor=city, note="已处理"),
        "assist_feedback": lambda: (
            wf.event_sign(event=e, actor=w.market_handler),
            wf.event_feedback(event=e, actor=w.market_handler, note="已协助"),
        ),
        "verify": lambda: wf.event_verify(event=e, actor=w.worker, passed=True),
        "verify_fail": lambda: wf.event_verify(
            event=e, actor=w.worker, passed=False, comment="未清理"
        ),
        "close": lambda: wf.event_close(event=e, actor=o),
        "callback_good": lambda: wf.event_callback(event=e, actor=o, satisfaction="satisfied"),
        "callback_bad": lambda: wf.event_callback(event=e, actor=o, satisfaction="unsatisfied"),
        "reopen": lambda: wf.event_reopen(event=e, actor=o, reason="不满意"),
        "escalate": lambda: wf.event_escalate(event=e, actor=o, reason="上报"),
        "return": lambda: wf.event_return(event=e, actor=city, reason="错派"),
        "self_handle": lambda: wf.event_self_handle(event=e, actor=w.worker),
        "self_feedback": lambda: wf.event_feedback(event=e, actor=w.worker, note="自行处置"),
        "cancel": lambda: wf.event_cancel(event=e, actor=w.admin, reason="撤销"),
        "reject": lambda: wf.event_reject(event=e, actor=o, reason="不予立案"),
        "merge": lambda: wf.event_merge(
            event=e, actor=o, into=next(x for x in events if x.pk != e.pk)
        ),
    }
    if kind in ("extend", "extend_refused"):
        order = e.orders.filter(role=OrderRole.LEAD, department=w.city.pk).order_by("-pk").first()
        if order is None:
            return
        e = wf.event_request_extension(
            event=e, actor=city, until=now + timedelta(days=5), reason="需采购配件"
        )
        wf.event_decide_extension(
            event=e, actor=o, order=order, approve=kind == "extend", comment=""
        )
        return
    calls[kind]()


# -- the independent reader ----------------------------------------------------------------
def read(
    event: Event,
    entries: list[TimelineEntry],
    seen_overdue: bool,
    asof: datetime,
    levels: dict[str, int],
) -> dict[str, Any]:
    """What the timeline says of one event."""
    if event.status == "merged":
        return dict.fromkeys(READ, False) | {"settled_level": None}
    accept_due: datetime | None = None
    accepted_at: datetime | None = None
    handled_at: datetime | None = None
    handle_due: datetime | None = None
    handled_due: datetime | None = None  # the handling deadline when it was handled
    level = event.area.level
    satisfaction = ""
    flags = dict.fromkeys(READ, False)
    for t in entries:
        a, data = t.action, t.data or {}
        if a in ("report", "escalate") and accepted_at is None and data.get("deadline"):
            accept_due = parse_datetime(data["deadline"])
        if a == "accept":
            if accepted_at is None:
                accepted_at = t.at
            handle_due = parse_datetime(data["deadline"])
        if a == "reopen":
            handled_at = None
            satisfaction = ""
            handle_due = parse_datetime(data["deadline"])
            flags["reopened"] = True
        if a == "decide_extension" and data.get("approved"):
            flags["extended"] = True
            handle_due = parse_datetime(data["deadline"]["to"])
        if a == "dispatch":
            flags["dispatched"] = True
        if a == "return":
            flags["returned"] = True
        if a == "verify" and data.get("passed") is False:
            flags["reworked"] = True
        if a == "escalate":
            flags["escalated"] = True
            level = levels[data["to_area"]]
        if a == "self_handle":
            flags["self_handled"] = True
        if a == "callback":
            satisfaction = data["satisfaction"]
        if t.to_status == "handled" and t.from_status != "handled":
            handled_at, handled_due = t.at, handle_due
    status = entries[-1].to_status if entries else event.status  # where the timeline ends
    closed = status == "closed"
    red = status in OPEN_STATUSES and event.deadline is not None and event.deadline <= asof
    flags.update(
        accepted=accepted_at is not None,
        accepted_on_time=accepted_at is not None
        and (accept_due is None or accepted_at <= accept_due),
        dispatched_accurately=flags["dispatched"] and not flags.pop("returned", False),
        handled=handled_at is not None,
        handled_on_time=handled_at is not None
        and (handled_due is None or handled_at <= handled_due),
        closed=closed,
        overdue_ever=seen_overdue or red,
        called_back=bool(satisfaction),
        satisfied=satisfaction in ("satisfied", "basically"),
        settled_level=level if closed else None,
        open=status in OPEN_STATUSES,
        open_reported=status == "reported",
        open_accepted=status == "accepted",
        open_handling=status in ("dispatched", "handling"),
        open_checking=status in ("handled", "verified"),
        open_red=red,
        closed_on_time=closed and not (seen_overdue or red),
    )
    return flags


def _readings(seen: set[int], asof: datetime) -> dict[int, dict[str, Any]]:
    levels = dict(Area.objects.values_list("code", "level"))
    timelines: dict[int, list[TimelineEntry]] = {}
    for t in TimelineEntry.objects.order_by("event_id", "pk"):
        timelines.setdefault(t.event_id, []).append(t)
    return {
        e.pk: read(e, timelines.get(e.pk, []), e.pk in seen, asof, levels)
        for e in Event.objects.select_related("area")
    }


def _of(rows: Any) -> dict[int, dict[str, Any]]:
    return {r["event_id"]: {k: r[k] for k in READ} for r in rows}


def _start() -> datetime:
    """This morning at 9:30 (the world's posts start today), the clock standing still."""
    return timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)


def _overdue_now(now: datetime) -> set[int]:
    """The events the test sees past their deadline while open (after a sweep)."""
    return set(
        Event.objects.filter(status__in=OPEN_STATUSES, deadline__lte=now).values_list(
            "pk", flat=True
        )
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        w = make_world()
        yield w
        transaction.set_rollback(True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=10, max_size=60))
def test_facts_agree_with_a_reading_of_the_timeline(world, steps):
    w = world
    with transaction.atomic(), time_machine.travel(_start(), tick=False) as clock:
        events = [report(w), report(w, "0101")]
        seen: set[int] = set()
        for kind, arg in steps:
            now = timezone.now()
            if kind == "later":
                clock.shift(timedelta(hours=arg))
                now = timezone.now()
                sweep(now)
                seen |= _overdue_now(now)
                continue
            if kind == "report":
                events.append(report(w, "0102" if arg else "0101"))
                continue
            e = Event.objects.get(pk=events[arg % len(events)].pk)
            if kind == "next":
                choices = NEXT.get(e.status, ("cancel",))
                kind = choices[arg // 3 % len(choices)]
            try:
                with transaction.atomic():
                    _act(w, e, kind, now, events)
            except DomainError:
                pass
        asof = timezone.now()
        expected = _readings(seen, asof)
        ids = list(expected)
        computed = _of(facts.compute(ids, asof))
        assert computed == expected
        if connection.vendor == "postgresql":
            EventFact.objects.all().delete()
            facts.insert_all_sql(asof)
            rebuilt = _of(EventFact.objects.values())
            assert rebuilt == expected
        transaction.set_rollback(True)


def test_the_reader_sees_a_late_acceptance_and_a_late_handling(world):
    """The reader is no copy of the facts: a hand-made case it must get right."""
    w = world
    with transaction.atomic(), time_machine.travel(_start(), tick=False) as clock:
        e = report(w)
        clock.shift(timedelta(days=3))  # past the acceptance deadline
        e = wf.event_accept(event=e, actor=w.operator)
        e = wf.event_dispatch(event=e, actor=w.operator, lead=w.city)
        e = wf.event_sign(event=e, actor=w.city_handler)
        clock.shift(timedelta(days=30))  # past the handling deadline
        e = wf.event_feedback(event=e, actor=w.city_handler, note="已处理")
        asof = timezone.now()
        got = _readings(set(), asof)[e.pk]
        assert got["accepted"] and not got["accepted_on_time"]
        assert got["handled"] and not got["handled_on_time"]
        assert got["dispatched_accurately"] and not got["closed"]
        [fact] = facts.compute([e.pk], asof)
        assert {k: fact[k] for k in READ} == got
        transaction.set_rollback(True)
