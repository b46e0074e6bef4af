"""The event state machine: the only writer of Event.status and WorkOrder.status.

Every action is a function here, run through `_transition`: it locks the event row, checks
the move is allowed from the current status and that the actor may make it, applies it,
bumps the version, writes one timeline entry — all in one transaction — and queues side
effects (webhooks) for after the commit. An illegal move raises DomainError and changes
nothing.
"""

import contextlib
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts import scope as account_scope
from wangge.accounts.actors import SYSTEM, Actor, author, require_actor, user_of
from wangge.accounts.permissions import Action, may
from wangge.errors import DomainError
from wangge.events import access, channels, deadlines, hooks, notifications, rows
from wangge.events.models import (
    OPEN_STATUSES,
    BuiltinChannel,
    Category,
    Department,
    Event,
    EventCodeCounter,
    Notification,
    OrderRole,
    OrderStatus,
    Priority,
    Satisfaction,
    Stage,
    Status,
    TimelineEntry,
    WorkOrder,
)
from wangge.regions.models import Area
from wangge.regions.spatial_index import get_index

S = Status
GRID_LEVEL = 4  # grids and micro-grids "settle small things themselves" (小事不出格)
LIVE_ORDER_STATUSES = [OrderStatus.PENDING, OrderStatus.SIGNED, OrderStatus.FED_BACK]
OPEN_ORDER_STATUSES = [OrderStatus.PENDING, OrderStatus.SIGNED]
# What a transition reads of the areas and departments it touches (not the geometry).
_AREA_FIELDS = ("id", "code", "name", "level", "parent", "path", "valid_to")
_DEPT_FIELDS = ("id", "code", "name", "active")


# The platform itself (`wangge.accounts.actors.SYSTEM`) makes the moves that name it.


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    who: Callable[[Any, Event], bool]
    label: Any  # a lazy translation, for messages in the actor's language
    # A further precondition, so the UI offers only what would succeed; the transition
    # itself re-checks it and says why when it fails.
    guard: Callable[[Any, Event], bool] | None = None


def _centre(user: Actor, event: Event) -> bool:
    return access.is_centre_for(user, event.responsible_area)


def _responsible(user: Actor, event: Event) -> bool:
    """Whoever holds the responsible level: its centre, or grid staff at grid level."""
    return _centre(user, event) or (
        event.responsible_area.level >= GRID_LEVEL
        and access.is_grid_staff_for(user, event.responsible_area)
    )


def _own_report(user: Actor, event: Event) -> bool:
    """The grid staff who reported it themselves (上报并自行处置 is one step of one person)."""
    return (
        event.reporter_id is not None
        and event.reporter_id == getattr(user, "pk", None)
        and event.responsible_area.level >= GRID_LEVEL
        and access.is_grid_staff_for(user, event.responsible_area)
    )


def _acceptor(user: Actor, event: Event) -> bool:
    """The centre; or the platform, for a channel whose reports are accepted on arrival."""
    if user is SYSTEM:
        return bool(channels.skips_acceptance(event.channel))
    return _centre(user, event)


def _escalator(user: Actor, event: Event) -> bool:
    return user is SYSTEM or _responsible(user, event)


def _order_handler(user: Actor, event: Event) -> bool:
    return bool(_handler_orders(event, user, LIVE_ORDER_STATUSES))


@cache
def _handler_orders_statement() -> tuple[str, rows.Reader, rows.Reader]:
    order, department = rows.reader(WorkOrder, "o"), rows.reader(Department, "d", _DEPT_FIELDS)
    sql = (
        f"SELECT {', '.join(order.columns + department.columns)}"
        f" FROM {WorkOrder._meta.db_table} o"
        f" JOIN {Department._meta.db_table} d ON d.id = o.department_id"
        f" JOIN {Department.handlers.through._meta.db_table} h ON h.department_id = d.id"
        " WHERE o.event_id = %s AND h.user_id = %s AND d.active ORDER BY o.id"
    )
    return sql, order, department


def _handler_orders(event: Event, user: Actor, statuses: Sequence[str]) -> list[WorkOrder]:
    """The event's orders in `statuses` whose department the user handles. Read once per
    event version and user: a transition's permission check and its work share the rows."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    memo = event.__dict__.setdefault("_handler_orders", {})
    key = (user.pk, event.version)
    if key not in memo:
        sql, order_reader, department_reader = _handler_orders_statement()
        orders = []
        for row in rows.fetchall(sql, [event.pk, user.pk]):
            order = order_reader.read(row)
            order.department = department_reader.read(row, len(order_reader.attnames))
            orders.append(order)
        memo[key] = orders
    return [o for o in memo[key] if o.status in statuses]


def _verifier(user: Actor, event: Event) -> bool:
    return _centre(user, event) or access.is_grid_staff_for(user, event.area)


def handled_by(event: Event) -> set[int]:
    """Who handled the event: the users who took it on for the grid (自行处置) or fed back
    on it. They may not verify it (four eyes), see `own_check_allowed`. Read once per version."""
    memo = event.__dict__.setdefault("_handled_by", {})
    if event.version not in memo:
        memo[event.version] = set(
            TimelineEntry.objects.filter(
                event_id=event.pk,
                action__in=("self_handle", "feedback", "settle_on_spot"),
                actor__isnull=False,
            ).values_list("actor_id", flat=True)
        )
    return set(memo[event.version])


def own_check_allowed(event: Event) -> bool:
    """The one exception to four eyes: the grid settled on the spot a category the grid may
    settle itself (小事不出格), and its worker checks it there."""
    return bool(
        event.self_handled
        and event.category.grid_may_settle
        and event.responsible_area.level >= GRID_LEVEL
    )


def _not_own_work(user: Actor, event: Event) -> bool:
    return own_check_allowed(event) or getattr(user, "pk", None) not in handled_by(event)


def _no_extension_pending(user: Actor, event: Event) -> bool:
    return any(
        o.extension_requested_until is None
        for o in _handler_orders(event, user, OPEN_ORDER_STATUSES)
    )


def _handler_or_self(user: Actor, event: Event) -> bool:
    return _responsible(user, event) if event.self_handled else _order_handler(user, event)


OPEN = frozenset(OPEN_STATUSES)
MOVES: dict[str, Move] = {
    "accept": Move(frozenset({S.REPORTED}), _acceptor, gettext_lazy("accept")),
    "reject": Move(frozenset({S.REPORTED}), _centre, gettext_lazy("reject")),
    "merge": Move(frozenset({S.REPORTED, S.ACCEPTED}), _centre, gettext_lazy("merge")),
    "self_handle": Move(
        frozenset({S.ACCEPTED}),
        _responsible,
        gettext_lazy("self-handle"),
        lambda user, e: e.responsible_area.level < GRID_LEVEL or e.category.grid_may_settle,
    ),
    # 上报并自行处置: the grid's own report of a small matter it settled there and then.
    "settle_on_spot": Move(
        frozenset({S.REPORTED}),
        _own_report,
        gettext_lazy("report and settle on the spot"),
        lambda user, e: e.category.grid_may_settle and e.responsible_area.level >= GRID_LEVEL,
    ),
    "dispatch": Move(frozenset({S.ACCEPTED}), _centre, gettext_lazy("dispatch")),
    "sign": Move(
        frozenset({S.DISPATCHED, S.HANDLING}),
        _order_handler,
        gettext_lazy("sign for"),
        lambda user, e: bool(_handler_orders(e, user, [OrderStatus.PENDING])),
    ),
    "return": Move(
        frozenset({S.DISPATCHED, S.HANDLING}),
        _order_handler,
        gettext_lazy("return"),
        lambda user, e: bool(_handler_orders(e, user, OPEN_ORDER_STATUSES)),
    ),
    "request_extension": Move(
        frozenset({S.DISPATCHED, S.HANDLING}),
        _order_handler,
        gettext_lazy("ask for more time"),
        _no_extension_pending,  # one request at a time: the dispatcher decides it first
    ),
    "decide_extension": Move(
        frozenset({S.DISPATCHED, S.HANDLING}), _centre, gettext_lazy("decide")
    ),
    "feedback": Move(
        frozenset({S.HANDLING}),
        _handler_or_self,
        gettext_lazy("feed back"),
        lambda user, e: e.self_handled or bool(_handler_orders(e, user, [OrderStatus.SIGNED])),
    ),
    "verify": Move(frozenset({S.HANDLED}), _verifier, gettext_lazy("verify"), _not_own_work),
    "close": Move(frozenset({S.VERIFIED}), _centre, gettext_lazy("close")),
    "callback": Move(
        frozenset({S.CLOSED}),
        lambda u, e: u is SYSTEM or _centre(u, e),
        gettext_lazy("call back"),
        lambda u, e: not e.satisfaction,
    ),
    "reopen": Move(
        frozenset({S.CLOSED}),
        _centre,
        gettext_lazy("reopen"),
        lambda u, e: e.satisfaction == Satisfaction.UNSATISFIED,
    ),
    "escalate": Move(
        frozenset({S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING}),
        _escalator,
        gettext_lazy("escalate to the level above"),
        lambda user, e: e.responsible_area.parent_id is not None,
    ),
    "supervise": Move(OPEN, _centre, gettext_lazy("supervise")),
    "close_at_source": Move(
        frozenset({S.REPORTED}), lambda u, e: u is SYSTEM, gettext_lazy("close as at the source")
    ),
    "cancel": Move(OPEN, lambda user, event: access.is_admin(user), gettext_lazy("cancel")),
}


# Moves only the system makes (no endpoint, never offered to a user).
SYSTEM_MOVES = frozenset({"close_at_source"})


def allowed_actions(user: Actor, event: Event) -> list[str]:
    """The actions this user may take on the event now (what the UI offers)."""
    with account_scope.posts_memo():
        return [
            name
            for name, move in MOVES.items()
            if event.status in move.sources
            and move.who(user, event)
            and (move.guard is None or move.guard(user, event))
        ]


def _refuse(message: str, code: str, status: int = 400) -> DomainError:
    return DomainError.one(message, field="status", code=code, status=status)


def _transition(
    event: Event,
    action: str,
    actor: Actor,
    apply: Callable[[Event], tuple[str, str, dict[str, Any]]],
    *,
    expected_version: int | None = None,
    public: bool = True,
    savepoint: bool = True,
    repeated: Callable[[Event], bool] | None = None,
) -> Event:
    """Lock, check, apply, record. `apply` changes the event (not saved) and related rows and
    returns (new status, comment, data for the timeline). The caller's `event` is left as it
    was; the new state is returned. `savepoint=False`: inside a caller's transaction that
    does not go on after a refusal (it would have to roll back whole). `repeated`: for a
    request without `expected_version`, tells (under the lock) that the same request has
    just been carried out — a double click, a retry — and it is then a no-op."""
    move = MOVES[action]
    actor = require_actor(actor)
    with transaction.atomic(savepoint=savepoint), account_scope.posts_memo(), rows.holding():
        event = _locked(event, actor)
        if expected_version is not None and event.version != expected_version:
            raise _refuse(
                _("Event %(code)s moved on (now %(status)s); reload it and try again.")
                % {"code": event.code, "status": event.get_status_display()},
                "moved_on",
                409,
            )
        if expected_version is None and repeated is not None and repeated(event):
            return event
        if event.status not in move.sources:
            raise _refuse(
                _("Event %(code)s is %(status)s: it cannot %(action)s now.")
                % {"code": event.code, "status": event.get_status_display(), "action": move.label},
                "illegal_transition",
                409,
            )
        if not move.who(actor, event):
            raise _refuse(
                _("You may not %(action)s event %(code)s.")
                % {"action": move.label, "code": event.code},
                "forbidden",
                403,
            )
        from_status = event.status
        before = _snapshot(event)
        to_status, comment, data = apply(event)
        event.status = to_status
        event.version += 1
        after = _snapshot(event)
        entry = TimelineEntry(
            event=event,
            actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
            action=action,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            data=data,
            public=public,
        )
        rows.update_then_insert(
            event, [f for f in after if after[f] != before[f]] + ["updated_at"], entry
        )
        payload = {"event": event.code, "action": action, "from": from_status, "to": to_status}
        transaction.on_commit(lambda: _after_commit(payload, [entry]))
    return event


@cache
def _lock_statement() -> tuple[str, rows.Reader, rows.Reader, rows.Reader]:
    """The event row locked, with both its areas (without their geometry), in one query."""
    event, area, responsible = (
        rows.reader(Event, "e"),
        rows.reader(Area, "a", _AREA_FIELDS),
        rows.reader(Area, "r", _AREA_FIELDS),
    )
    sql = (
        f"SELECT {', '.join(event.columns + area.columns + responsible.columns)}"
        f" FROM {Event._meta.db_table} e"
        f" JOIN {Area._meta.db_table} a ON a.id = e.area_id"
        f" JOIN {Area._meta.db_table} r ON r.id = e.responsible_area_id"
        " WHERE e.id = %s" + rows.for_update("e")
    )
    return sql, event, area, responsible


# What the deadline sweep changes on an event without a new version (it raises alerts).
_UNVERSIONED = ("alert", "overdue_ever")


@cache
def _version_statement() -> tuple[str, rows.Reader]:
    """The event row locked, reading only what tells whether a copy in hand is current,
    and the acting user's live posts along (their permission checks need them)."""
    reader = rows.reader(Event, "e", ("id", "version", *_UNVERSIONED))
    posts = rows.json_rows(account_scope.posts_select(), ("path", "role"))
    sql = (
        f"SELECT {', '.join(reader.columns)}, {posts}"
        f" FROM {Event._meta.db_table} e WHERE e.id = %s" + rows.for_update("e")
    )
    return sql, reader


def _locked(given: Event, actor: Actor) -> Event:
    """The event, row-locked, with its category (from the per-process cache) and areas.

    The lock comes first, always on the event row alone (every writer takes it before
    touching the event's other rows, so they queue instead of deadlocking). When the caller's
    copy is whole and still at the locked version, it is used (copied) instead of reading
    the wide row again: the version moves with every change but the sweep's alerts, which
    the lock reads along, with the actor's live posts."""
    if _is_whole(given):
        sql, reader = _version_statement()
        day = account_scope.posts_day()
        user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        row = rows.fetchone(sql, [user_id, day, day, given.pk])
        if row is None:
            raise Event.DoesNotExist(f"event {given.pk}")
        current = reader.values(row)
        if user_id is not None:
            account_scope.remember_posts(actor, rows.from_json_rows(row[len(reader.attnames)]))
        if current["version"] == given.version:
            event = copy.copy(given)
            event.__dict__.pop("_handler_orders", None)  # its orders may be changed below
            for name in _UNVERSIONED:
                setattr(event, name, current[name])
            event.category = deadlines.category(event.category_id)
            return event
    sql, event_reader, area_reader, responsible_reader = _lock_statement()
    row = rows.fetchone(sql, [given.pk])
    for _again in range(3):
        # Waiting for the lock behind a transaction that moved the event to another area (an
        # escalation), PostgreSQL re-checks the joins against the areas it had read before,
        # and the row drops out unlocked. Read again: the new row is committed by now.
        if row is not None or not Event.objects.filter(pk=given.pk).exists():
            break
        row = rows.fetchone(sql, [given.pk])
    if row is None:
        raise Event.DoesNotExist(f"event {given.pk}")
    event = cast(Event, event_reader.read(row))
    at = len(event_reader.attnames)
    event.area = area_reader.read(row, at)
    event.responsible_area = responsible_reader.read(row, at + len(area_reader.attnames))
    event.category = deadlines.category(event.category_id)
    return event


def _is_whole(event: Event) -> bool:
    """Has this instance every column loaded and both its areas at hand (no lazy loads)?"""
    return (
        event.pk is not None
        and not event.get_deferred_fields()
        and Event.area.is_cached(event)
        and Event.responsible_area.is_cached(event)
    )


@cache
def _event_fields() -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.attname) for f in Event._meta.concrete_fields)


def _snapshot(event: Event) -> dict[str, Any]:
    """The event's column values by field name (the instance is whole: see `_locked`)."""
    values = event.__dict__
    return {name: values.get(attname) for name, attname in _event_fields()}


def _set_stage_deadline(event: Event, stage: str, start: datetime) -> dict[str, str]:
    due, yellow = deadlines.stage_deadline(event.category, event.priority, stage, start)
    event.deadline, event.yellow_at, event.alert = due, yellow, ""
    if stage == Stage.HANDLE:
        event.handle_deadline = due
    return {"deadline": due.isoformat()}


def _clear_deadline(event: Event) -> None:
    event.deadline = event.yellow_at = None
    event.alert = ""


# -- report --------------------------------------------------------------------------------
@cache
def _counter_statement() -> str:
    """Moves the day's counter and returns its new value; parameter: the day."""
    table = EventCodeCounter._meta.db_table
    return (
        f"INSERT INTO {table} (day, last) VALUES (%s, 1)"
        f" ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )


def _code_day(now: datetime) -> tuple[Any, str]:
    """The counter's day (as the database takes it) and the day's code prefix."""
    day = timezone.localtime(now).date()
    prefix = f"{settings.WANGGE_EVENT_CODE_PREFIX}-{day:%Y%m%d}-"
    return connection.ops.adapt_datefield_value(day), prefix


# The same code in SQL, from the counter's new value in the statement's `prelude`.
_CODE_SQL = (
    "%s || CASE WHEN (SELECT last FROM prelude) < 100000"
    " THEN lpad((SELECT last FROM prelude)::text, 5, '0') ELSE (SELECT last FROM prelude)::text END"
)


def _next_code(now: datetime) -> str:
    """The next tracking code of the day: one upsert, serialised by the counter row."""
    day, prefix = _code_day(now)
    row = rows.fetchone(_counter_statement(), [day])
    assert row is not None
    return f"{prefix}{row[0]:05d}"


def _code_before_transaction(now: datetime) -> str:
    """The day's next tracking code, taken in a statement of its own before the report's
    transaction opens: the counter row stays locked until the transaction that moved it
    commits, so inside the report's it would make every report of every process wait on
    the whole of it. A code whose report then fails is not used again: codes stay unique,
    with a gap. Inside a caller's transaction nothing is taken ("")."""
    if transaction.get_connection().in_atomic_block:
        return ""
    return _next_code(now)


def event_report(  # noqa: C901
    *,
    actor: Actor,
    title: str,
    category: Category,
    channel: str = BuiltinChannel.GRID_APP,
    description: str = "",
    priority: str = Priority.NORMAL,
    lon: float | None = None,
    lat: float | None = None,
    area: Area | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    client_key: str | None = None,
    source_ref: str = "",
    notes: Sequence[TimelineEntry] = (),
    category_unconfirmed: bool = False,
) -> Event:
    """Open an event. Retrying with the same client key returns the first event.
    `source_ref` is the source system's own order number (unique per channel). `notes`:
    timeline entries written after the report's own (the source's order record).
    `category_unconfirmed`: the source's category could not be mapped (see Event)."""
    actor = require_actor(actor)  # ANONYMOUS for a resident or a channel, never None
    if client_key and (existing := _retried(client_key, actor)):
        return existing
    if not title.strip():
        raise DomainError.one(_("A title is required."), field="title", code="required")
    if not category.active:
        raise DomainError.one(_("This category is not in use."), field="category")
    if priority not in Priority.values:
        raise DomainError.one(_("Unknown priority %(p)s.") % {"p": priority}, field="priority")
    skips_acceptance = channels.skips_acceptance(channel)
    if skips_acceptance is None:
        raise DomainError.one(_("Unknown channel %(c)s.") % {"c": channel}, field="channel")
    if area is None:
        if lon is None or lat is None:
            raise DomainError.one(_("Give a location or an area."), field="lon", code="required")
        found = get_index().locate(lon, lat)
        if found.outside:
            raise DomainError.one(
                _("The location is outside the jurisdiction."), field="lon", code="outside"
            )
        area = Area.objects.get(pk=found.chain[0].id)
    if (
        getattr(actor, "is_authenticated", False)
        and channel == BuiltinChannel.GRID_APP
        and not _may_report_in(actor, area)
    ):
        raise _refuse(_("You may only report events in your own areas."), "forbidden", 403)
    now = timezone.now()
    event = Event(
        client_key=client_key or None,
        source_ref=source_ref,
        category_unconfirmed=category_unconfirmed,
        title=title.strip(),
        description=description.strip(),
        category=category,
        priority=priority,
        channel=channel,
        reporter=author(actor),
        reporter_name=reporter_name.strip(),
        lon=lon,
        lat=lat,
        address=address.strip(),
        area=area,
        responsible_area=area,
        reported_at=now,
    )
    event.reporter_phone = reporter_phone  # sealed (encrypted, indexed, masked) by the model
    data = _set_stage_deadline(event, Stage.ACCEPT, now)
    entry = TimelineEntry(
        event=event,
        actor=event.reporter,
        action="report",
        to_status=S.REPORTED,
        comment=event.title,
        data=data,
    )
    # Outside any transaction, on PostgreSQL, with nothing to follow: the day's code, the event
    # and its entries as one statement, which commits by itself (the counter row is locked
    # for it alone). Else the code is taken first, or inside the caller's transaction last.
    one_statement = (
        not skips_acceptance
        and rows.combines_statements()
        and not transaction.get_connection().in_atomic_block
    )
    code = "" if one_statement else _code_before_transaction(now)
    try:
        # A savepoint only where a failure is recovered from (the client key's retry).
        with (
            contextlib.nullcontext()
            if one_statement
            else transaction.atomic(savepoint=bool(client_key))
        ):
            if one_statement:
                day, prefix = _code_day(now)
                rows.insert_with(
                    event,
                    [entry, *notes],
                    prelude=(_counter_statement(), [day]),
                    computed={"code": (_CODE_SQL, [prefix])},
                )
            else:
                event.code = code or _next_code(now)
                rows.insert_with(event, [entry, *notes])
            payload = {"event": event.code, "action": "report", "from": "", "to": S.REPORTED}
            transaction.on_commit(lambda: _after_commit(payload, [entry, *notes]))
            if skips_acceptance:  # the source system has accepted it already (e.g. 12345)
                event = event_accept(
                    event=event,
                    actor=SYSTEM,
                    comment=_("Accepted on arrival: the channel skips acceptance."),
                    savepoint=False,  # a refusal here fails the whole report
                )
    except IntegrityError:
        if client_key and (existing := _retried(client_key, actor)):
            return existing  # the same report raced in from a retry
        raise
    return event


def _after_commit(payload: dict[str, Any], entries: Sequence[TimelineEntry]) -> None:
    """A change's side effects, once committed: the outbound webhooks, then the hooks other
    apps registered for each timeline entry written (events.hooks)."""
    notifications.after_commit(payload)
    for entry in entries:
        hooks.run(hooks.TIMELINE_ENTRY, entry)


def _may_report_in(user: Actor, area: Area) -> bool:
    with account_scope.posts_memo():
        return may(user, Action.REPORT_EVENT, area)


def _retried(client_key: str, actor: Actor) -> Event | None:
    """The event an earlier try with this key made — only the same reporter's: a key is
    no way to reach someone else's event."""
    existing = Event.objects.filter(client_key=client_key).first()
    if existing is None:
        return None
    reporter_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    if existing.reporter_id != reporter_id:
        raise DomainError.one(
            _("This client key is already used."), field="client_key", code="duplicate", status=409
        )
    return existing


# -- accepting -----------------------------------------------------------------------------
def event_accept(
    *,
    event: Event,
    actor: Actor,
    comment: str = "",
    title: str | None = None,
    category: Category | None = None,
    priority: str | None = None,
    address: str | None = None,
    **kw: Any,
) -> Event:
    """Accept (受理/立案), correcting what the report got wrong on the way: its title,
    category, priority, address (a resident's report comes with a class only). The
    timeline records each change, from → to. None (or blank text): left as it is."""
    if category is not None and not category.active:
        raise DomainError.one(_("This category is not in use."), field="category")
    if priority is not None and priority and priority not in Priority.values:
        raise DomainError.one(_("Unknown priority %(p)s.") % {"p": priority}, field="priority")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        changes: dict[str, Any] = {
            "title": (title or "").strip() or None,
            "address": (address or "").strip() or None,
            "priority": priority or None,
        }
        corrected: dict[str, dict[str, str]] = {}
        for name, value in changes.items():
            if value is not None and value != getattr(e, name):
                corrected[name] = {"from": getattr(e, name), "to": value}
                setattr(e, name, value)
        if category is not None and category.pk != e.category_id:
            corrected["category"] = {"from": e.category.name, "to": category.name}
            e.category = deadlines.category(category.pk)
        e.accepted_at = timezone.now()
        e.category_unconfirmed = False  # classified by whoever accepts it
        data: dict[str, Any] = {**_set_stage_deadline(e, Stage.HANDLE, e.accepted_at)}
        if corrected:
            data["corrected"] = corrected
        return S.ACCEPTED, comment, data

    return _transition(event, "accept", actor, apply, **kw)


def event_reject(*, event: Event, actor: Actor, reason: str, **kw: Any) -> Event:
    _require(reason, "reason")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        _clear_deadline(e)
        e.closed_at = timezone.now()
        return S.REJECTED, reason, {}

    return _transition(event, "reject", actor, apply, **kw)


def event_merge(*, event: Event, actor: Actor, into: Event, comment: str = "", **kw: Any) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        # Checked under the lock: two crossed merges (A into B, B into A) must not both pass.
        target = Event.objects.select_for_update(of=("self",)).get(pk=into.pk)
        while target.parent_id:  # merge into the root of a duplicate chain
            target = Event.objects.select_for_update(of=("self",)).get(pk=target.parent_id)
        if target.pk == e.pk:
            raise DomainError.one(_("An event cannot be merged into itself."), field="into")
        if not target.is_open and target.status != S.CLOSED:
            raise DomainError.one(_("The event to merge into is not open."), field="into")
        e.parent = target
        _clear_deadline(e)
        e.closed_at = timezone.now()
        notifications.notify_merged(e)
        return S.MERGED, comment, {"into": target.code}

    with transaction.atomic():
        # Both rows locked in id order first: crossed merges queue instead of deadlocking.
        pks = sorted({event.pk, into.pk})
        list(Event.objects.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk"))
        return _transition(event, "merge", actor, apply, **kw)


def event_self_handle(*, event: Event, actor: Actor, comment: str = "", **kw: Any) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if e.responsible_area.level >= GRID_LEVEL and not e.category.grid_may_settle:
            raise DomainError.one(
                _("Category %(c)s may not be settled by a grid itself; dispatch it.")
                % {"c": e.category.name},
                field="category",
                code="not_self_handleable",
            )
        e.self_handled = True
        return S.HANDLING, comment, {}

    return _transition(event, "self_handle", actor, apply, **kw)


def event_settle_on_spot(*, event: Event, actor: Actor, note: str, **kw: Any) -> Event:
    """上报并自行处置: the grid worker who just reported a matter of a category the grid may
    settle itself (小事不出格) settled it on the spot: accepted, taken on by the grid and
    handled in one step, waiting for its check. The timeline says it was settled there."""
    _require(note, "note")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if not e.category.grid_may_settle:
            raise DomainError.one(
                _("Category %(c)s may not be settled by a grid itself; dispatch it.")
                % {"c": e.category.name},
                field="category",
                code="not_self_handleable",
            )
        now = timezone.now()
        e.accepted_at = e.handled_at = now
        e.self_handled = True
        _clear_deadline(e)
        notifications.notify_verifiers(e)
        return S.HANDLED, note, {"on_the_spot": True}

    return _transition(event, "settle_on_spot", actor, apply, **kw)


# -- dispatching ---------------------------------------------------------------------------
def event_dispatch(
    *,
    event: Event,
    actor: Actor,
    lead: Department,
    assists: list[Department] | tuple[Department, ...] = (),
    comment: str = "",
    **kw: Any,
) -> Event:
    """Dispatch to one lead department, and for a joint dispatch (吹哨报到) to assisting ones."""
    departments = [lead, *assists]
    if len({d.pk for d in departments}) != len(departments):
        raise DomainError.one(_("A department appears twice."), field="assists")
    inactive = [d.name for d in departments if not d.active]
    if inactive:
        raise DomainError.one(
            _("Department %(d)s is not active.") % {"d": ", ".join(inactive)}, field="lead"
        )

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        now = timezone.now()
        e.self_handled = False
        for department in departments:
            sign_due, sign_yellow = deadlines.stage_deadline(
                e.category, e.priority, Stage.SIGN, now
            )
            handle_due, _y = deadlines.stage_deadline(e.category, e.priority, Stage.HANDLE, now)
            order = WorkOrder(
                event_id=e.pk,
                department_id=department.pk,
                role=OrderRole.LEAD if department.pk == lead.pk else OrderRole.ASSIST,
                dispatched_at=now,
                sign_deadline=sign_due,
                handle_deadline=handle_due,
                deadline=sign_due,
                yellow_at=sign_yellow,
            )
            rows.insert_many([order], hold=True)
            notifications.notify_department(
                department, Notification.Kind.DISPATCHED, e, _("Dispatched to you: %(t)s")
            )
        if e.handle_deadline is None:
            _set_stage_deadline(e, Stage.HANDLE, now)
        return (
            S.DISPATCHED,
            comment,
            {
                "lead": lead.name,
                "assists": [d.name for d in assists],
            },
        )

    return _transition(event, "dispatch", actor, apply, **kw)


def _actor_order(event: Event, actor: Actor, statuses: Sequence[str]) -> WorkOrder:
    orders = _handler_orders(event, actor, statuses)
    if not orders:
        raise _refuse(
            _("Your department has no work order on event %(code)s in this state.")
            % {"code": event.code},
            "illegal_transition",
            409,
        )
    return orders[0]


def event_sign(*, event: Event, actor: Actor, comment: str = "", **kw: Any) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        order = _actor_order(e, actor, [OrderStatus.PENDING])
        order.status = OrderStatus.SIGNED
        order.signed_at, order.signed_by = timezone.now(), user_of(actor)
        order.deadline, order.alert = order.handle_deadline, ""
        order.yellow_at = None
        rows.update(
            order,
            ["status", "signed_at", "signed_by", "deadline", "alert", "yellow_at"],
            hold=True,
        )
        return S.HANDLING, comment, {"department": order.department.name}

    return _transition(event, "sign", actor, apply, **kw)


def event_return(*, event: Event, actor: Actor, reason: str, **kw: Any) -> Event:
    """A department returns a wrong dispatch (退回). A returned lead order sends the event
    back to the dispatcher (and ends the assists); a returned assist just leaves."""
    _require(reason, "reason")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        order = _actor_order(e, actor, [OrderStatus.PENDING, OrderStatus.SIGNED])
        order.status, order.return_reason = OrderStatus.RETURNED, reason
        order.deadline = order.yellow_at = None
        order.save()
        data = {"department": order.department.name}
        if order.role == OrderRole.ASSIST:
            return _after_order_change(e), reason, data
        # The whole dispatch goes back: assists end too, fed back or not.
        e.orders.filter(status__in=LIVE_ORDER_STATUSES).update(
            status=OrderStatus.CANCELLED, deadline=None, yellow_at=None
        )
        notifications.notify_dispatcher(e, Notification.Kind.RETURNED, _("Returned: %(t)s"))
        return S.ACCEPTED, reason, data

    return _transition(event, "return", actor, apply, **kw)


def event_request_extension(
    *, event: Event, actor: Actor, until: datetime, reason: str, **kw: Any
) -> Event:
    _require(reason, "reason")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        order = _actor_order(e, actor, [OrderStatus.PENDING, OrderStatus.SIGNED])
        if order.extension_requested_until is not None:
            raise _refuse(
                _("More time has been asked already; wait for the dispatcher's decision."),
                "extension_pending",
                409,
            )
        if order.handle_deadline and until <= order.handle_deadline:
            raise DomainError.one(
                _("The new deadline must be later than the current one."), field="until"
            )
        order.extension_requested_until, order.extension_reason = until, reason
        order.save(update_fields=["extension_requested_until", "extension_reason"])
        # To whoever dispatched the order (the centre of that level) decides it.
        notifications.notify_dispatcher(e, Notification.Kind.EXTENSION, _("Extension asked: %(t)s"))
        return e.status, reason, {"department": order.department.name, "until": until.isoformat()}

    return _transition(event, "request_extension", actor, apply, **kw)


def event_decide_extension(
    *, event: Event, actor: Actor, order: WorkOrder, approve: bool, comment: str = "", **kw: Any
) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        o = e.orders.get(pk=order.pk)
        if o.extension_requested_until is None or o.status not in OPEN_ORDER_STATUSES:
            raise DomainError.one(_("No extension is waiting on a live work order."), field="order")
        data: dict[str, Any] = {"department": o.department.name, "approved": approve}
        if approve:
            data["deadline"] = {
                "from": _iso(o.handle_deadline),
                "to": _iso(o.extension_requested_until),
            }
            o.handle_deadline = o.extension_requested_until
            if o.status == OrderStatus.SIGNED:
                o.deadline, o.alert, o.yellow_at = o.handle_deadline, "", None
        o.extension_requested_until, o.extension_reason = None, ""
        o.save()
        if approve:  # the event is due when its latest live order is
            e.handle_deadline = max(
                (
                    x.handle_deadline
                    for x in e.orders.filter(status__in=LIVE_ORDER_STATUSES)
                    if x.handle_deadline
                ),
                default=o.handle_deadline,
            )
            e.deadline, e.alert, e.yellow_at = e.handle_deadline, "", None
        return e.status, comment, data

    return _transition(event, "decide_extension", actor, apply, **kw)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@cache
def _live_orders_statement() -> tuple[str, rows.Reader]:
    order = rows.reader(WorkOrder, "o")
    ended = ", ".join(f"'{s}'" for s in (OrderStatus.CANCELLED, OrderStatus.RETURNED))
    sql = (
        f"SELECT {', '.join(order.columns)} FROM {WorkOrder._meta.db_table} o"
        f" WHERE o.event_id = %s AND o.status NOT IN ({ended}) ORDER BY o.id"
    )
    return sql, order


def _after_order_change(e: Event, changed: WorkOrder | None = None) -> str:
    """The event's status from its live orders: handled once lead and every assist fed back.
    `changed`: an order whose change is held back (not in the database yet)."""
    sql, order_reader = _live_orders_statement()
    live = [order_reader.read(row) for row in rows.fetchall(sql, [e.pk])]
    if changed is not None:
        live = [changed if o.pk == changed.pk else o for o in live]
    if live and all(o.status == OrderStatus.FED_BACK for o in live):
        e.handled_at = timezone.now()
        _clear_deadline(e)
        notifications.notify_verifiers(e)
        return S.HANDLED
    if any(o.status in (OrderStatus.SIGNED, OrderStatus.FED_BACK) for o in live):
        return S.HANDLING
    return S.DISPATCHED if live else S.ACCEPTED


def event_feedback(*, event: Event, actor: Actor, note: str, **kw: Any) -> Event:
    _require(note, "note")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if e.self_handled:
            e.handled_at = timezone.now()
            _clear_deadline(e)
            notifications.notify_verifiers(e)
            return S.HANDLED, note, {}
        order = _actor_order(e, actor, [OrderStatus.SIGNED])
        order.status, order.feedback, order.fed_back_at = OrderStatus.FED_BACK, note, timezone.now()
        order.deadline = order.yellow_at = None
        order.alert = ""
        rows.update(
            order,
            ["status", "feedback", "fed_back_at", "deadline", "yellow_at", "alert"],
            hold=True,
        )
        return _after_order_change(e, order), note, {"department": order.department.name}

    return _transition(event, "feedback", actor, apply, **kw)


# -- verifying and closing -----------------------------------------------------------------
def event_verify(
    *, event: Event, actor: Actor, passed: bool, comment: str = "", **kw: Any
) -> Event:
    if not passed:
        _require(comment, "comment")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        data: dict[str, Any] = {"passed": passed}
        if getattr(actor, "pk", None) in handled_by(e):
            if not own_check_allowed(e):
                raise _refuse(
                    _("You handled event %(code)s: someone else must verify it.")
                    % {"code": e.code},
                    "own_work",
                    403,
                )
            data["own_check"] = True  # said on the timeline: settled and checked on the spot
        if passed:
            return S.VERIFIED, comment, data
        e.rework_count += 1  # 返工
        e.orders.filter(status=OrderStatus.FED_BACK).update(
            status=OrderStatus.SIGNED, deadline=F("handle_deadline"), fed_back_at=None
        )
        e.deadline, e.alert, e.yellow_at = e.handle_deadline, "", None
        return S.HANDLING, comment, data

    return _transition(event, "verify", actor, apply, **kw)


def event_close(*, event: Event, actor: Actor, comment: str = "", **kw: Any) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        e.closed_at = timezone.now()
        _clear_deadline(e)
        notifications.notify_followers(e)  # reporters of its merged duplicates
        return S.CLOSED, comment, {}

    return _transition(event, "close", actor, apply, **kw)


def event_close_at_source(
    *,
    event: Event,
    actor: Actor = SYSTEM,
    closed_at: datetime | None = None,
    note: str = "",
    **kw: Any,
) -> Event:
    """A work order imported already closed at its source system: closed with the source's
    time and note (by the system only, on import), flagged so that figures count it apart
    from the closures of our own loop."""

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        _clear_deadline(e)
        e.closed_at = closed_at or timezone.now()
        e.closed_at_source = True
        return S.CLOSED, note, {"closed_at": e.closed_at.isoformat()}

    return _transition(event, "close_at_source", actor, apply, **kw)


def event_callback(
    *, event: Event, actor: Actor, satisfaction: str, comment: str = "", **kw: Any
) -> Event:
    if satisfaction not in Satisfaction.values:
        raise DomainError.one(
            _("Unknown satisfaction %(s)s.") % {"s": satisfaction}, field="satisfaction"
        )

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if e.satisfaction:
            raise _refuse(_("This event has been called back already."), "illegal_transition", 409)
        e.satisfaction = satisfaction
        return e.status, comment, {"satisfaction": satisfaction}

    return _transition(event, "callback", actor, apply, **kw)


def event_reopen(*, event: Event, actor: Actor, reason: str, **kw: Any) -> Event:
    _require(reason, "reason")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if e.satisfaction != Satisfaction.UNSATISFIED:
            raise _refuse(
                _("Only an unsatisfied event may be reopened."), "illegal_transition", 409
            )
        window = timedelta(days=settings.WANGGE_REOPEN_DAYS)
        if e.closed_at and timezone.now() - e.closed_at > window:
            raise _refuse(
                _("The reopening window of %(d)s days has passed.") % {"d": window.days},
                "illegal_transition",
                409,
            )
        e.reopen_count += 1
        e.satisfaction = ""
        e.closed_at = e.handled_at = None
        e.self_handled = False
        e.orders.exclude(status=OrderStatus.CANCELLED).update(status=OrderStatus.CANCELLED)
        data = _set_stage_deadline(e, Stage.HANDLE, timezone.now())
        return S.ACCEPTED, reason, data

    return _transition(event, "reopen", actor, apply, **kw)


# -- escalation, supervision, cancelling ---------------------------------------------------
# A request repeated within this window (same actor, same content) is the same request.
REPEAT_WINDOW = timedelta(minutes=2)


def _just_did(event: Event, action: str, actor: Actor, comment: str) -> bool:
    """Is the event's latest entry this action by this (signed-in) actor with this comment,
    made within REPEAT_WINDOW? (The sweep's escalations are once per lapse already.)"""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    if actor_id is None:
        return False
    last = event.timeline.order_by("-id").first()
    return (
        last is not None
        and last.action == action
        and last.actor_id == actor_id
        and last.comment == comment
        and timezone.now() - last.at < REPEAT_WINDOW
    )


def event_escalate(*, event: Event, actor: Actor, reason: str, **kw: Any) -> Event:
    """Move responsibility one level up (上报上级: micro-grid → grid → … → district).

    Live work orders are kept, never withdrawn: the departments go on with their work (fed
    back stays fed back) and the level above takes over the dispatcher's part — it chases
    and supervises them, decides extensions, verifies and closes. A dispatched event thus
    stays dispatched or being handled; one not dispatched yet goes to the level above to
    accept or dispatch. The same request repeated without `expected_version` (four quick
    clicks) climbs once."""
    _require(reason, "reason")
    reason = reason.strip()

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        parent = e.responsible_area.parent
        if parent is None:
            raise _refuse(_("The event is already at the top level."), "top_level", 409)
        data: dict[str, Any] = {"from_area": e.responsible_area.code, "to_area": parent.code}
        e.responsible_area = parent
        e.self_handled = False
        kept = open_orders_on_escalation(e)
        notifications.notify_centre(e, Notification.Kind.ESCALATED, _("Escalated to you: %(t)s"))
        if kept:
            data["orders_kept"] = kept
            to_status = e.status  # dispatched or being handled: the orders go on
        else:
            to_status = S.REPORTED if e.status == S.REPORTED else S.ACCEPTED
        # The level above starts with a fresh deadline for its own part.
        stage = Stage.ACCEPT if to_status == S.REPORTED else Stage.HANDLE
        data.update(_set_stage_deadline(e, stage, timezone.now()))
        return to_status, reason, data

    return _transition(
        event,
        "escalate",
        actor,
        apply,
        repeated=lambda e: _just_did(e, "escalate", actor, reason),
        **kw,
    )


def open_orders_on_escalation(event: Event) -> list[str]:
    """The departments whose live work orders an escalation now would keep: the lead's
    first, then the assists' (for the page, and the timeline)."""
    found = event.orders.filter(status__in=LIVE_ORDER_STATUSES).values_list(
        "role", "department_id", "department__name"
    )
    return [name for _r, _d, name in sorted(found, key=lambda o: (o[0] != OrderRole.LEAD, o[1]))]


def event_supervise(
    *, event: Event, actor: Actor, until: datetime, comment: str = "", **kw: Any
) -> Event:
    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        if until <= timezone.now():
            raise DomainError.one(
                _("The supervision deadline must be in the future."), field="until"
            )
        e.supervised, e.supervise_deadline = True, until
        notifications.notify_holders(e, Notification.Kind.SUPERVISED, _("Supervised: %(t)s"))
        return e.status, comment, {"until": until.isoformat()}

    def repeated(e: Event) -> bool:  # already supervised until then: nobody is told twice
        return bool(e.supervised and e.supervise_deadline == until)

    return _transition(event, "supervise", actor, apply, public=False, repeated=repeated, **kw)


def event_cancel(*, event: Event, actor: Actor, reason: str, **kw: Any) -> Event:
    _require(reason, "reason")

    def apply(e: Event) -> tuple[str, str, dict[str, Any]]:
        _clear_deadline(e)
        e.closed_at = timezone.now()
        e.orders.filter(status__in=[OrderStatus.PENDING, OrderStatus.SIGNED]).update(
            status=OrderStatus.CANCELLED, deadline=None, yellow_at=None
        )
        return S.CANCELLED, reason, {}

    return _transition(event, "cancel", actor, apply, **kw)


# -- notes on the timeline ----------------------------------------------------------------
# Facts recorded on an event's timeline by other modules, without a change of status (the
# timeline is append-only and written here only). "attend": a grid worker attended in
# person (五必到, fieldwork); "video_alert": a camera raised the same alert again and intake
# folded it into the open event.
NOTE_ACTIONS = frozenset({"attend", "video_alert"})


def event_note(
    *,
    event: Event,
    actor: Actor,
    action: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    public: bool = False,
) -> TimelineEntry:
    """Append a fact to the event's timeline (no status change, no version bump)."""
    if action not in NOTE_ACTIONS:
        raise ValueError(f"not a timeline note: {action}")
    entry = TimelineEntry(
        event_id=event.pk,
        at=at or timezone.now(),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=event.status,
        to_status=event.status,
        comment=comment,
        data=data or {},
        public=public,
    )
    entry.save()
    hooks.after_commit(hooks.TIMELINE_ENTRY, entry)
    return entry


def event_amend_by_source(
    *, event: Event, values: dict[str, Any], comment: str, data: dict[str, Any]
) -> tuple[Event, bool]:
    """A source system's update of its work order (12345, work-order systems), on the event
    row the caller has locked (intake compares the source's digest under that lock). While the
    event is still reported its fields take the source's `values`; later the update is only
    recorded. Either way the timeline has it ("source_update", not public). Returns the event
    and whether the values were applied."""
    applied = event.status == S.REPORTED
    if applied:
        fields = [f for f, v in values.items() if getattr(event, f) != v]
        for f in fields:
            setattr(event, f, values[f])
        event.version += 1
        event.save(update_fields=[*fields, "version", "updated_at"])
    entry = TimelineEntry(
        event=event,
        action="source_update",
        from_status=event.status,
        to_status=event.status,
        comment=comment,
        data={**data, "applied": applied},
        public=False,
    )
    entry.save()
    hooks.after_commit(hooks.TIMELINE_ENTRY, entry)
    return event, applied


_REQUIRED_MESSAGES = {
    "reason": gettext_lazy("A reason is required."),
    "note": gettext_lazy("A note on what was done is required."),
    "comment": gettext_lazy("A comment is required."),
}


def _require(value: str, field: str) -> None:
    if not (value or "").strip():
        raise DomainError.one(str(_REQUIRED_MESSAGES[field]), field=field, code="required")
