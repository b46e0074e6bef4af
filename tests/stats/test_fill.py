"""The worker's fill against a rebuild: after any sequence of transitions, sweeps, merges
and fills, filling once more gives exactly the tables a full rebuild gives (hypothesis)."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction  # noqa: F401 (connection: skipif)
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events.factories import World, make_world, report
from tests.stats.helpers import tables
from wangge.errors import DomainError
from wangge.events import workflow as wf
from wangge.events.models import Category
from wangge.events.sweep import sweep
from wangge.stats import fill
from wangge.stats.models import EventFact, FillState, Rollup

pytestmark = pytest.mark.django_db

# The happy path each event advances along, one step per "advance".
PATH = [
    ("accept", "operator", {}),
    ("dispatch", "operator", {"lead": "city"}),
    ("sign", "city_handler", {}),
    ("feedback", "city_handler", {"note": "已处理"}),
    ("verify", "worker", {"passed": True}),
    ("close", "operator", {}),
    ("callback", "operator", {"satisfaction": "unsatisfied"}),
    ("reopen", "operator", {"reason": "不满意"}),
]
SIDE = {
    "escalate": ("operator", {"reason": "上报"}),
    "return": ("city_handler", {"reason": "错派"}),
    "verify_fail": ("worker", {"passed": False, "comment": "未清理"}),
    "supervise": ("operator", {"until": None}),
    "self_handle": ("worker", {}),
    "cancel": ("admin", {"reason": "撤销"}),
    "reject": ("operator", {"reason": "不予立案"}),
    "joint": ("operator", {"lead": "city", "assists": ["market"]}),  # 吹哨报到
}
FUNCS = {
    "accept": wf.event_accept,
    "dispatch": wf.event_dispatch,
    "sign": wf.event_sign,
    "feedback": wf.event_feedback,
    "verify": wf.event_verify,
    "verify_fail": wf.event_verify,
    "close": wf.event_close,
    "callback": wf.event_callback,
    "reopen": wf.event_reopen,
    "escalate": wf.event_escalate,
    "return": wf.event_return,
    "supervise": wf.event_supervise,
    "self_handle": wf.event_self_handle,
    "cancel": wf.event_cancel,
    "reject": wf.event_reject,
    "joint": wf.event_dispatch,
}
STEP = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 3)),
    st.tuples(st.sampled_from(sorted(SIDE)), st.integers(0, 3)),
    st.tuples(st.just("merge"), st.integers(0, 3)),
    st.tuples(st.just("report"), st.integers(0, 3)),
    st.tuples(st.just("fill"), st.integers(0, 3)),
    st.tuples(st.just("later"), st.integers(1, 72)),  # hours on: deadlines lapse, sweep
)


def _act(w: World, events: list[Any], kind: str, i: int, now: Any) -> None:
    e = events[i % len(events)]
    e.refresh_from_db()
    if kind == "advance":
        done = e.timeline.count() - 1
        name, actor, kwargs = PATH[min(done, len(PATH) - 1)]
    elif kind == "merge":
        other = events[(i + 1) % len(events)]
        wf.event_merge(event=e, actor=w.operator, into=other)
        return
    else:
        name = kind
        actor, kwargs = SIDE[kind]
    kwargs = dict(kwargs)
    if "lead" in kwargs:
        kwargs["lead"] = getattr(w, kwargs["lead"])
    if "assists" in kwargs:
        kwargs["assists"] = [getattr(w, a) for a in kwargs["assists"]]
    if "until" in kwargs:
        kwargs["until"] = now + timedelta(days=3)
    FUNCS[name](event=e, actor=getattr(w, actor), **kwargs)


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
@given(steps=st.lists(STEP, max_size=25))
def test_fill_equals_rebuild(world, settings_, steps):
    w = world
    with transaction.atomic():
        FillState.objects.all().delete()
        EventFact.objects.all().delete()
        Rollup.objects.all().delete()
        offset = timedelta(0)
        events = [report(w), report(w, "0101")]
        fill.fill(now=timezone.now())
        for kind, arg in steps:
            now = timezone.now() + offset
            try:
                if kind == "fill":
                    fill.fill(now=now)
                elif kind == "later":
                    offset += timedelta(hours=arg)
                    sweep(timezone.now() + offset)
                elif kind == "report":
                    # Two streets' micro-grids: buckets of different areas at every level.
                    code = "0102" if arg % 2 else "0101"
                    if arg < 2:
                        events.append(report(w, code))
                    else:
                        events.append(
                            wf.event_report(
                                actor=w.other_worker,
                                title="井盖缺失",
                                category=Category.objects.get(code=code),
                                area=w.areas["330103002001001"].children.first(),
                            )
                        )
                else:
                    with transaction.atomic():
                        _act(w, events, kind, arg, now)
            except DomainError:
                pass
        end = timezone.now() + offset
        fill.fill(now=end)
        incremental = tables()
        fill.rebuild(now=end)
        assert tables() == incremental
        transaction.set_rollback(True)


@pytest.fixture
def settings_(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    return settings


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_sql_rebuild_gives_the_facts_python_gives(world, settings_):
    """On PostgreSQL a rebuild computes the facts in one statement: the same rows as
    `facts.fact_of` (every flag exercised: escalation, return, joint dispatch, rework, merge,
    callback, reopen, supervision, extension refused or not)."""
    w = world
    with transaction.atomic():
        events = [report(w) for _ in range(6)]
        now = timezone.now()
        for kind in ["advance", "escalate", "advance", "joint", "return", "supervise"]:
            for i in range(len(events)):
                try:
                    with transaction.atomic():
                        _act(w, events, kind, i, now)
                except DomainError:
                    pass
        for step in range(len(PATH)):
            try:
                with transaction.atomic():
                    _act(w, events, "advance", step % 3, now)
            except DomainError:
                pass
        wf.event_merge(event=events[5], actor=w.operator, into=events[4])
        sweep(now + timedelta(days=3))
        end = timezone.now() + timedelta(days=3)
        settings_.WANGGE_STATS_SQL_REBUILD = True
        fill.rebuild(now=end)
        by_sql = tables()
        assert len(by_sql[0]) >= 6
        # the handling deadline (应结案) is compared too, extended or not
        assert EventFact.objects.filter(handle_deadline__isnull=False).count() >= 3
        settings_.WANGGE_STATS_SQL_REBUILD = False
        fill.rebuild(now=end)
        assert tables() == by_sql
        transaction.set_rollback(True)
