"""Scoped reads of events: a user sees events in the areas under their posts, and events
their departments hold work orders for."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, author
from wangge.accounts.scope import path_q
from wangge.errors import DomainError
from wangge.events.models import (
    OPEN_STATUSES,
    Department,
    Event,
    OrderRole,
    OrderStatus,
    Priority,
    Status,
    WorkOrder,
)
from wangge.people import pii
from wangge.regions.lean import without_geometry

# Command-centre queues (tabs): name → filter.
TABS: dict[str, Q] = {
    "reported": Q(status=Status.REPORTED),  # 待受理
    "accepted": Q(status=Status.ACCEPTED),  # 待派遣
    "handling": Q(status__in=[Status.DISPATCHED, Status.HANDLING]),  # 处置中
    "handled": Q(status=Status.HANDLED),  # 待核查
    "verified": Q(status=Status.VERIFIED),  # 待结案
    "callback": Q(status=Status.CLOSED, satisfaction=""),  # 待回访
    "overdue": Q(status__in=OPEN_STATUSES, alert="red"),  # 超期
    "supervised": Q(status__in=OPEN_STATUSES, supervised=True),  # 督办
    "all": Q(),
}


def visible_q(user: Actor) -> Q:
    """Events in the user's scope (`wangge.accounts.scope`), and those of their departments."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    by_area = path_q(user, "area__path")
    department_ids = list(
        Department.objects.filter(handlers=author(user)).values_list("pk", flat=True)
    )
    if department_ids:
        return by_area | Q(orders__department_id__in=department_ids)
    return by_area


def visible_events(user: Actor) -> QuerySet[Event]:
    ids = Event.objects.filter(visible_q(user)).values("pk")
    return Event.objects.filter(pk__in=ids)


def event_list(
    *,
    user: Actor,
    tab: str | None = None,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    area: str | None = None,
    department: str | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    joint: bool | None = None,
    settled: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    text: str | None = None,
    among: Any = None,
) -> QuerySet[Event]:
    """The events the user sees, filtered. `among`: a subquery of event ids to keep (the
    cases behind a dashboard figure, which the figures app reads from its facts)."""
    qs = visible_events(user).select_related("category", "area", "responsible_area")
    if tab:
        qs = qs.filter(TABS[tab])
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if channel:
        qs = qs.filter(channel=channel)
    if area:
        qs = qs.filter(area__path__contains=f"/{area}/")
    if department:
        qs = qs.filter(orders__department__code=department).distinct()
    if overdue is not None:
        qs = qs.filter(alert="red") if overdue else qs.exclude(alert="red")
    if supervised is not None:
        qs = qs.filter(supervised=supervised)
    qs = qs.filter(_figure_q(joint=joint, settled=settled, among=among))
    if date_from:
        qs = qs.filter(reported_at__gte=_start(date_from))
    if date_to:
        qs = qs.filter(reported_at__lt=_start(date_to, next_day=True))
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(code__icontains=text)
            | Q(source_ref=text)
            | reporter_phone_q(text)
        )
    return without_geometry(qs.order_by("-reported_at"))


def _figure_q(*, joint: bool | None, settled: int | None, among: Any = None) -> Q:
    """The filters only the dashboard's links use: jointly dispatched (吹哨报到: an assisting
    order besides the lead), closed by an area of level `settled` (五级: where it was settled),
    among the ids of a subquery."""
    q = Q() if among is None else Q(pk__in=among)
    if settled:
        q &= Q(status=Status.CLOSED, responsible_area__level=settled)
    if joint:
        q &= Q(Exists(WorkOrder.objects.filter(event=OuterRef("pk"), role=OrderRole.ASSIST)))
    return q


def reporter_phone_q(text: str) -> Q:
    """Events reported from the phone `text` names: phones are sealed, so the match is on
    their blind index (text that is no phone matches nothing)."""
    normal = pii.normal_phone(text)
    return Q(reporter_phone_index__in=pii.phone_indexes(normal)) if normal else Q(pk__in=[])


def _start(day: date, next_day: bool = False) -> datetime:
    from datetime import timedelta

    value = datetime.combine(day + timedelta(days=1) if next_day else day, time.min)
    return timezone.make_aware(value)


def tab_counts(user: Actor) -> dict[str, int]:
    base = visible_events(user)
    counts = base.aggregate(**{name: Count("pk", filter=q) for name, q in TABS.items()})
    return {name: int(counts[name] or 0) for name in TABS}


def event_lookup(*, user: Actor, text: str, limit: int = 2) -> list[str]:
    """Codes of the visible events `text` names exactly — a tracking code, the source's
    order number (工单号), the reporter's phone — whatever their status (at most `limit`)."""
    text = text.strip()
    if not text:
        return []
    named = Q(code__iexact=text) | Q(source_ref=text) | reporter_phone_q(text)
    return list(
        visible_events(user)
        .filter(named)
        .order_by("-reported_at")
        .values_list("code", flat=True)[:limit]
    )


# Sorts of the queue: name → ordering (the latest report first breaks ties).
SORTS: dict[str, tuple[Any, ...]] = {
    "reported": ("reported_at",),
    "-reported": ("-reported_at",),
    "deadline": (F("deadline").asc(nulls_last=True), "-reported_at"),
    "-deadline": (F("deadline").desc(nulls_last=True), "-reported_at"),
    "priority": ("-priority_rank", "-reported_at"),
    "-priority": ("priority_rank", "-reported_at"),
    "code": ("code",),
    "-code": ("-code",),
    "status": ("status", "-reported_at"),
    "-status": ("-status", "-reported_at"),
    "category": ("category__code", "-reported_at"),
    "-category": ("-category__code", "-reported_at"),
    "channel": ("channel", "-reported_at"),
    "-channel": ("-channel", "-reported_at"),
    "area": ("area__code", "-reported_at"),
    "-area": ("-area__code", "-reported_at"),
}
_PRIORITY_RANK = Case(
    When(priority=Priority.CRITICAL, then=Value(3)),
    When(priority=Priority.URGENT, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def sort_events(qs: QuerySet[Event], sort: str | None) -> QuerySet[Event]:
    """The list in the order `sort` names (SORTS); an unknown name keeps the list's own."""
    if not sort or sort not in SORTS:
        return qs
    if "priority" in sort:
        qs = qs.annotate(priority_rank=_PRIORITY_RANK)
    return qs.order_by(*SORTS[sort])


def newest_report_id(user: Actor) -> int:
    """The id of the newest report waiting for acceptance in the user's sight (0: none):
    the seat polls it, and a larger one is a new report."""
    found = (
        visible_events(user)
        .filter(status=Status.REPORTED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return int(found or 0)


def event_get(*, user: Actor, code: str, field: str = "code") -> Event:
    """The event `code` as the user sees it; DomainError 404 naming `field` when it does not
    exist or is out of the user's sight (which of the two is not told). Selectors of every
    app answer "not found" this way; pages show it as their 404 page."""
    qs = visible_events(user).select_related(
        "category", "area", "responsible_area", "parent", "reporter"
    )
    event = without_geometry(qs).filter(code=code).first()
    if event is None:
        raise DomainError.one(
            _("Event %(code)s not found.") % {"code": code},
            field=field,
            code="not_found",
            status=404,
        )
    return event


def my_orders(*, user: Actor, status: str | None = None) -> QuerySet[WorkOrder]:
    """Work orders of the user's departments (the department handler's view)."""
    qs = WorkOrder.objects.filter(department__handlers=author(user)).select_related(
        "event", "department", "event__category"
    )
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=[OrderStatus.PENDING, OrderStatus.SIGNED])
    return qs.order_by("deadline")
