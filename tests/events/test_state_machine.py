"""The event state machine under random play: random moves by random people on a few events.

A hypothesis `RuleBasedStateMachine` drives every transition of `workflow` with random (often
wrong) arguments, actors and expected versions, and checks after each step that

* every action either succeeds or raises DomainError, and a refused one changed nothing;
* a successful one was allowed (its source status is in MOVES, its actor passes `who`, and
  `allowed_actions` offered it), bumped the version by one and wrote exactly one timeline
  entry whose from/to match the move — no other event changed;
* every event's status is a Status, its version equals its timeline length (the report
  writes the first entry), HANDLED means every live order fed back (or it is self-handled),
  terminal events (closed, rejected, merged, cancelled) took only the moves MOVES allows;
* `selectors.tab_counts(admin)` equals counts taken straight from the table.

The world (an area tree of 341 areas, about 3 s to build) is made once per test; each
hypothesis example runs in a savepoint that is rolled back, so examples do not leak into
each other. At the end of the file: regressions for the bugs the machine found, and strict
regressions for the bugs it found.
"""

from collections import Counter
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.events.factories import World, make_world, report
from wangge.errors import DomainError
from wangge.events import selectors
from wangge.events import workflow as wf
from wangge.events.models import (
    OPEN_STATUSES,
    Category,
    Department,
    Event,
    Notification,
    OrderStatus,
    Status,
    TimelineEntry,
    WorkOrder,
)

pytestmark = pytest.mark.django_db

ACTORS = (
    "operator",
    "street_operator",
    "worker",
    "other_worker",
    "city_handler",
    "market_handler",
    "admin",
    "anonymous",
    "system",
)
TERMINAL = {Status.CLOSED, Status.REJECTED, Status.MERGED, Status.CANCELLED}
DEAD_ORDERS = [OrderStatus.CANCELLED, OrderStatus.RETURNED]
# Codes a refusal may carry, by where it comes from.
PRE_CHECK_CODES = {"required", "invalid"}  # argument checks before the row is locked
APPLY_CODES = {
    "illegal_transition",
    "not_self_handleable",
    "top_level",
    "invalid",
    "own_work",  # four eyes: whoever handled it may not verify it
    "extension_pending",  # one extension request at a time
}
# Moves that, repeated without expected_version right after themselves, are a no-op.
REPEATABLE = {"escalate", "supervise"}
# An offered move (its guard passed) fails only on its arguments.
OFFERED_CODES = {"invalid", "required"}

FUNCS = {
    "accept": wf.event_accept,
    "reject": wf.event_reject,
    "merge": wf.event_merge,
    "self_handle": wf.event_self_handle,
    "dispatch": wf.event_dispatch,
    "sign": wf.event_sign,
    "return": wf.event_return,
    "request_extension": wf.event_request_extension,
    "decide_extension": wf.event_decide_extension,
    "feedback": wf.event_feedback,
    "verify": wf.event_verify,
    "close": wf.event_close,
    "callback": wf.event_callback,
    "reopen": wf.event_reopen,
    "escalate": wf.event_escalate,
    "supervise": wf.event_supervise,
    "cancel": wf.event_cancel,
    "close_at_source": wf.event_close_at_source,
    "settle_on_spot": wf.event_settle_on_spot,
}
assert set(FUNCS) == set(wf.MOVES), "a move without a driver here"

# Blank texts must be refused where required; most are not blank, so play goes on.
TEXT = st.sampled_from(["现场已处理", "现场已处理", "现场已处理", "", "  "])


# Happy paths (action, actor, arguments; "@x" is world.x) that `advance` follows a random way.
_CLOSE = [
    ("verify", "worker", {"passed": True}),
    ("close", "operator", {}),
    ("callback", "operator", {"satisfaction": "unsatisfied"}),
]
HAPPY: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "single": [
        ("accept", "operator", {}),
        ("dispatch", "operator", {"lead": "@city"}),
        ("sign", "city_handler", {}),
        ("feedback", "city_handler", {"note": "已清运"}),
        *_CLOSE,
    ],
    "joint": [
        ("accept", "operator", {}),
        ("dispatch", "operator", {"lead": "@city", "assists": ["@market"]}),
        ("sign", "market_handler", {}),
        ("feedback", "market_handler", {"note": "已约谈"}),
        ("sign", "city_handler", {}),
        ("feedback", "city_handler", {"note": "已清运"}),
        *_CLOSE,
    ],
    "spot": [
        ("settle_on_spot", "worker", {"note": "已现场清理"}),
        *_CLOSE,
    ],
    "self": [
        ("accept", "operator", {}),
        ("self_handle", "worker", {}),
        ("feedback", "worker", {"note": "网格清理"}),
        *_CLOSE,
    ],
}


def _user(world: World, name: str) -> Any:
    if name == "anonymous":
        return AnonymousUser()
    if name == "system":
        return wf.SYSTEM
    return getattr(world, name)


def _direct_tab_counts() -> dict[str, int]:
    """The command-centre tabs, counted without `selectors` (in Python over every row)."""
    rows = list(Event.objects.values("status", "satisfaction", "alert", "supervised"))
    is_open = [r["status"] in OPEN_STATUSES for r in rows]
    return {
        "reported": sum(r["status"] == Status.REPORTED for r in rows),
        "accepted": sum(r["status"] == Status.ACCEPTED for r in rows),
        "handling": sum(r["status"] in (Status.DISPATCHED, Status.HANDLING) for r in rows),
        "handled": sum(r["status"] == Status.HANDLED for r in rows),
        "verified": sum(r["status"] == Status.VERIFIED for r in rows),
        "callback": sum(r["status"] == Status.CLOSED and not r["satisfaction"] for r in rows),
        "overdue": sum(o and r["alert"] == "red" for o, r in zip(is_open, rows, strict=True)),
        "supervised": sum(o and r["supervised"] for o, r in zip(is_open, rows, strict=True)),
        "all": len(rows),
    }


class EventMachine(RuleBasedStateMachine):
    world: ClassVar[World]
    retired: ClassVar[Department]  # an inactive department: dispatching to it is refused

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        other_micro = w.areas["330103002001001"].children.order_by("code").first()
        self.events: list[int] = [
            report(w, "0102").pk,  # 暴露垃圾: a grid may settle it
            report(w, "0101").pk,  # 私搭乱建: it may not
            report(w, "0102", priority="urgent").pk,
            # In the other street, reported by its own grid worker.
            wf.event_report(
                actor=w.other_worker,
                title="井盖缺失",
                category=Category.objects.get(code="0102"),
                area=other_micro,
            ).pk,
        ]
        self._offered: dict[tuple[int, int, str], list[str]] = {}
        self._changed = True  # the invariants need checking (nothing changes on a refusal)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- what the world looks like -------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        events = {
            row["pk"]: row
            for row in Event.objects.values(
                "pk",
                "status",
                "version",
                "parent_id",
                "responsible_area_id",
                "self_handled",
                "satisfaction",
                "supervised",
                "rework_count",
                "reopen_count",
                "handle_deadline",
            )
        }
        timeline = Counter(TimelineEntry.objects.values_list("event_id", flat=True))
        orders: dict[int, list[tuple[Any, ...]]] = {}
        for o in WorkOrder.objects.order_by("pk").values_list(
            "event_id", "pk", "status", "handle_deadline", "extension_requested_until"
        ):
            orders.setdefault(o[0], []).append(o[1:])
        return {
            pk: {**row, "timeline": timeline[pk], "orders": orders.get(pk, [])}
            for pk, row in events.items()
        } | {"notifications": Notification.objects.count()}

    # -- the rules -------------------------------------------------------------------------
    def _arguments(self, action: str, event: Event, data: st.DataObject) -> dict[str, Any] | None:
        """Random arguments for the action; None when it cannot be called on this event."""
        w = self.world
        now = timezone.now()
        if action in ("reject", "return", "reopen", "escalate", "cancel"):
            return {"reason": data.draw(TEXT, label="reason")}
        if action == "merge":
            into = Event.objects.get(pk=data.draw(st.sampled_from(self.events), label="into"))
            return {"into": into}
        if action == "dispatch":
            departments = [w.city, w.market, self.retired]
            lead = data.draw(st.sampled_from(departments), label="lead")
            assists = data.draw(st.lists(st.sampled_from(departments), max_size=2), label="assists")
            return {"lead": lead, "assists": assists}
        if action == "request_extension":
            base = event.orders.exclude(status__in=DEAD_ORDERS).first()
            start = base.handle_deadline if base and base.handle_deadline else now
            days = data.draw(st.sampled_from([3, 0, -1]), label="extension days")
            return {"until": start + timedelta(days=days), "reason": data.draw(TEXT)}
        if action == "decide_extension":
            orders = list(event.orders.all())
            if not orders:
                return None  # the API refuses an order of another event before this
            order = data.draw(st.sampled_from(orders), label="order")
            approve = data.draw(st.sampled_from([True, False]), label="approve")
            return {"order": order, "approve": approve}
        if action in ("feedback", "settle_on_spot"):
            return {"note": data.draw(TEXT, label="note")}
        if action == "verify":
            passed = data.draw(st.sampled_from([True, False]), label="passed")
            return {"passed": passed, "comment": data.draw(TEXT, label="comment")}
        if action == "callback":
            choices = ["satisfied", "basically", "unsatisfied", "thrilled"]
            return {"satisfaction": data.draw(st.sampled_from(choices), label="satisfaction")}
        if action == "supervise":
            return {
                "until": now + timedelta(days=data.draw(st.sampled_from([2, -1]), label="days"))
            }
        return {}

    def _offers(self, event: Event, who: str) -> list[str]:
        """allowed_actions for one actor; it depends on the event only through rows that
        change with its version (posts do not change here), so it is kept per version."""
        key = (event.pk, event.version, who)
        if key not in self._offered:
            self._offered[key] = wf.allowed_actions(_user(self.world, who), event)
        return self._offered[key]

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, str) and value.startswith("@"):
            return getattr(self.world, value[1:])
        return value

    @initialize(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Move each event some way along a happy path first, so play starts all over the
        life cycle rather than at "reported"."""
        for pk in self.events:
            event = Event.objects.get(pk=pk)
            path = data.draw(st.sampled_from(["single", "joint", "self"]), label="path")
            if path == "self" and not event.category.grid_may_settle:
                path = "single"
            steps = data.draw(st.integers(0, len(HAPPY[path])), label="steps")
            for action, who, kwargs in HAPPY[path][:steps]:
                actor = _user(self.world, who)
                if who == "worker" and event.area_id != self.world.micro.pk:
                    actor = self.world.other_worker  # the grid worker over that event
                resolved = {k: self._resolve(v) for k, v in kwargs.items()}
                event = FUNCS[action](event=event, actor=actor, **resolved)
        self._changed = True

    @rule(data=st.data(), roll=st.integers(0, 19))
    def step(self, data: st.DataObject, roll: int) -> None:
        """Mostly a move; now and then a new report, or an event turning red (overdue)."""
        if roll == 19:
            self.turn_red(data.draw(st.sampled_from(self.events), label="red event"))
        elif roll >= 17:
            self.report_more(data)
        else:
            self.move(data)

    def move(self, data: st.DataObject) -> None:
        """One move on one event: a random (action, actor) pair, or — guided, so that play
        gets past the first moves — one `allowed_actions` offers now."""
        pk = data.draw(st.sampled_from(self.events), label="event")
        event = Event.objects.select_related("category", "area", "responsible_area").get(pk=pk)
        # Hypothesis leans towards the first of a sampled_from; choices meant to be even are
        # made with a Random it controls (and replays).
        rnd = data.draw(st.randoms(use_true_random=False), label="choices")
        action = who = None
        if rnd.random() < 0.7:
            actors = list(ACTORS)
            rnd.shuffle(actors)
            for candidate in actors:
                if offers := self._offers(event, candidate):
                    action, who = rnd.choice(offers), candidate
                    break
        if action is None or who is None:
            action, who = rnd.choice(sorted(FUNCS)), rnd.choice(ACTORS)
        kwargs = self._arguments(action, event, data)
        if kwargs is None:
            return
        version = data.draw(st.sampled_from(["none", "none", "current", "stale"]), label="ver")
        actor = _user(self.world, who)
        expected = {"none": None, "current": event.version, "stale": event.version - 1}[version]
        move = wf.MOVES[action]
        status_allows = event.status in move.sources
        may = status_allows and move.who(actor, event)
        offered = action in self._offers(event, who)
        assert offered == (may and (move.guard is None or move.guard(actor, event)))
        before = self.snapshot()
        note(f"{action} by {who} on {event.code} ({event.status} v{event.version}) {kwargs}")

        try:
            FUNCS[action](event=event, actor=actor, expected_version=expected, **kwargs)
        except DomainError as err:
            codes = {p.code for p in err.problems}
            note(f"  refused: {codes}")
            assert self.snapshot() == before, "a refused action changed something"
            assert err.status in (400, 403, 409)
            if "moved_on" in codes:
                assert version == "stale"
            elif codes - PRE_CHECK_CODES:  # got past the argument checks
                assert version != "stale", "a stale version must be told it moved on"
                if not status_allows:
                    assert codes == {"illegal_transition"}
                elif not may:
                    assert codes == {"forbidden"} and err.status == 403
                elif not offered:  # the guard said no: the move itself says why
                    assert codes <= APPLY_CODES, codes
                else:  # offered: only the arguments (or the top of the tree) may be wrong
                    assert codes <= OFFERED_CODES, f"{action} was offered but refused: {codes}"
            return

        after = self.snapshot()
        if after == before:  # the same request again (a double click): nothing happens
            assert action in REPEATABLE and expected is None, f"{action} changed nothing"
            note("  repeated: nothing changed")
            return
        self._changed = True
        old, new = before[pk], after[pk]
        note(f"  → {new['status']}")
        assert version != "stale", "a stale expected_version was accepted"
        assert offered, f"{action} succeeded though allowed_actions did not offer it"
        # Terminal events included: only what MOVES lists for their status went through.
        assert old["status"] in move.sources
        assert new["version"] == old["version"] + 1
        assert new["timeline"] == old["timeline"] + 1
        entry = TimelineEntry.objects.filter(event_id=pk).order_by("-id").first()
        assert entry is not None
        assert (entry.action, entry.from_status, entry.to_status) == (
            action,
            old["status"],
            new["status"],
        )
        assert entry.actor_id == (actor.pk if getattr(actor, "is_authenticated", False) else None)
        for other in self.events:
            if other != pk:
                assert after[other] == before[other], f"{action} on {pk} changed event {other}"
        if action == "dispatch":
            added = len(new["orders"]) - len(old["orders"])
            assert added == 1 + len(kwargs["assists"]) and new["status"] == Status.DISPATCHED

    def turn_red(self, pk: int) -> None:
        """What the deadline sweep does to an overdue event (no move, no timeline)."""
        Event.objects.filter(pk=pk).update(alert="red")
        self._changed = True

    def report_more(self, data: st.DataObject) -> None:
        if len(self.events) >= 6:
            return
        who = data.draw(
            st.sampled_from(["worker", "other_worker", "operator", "city_handler", "anonymous"])
        )
        code = data.draw(st.sampled_from(["0102", "0401"]), label="category")
        key = data.draw(st.sampled_from([None, "app-1", "app-2"]), label="client key")
        before = Event.objects.count()
        try:
            event = wf.event_report(
                actor=_user(self.world, who),
                title="新上报",
                category=Category.objects.get(code=code),
                area=self.world.micro,
                client_key=key,
            )
        except DomainError as err:
            # Outside the reporter's areas, or someone else's client key.
            assert {p.code for p in err.problems} <= {"forbidden", "duplicate"}
            assert Event.objects.count() == before
            return
        if event.pk in self.events:  # the same client key again: the first event back
            assert key is not None and Event.objects.count() == before
            return
        assert Event.objects.count() == before + 1
        assert (event.status, event.version) == (Status.REPORTED, 1)
        entry = TimelineEntry.objects.get(event=event)
        assert (entry.action, entry.from_status, entry.to_status) == ("report", "", "reported")
        self.events.append(event.pk)
        self._changed = True

    # -- invariants --------------------------------------------------------------------------
    @invariant()
    def consistent(self) -> None:
        """After every step that changed something (a refused one is checked to change
        nothing at all, so the invariants still hold after it)."""
        if not self._changed:
            return
        self._changed = False
        timeline = Counter(TimelineEntry.objects.values_list("event_id", flat=True))
        for e in Event.objects.prefetch_related("orders"):
            assert e.status in Status.values
            assert e.version == timeline[e.pk], f"{e.code}: version {e.version} ≠ timeline"
            live = [o for o in e.orders.all() if o.status not in DEAD_ORDERS]
            if e.status == Status.HANDLED:
                assert e.self_handled or (
                    live and all(o.status == OrderStatus.FED_BACK for o in live)
                ), f"{e.code} handled with live orders {[o.status for o in live]}"
            if e.status == Status.DISPATCHED:
                assert any(o.status == OrderStatus.PENDING for o in live)
            if e.status == Status.ACCEPTED:
                assert not any(o.status in (OrderStatus.PENDING, OrderStatus.SIGNED) for o in live)
            if e.status in TERMINAL:
                assert e.closed_at is not None and e.deadline is None
            if e.status == Status.MERGED:
                assert e.parent_id is not None and e.parent_id != e.pk
            if e.status != Status.CLOSED:
                assert e.satisfaction == ""
        assert selectors.tab_counts(self.world.admin) == _direct_tab_counts()


def test_random_play_keeps_the_state_machine_sound():
    EventMachine.world = make_world()
    EventMachine.retired = Department.objects.create(code="old", name="已撤并部门", active=False)
    run_state_machine_as_test(
        EventMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


def test_terminal_statuses_accept_only_what_moves_allows():
    """The MOVES table itself: nothing leaves rejected/merged/cancelled; a closed event only
    takes a callback or a reopening (and neither reopens the workflow by itself)."""
    for status in (Status.REJECTED, Status.MERGED, Status.CANCELLED):
        assert [a for a, m in wf.MOVES.items() if status in m.sources] == []
    assert sorted(a for a, m in wf.MOVES.items() if Status.CLOSED in m.sources) == [
        "callback",
        "reopen",
    ]


# -- cases the machine found (bugs since fixed, kept as regressions) ---------------------------
@pytest.fixture
def world() -> World:
    return make_world()


def test_deciding_an_extension_of_a_dead_order_is_refused(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    order = e.orders.get()
    until = order.handle_deadline + timedelta(days=2)
    e = wf.event_request_extension(event=e, actor=world.city_handler, until=until, reason="协调")
    e = wf.event_return(event=e, actor=world.city_handler, reason="不属于城管")
    e = wf.event_self_handle(event=e, actor=world.worker)  # handling, no live order left
    with pytest.raises(DomainError):
        wf.event_decide_extension(event=e, actor=world.operator, order=order, approve=True)


def test_a_returned_dispatch_does_not_come_back_on_rework(world):
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    e = wf.event_sign(event=e, actor=world.market_handler)
    e = wf.event_feedback(event=e, actor=world.market_handler, note="已约谈商户")
    e = wf.event_return(event=e, actor=world.city_handler, reason="不属于城管")
    assert e.status == Status.ACCEPTED
    e = wf.event_self_handle(event=e, actor=world.worker)
    e = wf.event_feedback(event=e, actor=world.worker, note="网格清理")
    e = wf.event_verify(event=e, actor=world.worker, passed=False, comment="仍有垃圾")
    assert (e.status, e.self_handled) == (Status.HANDLING, True)
    # The grid is handling it; the market department's share ended with the return …
    assert not e.orders.filter(status__in=[OrderStatus.PENDING, OrderStatus.SIGNED]).exists()
    # … so it may not return it now.
    with pytest.raises(DomainError):
        wf.event_return(event=e, actor=world.market_handler, reason="不归我们")


def test_an_escalated_dispatch_keeps_its_work_orders(world):
    """上报上级 never drops a department's work: its orders go on, fed back stays fed back,
    and the level above takes the dispatcher's part (here: verifying)."""
    e = wf.event_accept(event=report(world), actor=world.operator)
    e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city, assists=[world.market])
    e = wf.event_sign(event=e, actor=world.market_handler)
    e = wf.event_feedback(event=e, actor=world.market_handler, note="已约谈商户")
    e = wf.event_escalate(event=e, actor=world.worker, reason="需网格协调")
    assert e.status == Status.HANDLING and e.responsible_area.level == 4
    statuses = dict(e.orders.values_list("department__code", "status"))
    assert statuses == {world.city.code: OrderStatus.PENDING, world.market.code: "fed_back"}
    entry = e.timeline.get(action="escalate")
    assert entry.data["orders_kept"] == [world.city.name, world.market.name]
    e = wf.event_sign(event=e, actor=world.city_handler)
    e = wf.event_feedback(event=e, actor=world.city_handler, note="已清运")
    assert e.status == Status.HANDLED


def test_escalate_is_not_offered_at_the_top_level(world):
    e = report(world)
    for actor in (world.worker, world.worker, world.street_operator, world.operator):
        e = wf.event_escalate(event=e, actor=actor, reason=f"上报 {e.responsible_area.level}")
    assert e.responsible_area.parent_id is None
    assert "escalate" not in wf.allowed_actions(world.operator, e)


def test_interleaved_crossed_merges_make_no_cycle(world):
    a, b = report(world), report(world)
    a_as_request_2_loaded_it = Event.objects.get(pk=a.pk)  # request 2 loads `into`: open
    wf.event_merge(event=a, actor=world.operator, into=b)  # request 1 merges A into B
    with pytest.raises(DomainError):  # request 2 goes on: B into A, which is merged now
        wf.event_merge(event=b, actor=world.operator, into=a_as_request_2_loaded_it)
