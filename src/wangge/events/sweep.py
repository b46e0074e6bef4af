"""The deadline sweep: yellow and red alerts on events and work orders, and escalation.

Run every minute by the worker (`tasks.sweep_every_minute`) and by hand (`wangge sweep`).
Each query walks an index: open statuses × the stage deadline (or the yellow time), and
each alert is claimed by a conditional UPDATE (`… WHERE alert != 'red'`) in the same
transaction as its notifications, so sweeps running at once, or again and again, raise each
alert and send its notifications once per change of level.

Who hears of it:
- an event: the command centre of its responsible level (the nearest level with one, as
  every other event notification); when red also the next centre above it;
- a work order: the handlers of its department; when red also the event's centre, who
  dispatched the order and chases it.

An event whose category says "escalate when overdue" is escalated (one level up, through
the workflow, as the system) when it turns red. It stays red afterwards — the workflow keeps
its deadline — so it is escalated once per overdue episode: a transition that starts a new
stage deadline clears the alert and a later lapse starts a new episode.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import Post
from wangge.accounts.scope import in_force
from wangge.errors import DomainError
from wangge.events import access, notifications, workflow
from wangge.events.models import (
    OPEN_STATUSES,
    Alert,
    Event,
    Notification,
    OrderStatus,
    WorkOrder,
)
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

logger = logging.getLogger(__name__)

OPEN_ORDER_STATUSES = [OrderStatus.PENDING, OrderStatus.SIGNED]


@dataclass
class SweepReport:
    events_red: int = 0
    events_yellow: int = 0
    orders_red: int = 0
    orders_yellow: int = 0
    escalated: int = 0
    notifications: int = 0  # inbox rows written
    failed: int = 0  # rows left as they were after an error (logged; tried again next time)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sweep(now: datetime | None = None) -> SweepReport:
    """Raise the alerts due at `now` (default: now); notify, escalate; count what changed."""
    now = now or timezone.now()
    report = SweepReport()
    events = Event.objects.filter(status__in=OPEN_STATUSES)
    orders = WorkOrder.objects.filter(status__in=OPEN_ORDER_STATUSES)
    # Events first: an escalation cancels the event's orders, whose lapse is then moot.
    passes: list[tuple[Callable[[int, datetime, SweepReport], None], list[int]]] = [
        (_event_red, _due(events.filter(deadline__lte=now), Alert.RED)),
        (_order_red, _due(orders.filter(deadline__lte=now), Alert.RED)),
        (_event_yellow, _due(events.filter(yellow_at__lte=now), Alert.YELLOW, now)),
        (_order_yellow, _due(orders.filter(yellow_at__lte=now), Alert.YELLOW, now)),
    ]
    for handle, pks in passes:
        for pk in pks:
            row = SweepReport()
            try:
                handle(pk, now, row)
            except Exception:  # one bad row must not stall the rest, now or next minute
                logger.exception("deadline sweep: %s(%s) failed", handle.__name__, pk)
                report.failed += 1
            else:
                for name, value in row.as_dict().items():
                    setattr(report, name, getattr(report, name) + value)
    if report:
        logger.info("deadline sweep at %s: %s", now.isoformat(), report.as_dict())
    return report


def _due(rows: Any, level: str, now: datetime | None = None) -> list[int]:
    """Primary keys of rows not yet at the alert `level` (yellow: nor red, nor past due)."""
    if level == Alert.RED:
        rows = rows.exclude(alert=Alert.RED)
    else:
        rows = rows.filter(alert=Alert.NONE, deadline__gt=now)
    return list(rows.order_by().values_list("pk", flat=True))


def _claim(model: Any, pk: int, level: str, now: datetime, **also: Any) -> Event | WorkOrder | None:
    """Raise the row's alert if still due; the row when this call raised it, else None.

    The UPDATE re-checks the conditions under the row lock, so of two sweeps (or a sweep and
    a transition that moved the deadline) only one sees it due."""
    statuses = OPEN_STATUSES if model is Event else OPEN_ORDER_STATUSES
    rows = model.objects.filter(pk=pk, status__in=statuses)
    if level == Alert.RED:
        rows = rows.filter(deadline__lte=now).exclude(alert=Alert.RED)
    else:
        rows = rows.filter(alert=Alert.NONE, yellow_at__lte=now, deadline__gt=now)
    if not rows.update(alert=level, **also):
        return None
    related = ("category", "responsible_area") if model is Event else ("event", "department")
    row: Event | WorkOrder = without_geometry(model.objects.select_related(*related)).get(pk=pk)
    return row


def _event_red(pk: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        event = _claim(Event, pk, Alert.RED, now, overdue_ever=True)
        if not isinstance(event, Event):
            return
        report.events_red += 1
        holders, supervisors = _centres(event.responsible_area)
        report.notifications += _send(
            [*holders, *supervisors],
            Notification.Kind.OVERDUE,
            event,
            _("Overdue: %(t)s") % {"t": event.title},
        )
        _hook(event, "overdue")
        if event.category.escalate_when_overdue and _escalate(event):
            report.escalated += 1


def _escalate(event: Event) -> bool:
    if event.status not in workflow.MOVES["escalate"].sources:
        return False  # handled and waiting for its check: nothing to hand up
    try:
        workflow.event_escalate(
            event=event, actor=SYSTEM, reason=_("Escalated automatically: overdue.")
        )
    except DomainError as exc:  # at the top level already
        logger.info("overdue event %s not escalated: %s", event.code, exc)
        return False
    return True


def _event_yellow(pk: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        event = _claim(Event, pk, Alert.YELLOW, now)
        if not isinstance(event, Event):
            return
        report.events_yellow += 1
        holders, _supervisors = _centres(event.responsible_area)
        report.notifications += _send(
            holders, Notification.Kind.YELLOW, event, _("Deadline near: %(t)s") % {"t": event.title}
        )
        _hook(event, "yellow")


def _order_red(pk: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        order = _claim(WorkOrder, pk, Alert.RED, now)
        if not isinstance(order, WorkOrder):
            return
        report.orders_red += 1
        event = without_geometry(Event.objects.select_related("responsible_area")).get(
            pk=order.event_id
        )
        centre, _above = _centres(event.responsible_area)
        text = _("Overdue at %(d)s: %(t)s") % {"d": order.department.name, "t": event.title}
        report.notifications += _send(
            [*_handlers(order), *centre], Notification.Kind.OVERDUE, event, text
        )
        _hook(event, "overdue", department=order.department.code)


def _order_yellow(pk: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        order = _claim(WorkOrder, pk, Alert.YELLOW, now)
        if not isinstance(order, WorkOrder):
            return
        report.orders_yellow += 1
        event = order.event
        text = _("Deadline near at %(d)s: %(t)s") % {"d": order.department.name, "t": event.title}
        report.notifications += _send(_handlers(order), Notification.Kind.YELLOW, event, text)
        _hook(event, "yellow", department=order.department.code)


def _handlers(order: WorkOrder) -> list[Any]:
    return list(order.department.handlers.filter(is_active=True))


def _centres(area: Area) -> tuple[list[Any], list[Any]]:
    """(the nearest command centre at or above the area, the next one above that).

    The first is whom `notifications.notify_centre` writes to; each is the users holding a
    centre role at one level."""
    parts = [c for c in area.path.split("/") if c]
    paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    today = timezone.localdate()
    posts = without_geometry(
        Post.objects.filter(
            role__in=access.CENTRE_ROLES, area__path__in=paths, user__is_active=True
        )
        .filter(in_force(today))
        .select_related("user", "area")
    )
    by_level: dict[int, dict[int, Any]] = {}
    for post in posts:
        by_level.setdefault(post.area.level, {})[post.user.pk] = post.user
    levels = [list(by_level[level].values()) for level in sorted(by_level, reverse=True)]
    return (levels[0] if levels else []), (levels[1] if len(levels) > 1 else [])


def _send(users: list[Any], kind: str, event: Event, text: str) -> int:
    """One inbox row per user (a user holding several posts hears once)."""
    unique = list({u.pk: u for u in users}.values())
    Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, event=event, text=text[:300]) for u in unique]
    )
    return len(unique)


def _hook(event: Event, action: str, **extra: str) -> None:
    """Tell the webhooks after the commit, as a transition does (SMS gateways want alerts)."""
    payload: dict[str, Any] = {
        "event": event.code,
        "action": action,
        "from": event.status,
        "to": event.status,
        **extra,
    }
    transaction.on_commit(lambda: notifications.after_commit(payload))
