"""Ninety days of events, played through the workflow with the clock set to each step's time.

Each report gets a time in the past and a script of steps (accept, dispatch, sign, feed back,
verify, close, call back; sometimes reject, escalate, supervise, a joint dispatch or a stalled
department). All steps of all events run in time order, the deadline sweep runs every few
simulated hours between them, and whatever falls after now simply has not happened yet: so
recent events wait at every stage, the stalled ones are overdue, and older ones are closed
(some late) — the trends and figures have a history to show.
"""

import contextlib
import datetime as dt
import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.accounts.actors import ANONYMOUS, require_actor
from wangge.accounts.models import Role
from wangge.errors import DomainError
from wangge.events import routing, workflow
from wangge.events.models import Category, Department, Event
from wangge.events.sweep import sweep
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index

DAYS = 90
SWEEP_EVERY = dt.timedelta(
    days=1
)  # the sweep runs every minute in production; daily is enough here
# Report hours of a working day: mornings and early afternoons are busiest.
HOURS = np.arange(7, 22)
HOUR_WEIGHTS = np.array([2, 5, 8, 9, 8, 5, 6, 8, 8, 7, 5, 3, 3, 2, 1], dtype=float)
RECENT_SHARE = 0.3
LATE_SHARE = 0.04
WAITING_SHARE, WAITING_MAX = 0.15, 40
# Where the latest reports stop: reported, accepted, dispatched, handling, handled, verified,
# closed and waiting for the call back.
STOPS = [
    frozenset({"report"}),
    frozenset({"accept"}),
    frozenset({"dispatch", "dispatch_joint"}),
    frozenset({"sign", "self_handle"}),
    frozenset({"feedback"}),
    frozenset({"verify"}),
    frozenset({"close"}),
]
SATISFACTION = ["satisfied"] * 7 + ["basically"] * 2 + ["unsatisfied"]


Step = tuple[dt.datetime, str]  # when, which move


@dataclass(frozen=True)
class Report:
    """One report to replay: what, where, through which channel."""

    key: str  # client key: replaying the same report again adds nothing
    category: str
    title: str
    description: str
    channel: str
    lon: float | None = None
    lat: float | None = None
    area: Area | None = None
    lead: str | None = None  # the department the centre sends it to (else routing's choice)
    anonymous: bool = False  # from outside the platform (a letter): no staff reporter
    time_of_day: dt.time | None = None  # when the source says it was reported (the day moves)


@dataclass
class HistoryResult:
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class _Run:
    report: Report
    steps: list[Step]
    event: Event | None = None
    reporter: Any = None
    departments: list[Department] = field(default_factory=list)


def since(now: dt.datetime) -> dt.datetime:
    """When the demo world begins: areas, staff and departments exist before the first report."""
    return now - dt.timedelta(days=DAYS + 1)


def report_times(
    rng: np.random.Generator, reports: list[Report], now: dt.datetime
) -> list[dt.datetime]:
    """A report time for each report over the last DAYS days: its own time of day where it
    has one, else a daytime hour (busiest in the morning and early afternoon)."""
    n = len(reports)
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    # A busier recent fortnight, so that every stage has events waiting in it today.
    recent = rng.random(n) < RECENT_SHARE
    days = np.where(recent, rng.integers(0, 14, size=n), rng.integers(0, DAYS, size=n))
    hours = rng.choice(HOURS, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    seconds = rng.integers(0, 3600, size=n)
    times = []
    for report, d, h, sec in zip(reports, days, hours, seconds, strict=True):
        of_day = report.time_of_day
        since_midnight = (
            dt.timedelta(hours=of_day.hour, minutes=of_day.minute, seconds=of_day.second)
            if of_day
            else dt.timedelta(hours=int(h), seconds=int(sec))
        )
        at = today - dt.timedelta(days=int(d)) + since_midnight
        times.append(at if at <= now else at - dt.timedelta(days=1))  # today's: before now
    return times


def script(rng: np.random.Generator, at: dt.datetime, *, may_settle: bool) -> list[Step]:
    """The steps of one event from its report time `at` (hours drawn per step)."""
    steps: list[Step] = [(at, "report")]

    def then(action: str, low: float, high: float) -> None:
        if rng.random() < LATE_SHARE:  # left lying a day to a fortnight: at every stage
            low, high = 20, 300
        steps.append((steps[-1][0] + dt.timedelta(hours=float(rng.uniform(low, high))), action))

    then("accept", 0.2, 3)
    if rng.random() < 0.04:
        steps[-1] = (steps[-1][0], "reject")
        return steps
    if rng.random() < 0.06:
        then("escalate", 0.5, 6)
    if rng.random() < 0.08:
        then("supervise", 0.5, 24)
    if may_settle and rng.random() < 0.5:
        then("self_handle", 0.2, 2)
    else:
        then("dispatch_joint" if rng.random() < 0.12 else "dispatch", 0.2, 2)
        then("sign", 0.5, 8)
    stalled = rng.random() < 0.15  # a department that lets it lie well past its deadline
    then("feedback", *((100, 1500) if stalled else (3, 48)))
    then("verify", 1, 24)
    then("close", 0.2, 4)
    then("callback", 2, 48)
    return steps


class _Actors:
    def __init__(self) -> None:
        users = get_user_model().objects
        self.operator = users.filter(posts__role=Role.OPERATOR).order_by("pk").first()
        self._workers: dict[str, Any] = {}

    def worker(self, area: Area) -> Any:
        """The full-time grid worker over `area` (None where the grid has none)."""
        if area.path not in self._workers:
            self._workers[area.path] = (
                get_user_model()
                .objects.filter(
                    posts__area__path__in=area.chain_paths(), posts__role=Role.FULL_TIME
                )
                .order_by("pk")
                .first()
            )
        return self._workers[area.path]


def replay(
    reports: list[Report],
    times: list[dt.datetime],
    *,
    seed: int,
    now: dt.datetime | None = None,
    waiting: int | None = None,
) -> HistoryResult:
    """Play every report at its time and its script up to `now`, sweeping deadlines on the way.
    The `waiting` latest reports (default: a share) stop at each stage in turn: today's
    queues, some of them overdue."""
    if waiting is None:
        waiting = min(WAITING_MAX, round(len(reports) * WAITING_SHARE))
    now = now or timezone.now()
    rng = np.random.default_rng(seed)
    actors = _Actors()
    categories = {c.code: c for c in Category.objects.all()}
    departments = {d.code: d for d in Department.objects.prefetch_related("handlers")}
    runs = [
        _Run(r, script(rng, at, may_settle=_may_settle(r, categories[r.category])))
        for r, at in zip(reports, times, strict=True)
    ]
    for k, run in enumerate(sorted(runs, key=lambda r: r.steps[0][0], reverse=True)[:waiting]):
        _stop_at(run, STOPS[k % len(STOPS)], supervise=k % 4 == 1)
    queue = [(run.steps[0][0], i, 0) for i, run in enumerate(runs)]
    heapq.heapify(queue)
    next_sweep = min(times, default=now) + SWEEP_EVERY
    result = HistoryResult()
    while queue:
        at, i, k = heapq.heappop(queue)
        if at > now:
            break  # everything after this has not happened yet
        while next_sweep <= at:
            _sweep(next_sweep)
            next_sweep += SWEEP_EVERY
        run = runs[i]
        action = run.steps[k][1]
        try:
            with clock(at):
                _act(run, action, at, actors, categories, departments)
        except DomainError:
            continue  # a move the world no longer allows: the event stays where it is
        if action == "report":
            result.events += 1
        if k + 1 < len(run.steps):
            heapq.heappush(queue, (run.steps[k + 1][0], i, k + 1))
    _sweep(now)
    played = [run.event.pk for run in runs if run.event is not None]
    result.by_status = dict(
        Counter(Event.objects.filter(pk__in=played).values_list("status", flat=True))
    )
    return result


def _may_settle(report: Report, category: Category) -> bool:
    """Grid staff may settle it themselves (not a letter: no grid worker brought it in)."""
    return category.grid_may_settle and not report.anonymous


def _stop_at(run: _Run, last: frozenset[str], *, supervise: bool) -> None:
    """Cut the script after its first step in `last` (a rejected one stays as it is); with
    `supervise`, the centre then puts the open event under supervision."""
    for k, (at, action) in enumerate(run.steps):
        if action in last:
            del run.steps[k + 1 :]
            if supervise and action != "close":
                run.steps.append((at + dt.timedelta(minutes=30), "supervise"))
            return


@contextlib.contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with time_machine.travel(at, tick=False):
        yield


def _sweep(at: dt.datetime) -> None:
    with clock(at):
        sweep(now=at)


def _act(
    run: _Run,
    action: str,
    at: dt.datetime,
    actors: _Actors,
    categories: dict[str, Category],
    departments: dict[str, Department],
) -> None:
    report, operator = run.report, require_actor(actors.operator)
    if action == "report":
        area = report.area
        if area is None and report.lon is not None and report.lat is not None:
            found = get_index().locate(report.lon, report.lat)
            area = Area.objects.get(pk=found.chain[0].id) if not found.outside else None
        if area is None:
            raise DomainError.one("outside", field="lon")
        run.reporter = None if report.anonymous else actors.worker(area)
        run.event = workflow.event_report(
            actor=ANONYMOUS if report.anonymous else require_actor(run.reporter or operator),
            title=report.title,
            description=report.description,
            category=categories[report.category],
            channel=report.channel,
            area=area,
            lon=report.lon,
            lat=report.lat,
            reporter_name="网友" if report.anonymous else "",
            client_key=report.key,
        )
        return
    event = run.event
    assert event is not None
    moves: dict[str, Callable[[], Event]] = {
        "accept": lambda: workflow.event_accept(event=event, actor=operator),
        "reject": lambda: workflow.event_reject(
            event=event, actor=operator, reason="不属于网格事件受理范围，已告知反映人。"
        ),
        "escalate": lambda: workflow.event_escalate(
            event=event,
            actor=require_actor(run.reporter or operator),
            reason="超出网格处置能力，申请上级协调。",
        ),
        "supervise": lambda: workflow.event_supervise(
            event=event, actor=operator, until=at + dt.timedelta(days=3), comment="群众反映强烈"
        ),
        "self_handle": lambda: _self_handle(run, operator, departments),
        "dispatch": lambda: _dispatch(run, operator, departments, joint=False),
        "dispatch_joint": lambda: _dispatch(run, operator, departments, joint=True),
        "sign": lambda: _each_department(run, workflow.event_sign),
        "feedback": lambda: _feedback(run),
        "verify": lambda: workflow.event_verify(event=event, actor=operator, passed=True),
        "close": lambda: workflow.event_close(event=event, actor=operator),
        "callback": lambda: workflow.event_callback(
            event=event, actor=operator, satisfaction=_satisfaction(event.pk)
        ),
    }
    run.event = moves[action]()


def _satisfaction(pk: int) -> str:
    """Seven in ten satisfied, two basically, one not."""
    return SATISFACTION[pk % len(SATISFACTION)]


def _self_handle(run: _Run, operator: Any, departments: dict[str, Department]) -> Event:
    """The grid worker settles it; where the grid has no worker, a department does."""
    if run.reporter is None:
        run.event = _dispatch(run, operator, departments, joint=False)
        return _each_department(run, workflow.event_sign)
    assert run.event is not None
    return workflow.event_self_handle(event=run.event, actor=run.reporter)


def _dispatch(
    run: _Run, operator: Any, departments: dict[str, Department], *, joint: bool
) -> Event:
    event = run.event
    assert event is not None
    lead = departments.get(run.report.lead or "") or routing.suggest_lead(event)
    if lead is None:
        raise DomainError.one("no department", field="lead")
    assists = []
    if joint:  # 吹哨报到: the street calls a second department in
        others = sorted((d for d in departments.values() if d.pk != lead.pk), key=lambda d: d.code)
        assists = [others[event.pk % len(others)]] if others else []
    run.departments = [lead, *assists]
    return workflow.event_dispatch(event=event, actor=operator, lead=lead, assists=assists)


def _each_department(run: _Run, move: Callable[..., Event], **kw: Any) -> Event:
    event = run.event
    assert event is not None
    for department in run.departments:
        event = move(event=event, actor=department.handlers.all()[0], **kw)
    return event


def _feedback(run: _Run) -> Event:
    assert run.event is not None
    if run.event.self_handled:
        return workflow.event_feedback(
            event=run.event, actor=run.reporter, note="网格员现场处置完毕。"
        )
    return _each_department(run, workflow.event_feedback, note="已按职责处置，现场已整改。")
