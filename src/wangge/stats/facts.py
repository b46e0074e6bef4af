"""An event's fact row, from the event and its timeline alone, as of a moment.

`asof` matters only for the open events' alerts (red: past the stage deadline; yellow: past
its yellow time): the worker re-reads the events whose deadline or yellow time it stepped
over, so facts computed at different moments agree with a rebuild at the last one.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wangge.events.models import (
    OPEN_STATUSES,
    Event,
    OrderRole,
    Satisfaction,
    Status,
    TimelineEntry,
    WorkOrder,
)
from wangge.regions.models import Area
from wangge.stats.models import FLAGS, MAX_LEVELS, EventFact

CHUNK = 2000  # events per read
_EVENT_FIELDS = (
    "id",
    "category_id",
    "category__parent_id",
    "channel",
    "priority",
    "status",
    "reported_at",
    "accepted_at",
    "handled_at",
    "closed_at",
    "handle_deadline",
    "deadline",
    "yellow_at",
    "overdue_ever",
    "self_handled",
    "supervised",
    "satisfaction",
    "rework_count",
    "reopen_count",
    "area_id",
    "responsible_area__level",
    "lon",
    "lat",
)
# A fact as a dict of EventFact's columns (no model instance: a rebuild makes millions).
Fact = dict[str, Any]
_CHECKING = (Status.HANDLED, Status.VERIFIED)
_HANDLING = (Status.DISPATCHED, Status.HANDLING)


def area_chains(area_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each area's chain of ids from the top (one query per level at most)."""
    parents: dict[int, int | None] = {}
    todo = set(area_ids)
    while todo:
        found = dict(Area.objects.filter(pk__in=todo).values_list("pk", "parent_id"))
        parents.update(found)
        todo = {p for p in found.values() if p is not None and p not in parents}
    chains: dict[int, list[int]] = {}
    for pk in parents:
        chain: list[int] = []
        node: int | None = pk
        while node is not None:
            chain.append(node)
            node = parents.get(node)
        chains[pk] = chain[::-1]
    return chains


def compute(event_ids: Iterable[int], asof: datetime) -> Iterator[Fact]:
    """The facts of these events (those that exist), read CHUNK events at a time."""
    ids = sorted(set(event_ids))
    for start in range(0, len(ids), CHUNK):
        yield from _chunk(Event.objects.filter(pk__in=ids[start : start + CHUNK]), asof)


def compute_all(asof: datetime, since: Any = None) -> Iterator[Fact]:
    """Facts of every event (reported on or after the local day `since`), by id ranges."""
    qs = Event.objects.order_by()
    if since is not None:
        qs = qs.filter(reported_at__gte=_day_start(since))
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        last = ids[-1]
        yield from _chunk(Event.objects.filter(pk__in=ids), asof)


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _chunk(events_qs: Any, asof: datetime) -> Iterator[Fact]:
    events = list(events_qs.order_by("pk").values(*_EVENT_FIELDS))
    if not events:
        return
    ids = [e["id"] for e in events]
    timelines: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {}
    for event_id, action, at, data in (
        TimelineEntry.objects.filter(event_id__in=ids)
        .filter(
            Q(action__in=["report", "accept", "dispatch", "return", "escalate", "self_handle"])
            | Q(action__in=["verify", "decide_extension", "reopen"])
        )
        .order_by("event_id", "pk")
        .values_list("event_id", "action", "at", "data")
    ):
        timelines.setdefault(event_id, []).append((action, at, data or {}))
    leads: dict[int, int] = {}
    signing: dict[int, tuple[Any, Any]] = {}
    for event_id, department_id, signed_at, sign_deadline in (
        WorkOrder.objects.filter(event_id__in=ids, role=OrderRole.LEAD)
        .order_by("event_id", "pk")
        .values_list("event_id", "department_id", "signed_at", "sign_deadline")
    ):  # the latest lead order of each event wins (ordered by id)
        leads[event_id] = department_id
        signing[event_id] = (signed_at, sign_deadline)
    chains = area_chains({e["area_id"] for e in events})
    for event in events:
        yield fact_of(
            event,
            timelines.get(event["id"], []),
            leads.get(event["id"]),
            chains,
            asof,
            signing=signing.get(event["id"]),
        )


def fact_of(
    e: dict[str, Any],
    timeline: list[tuple[str, datetime, dict[str, Any]]],
    lead: int | None,
    chains: dict[int, list[int]],
    asof: datetime,
    signing: tuple[Any, Any] | None = None,  # the lead order's (signed_at, sign_deadline)
) -> Fact:
    status = e["status"]
    actions = [a for a, _at, _d in timeline]
    accept_due: datetime | None = None
    accepted_at = dispatched_at = None
    for action, at, data in timeline:
        if action == "accept" and accepted_at is None:
            accepted_at = at
        elif action in ("report", "escalate") and accepted_at is None and data.get("deadline"):
            accept_due = parse_datetime(data["deadline"])
        if action == "dispatch" and dispatched_at is None:
            dispatched_at = at
    accepted_at = e["accepted_at"] or accepted_at
    is_open = status in OPEN_STATUSES
    red = is_open and e["deadline"] is not None and e["deadline"] <= asof
    yellow = is_open and not red and e["yellow_at"] is not None and e["yellow_at"] <= asof
    closed = status == Status.CLOSED
    overdue_ever = bool(e["overdue_ever"]) or red
    handled_at = e["handled_at"]
    settled = e["responsible_area__level"] if closed else None
    flags = {
        "reported": True,
        "accepted": accepted_at is not None,
        "accepted_on_time": accepted_at is not None
        and (accept_due is None or accepted_at <= accept_due),
        "dispatched": dispatched_at is not None,
        "dispatched_accurately": dispatched_at is not None and "return" not in actions,
        "handled": handled_at is not None,
        "handled_on_time": handled_at is not None
        and (e["handle_deadline"] is None or handled_at <= e["handle_deadline"]),
        "closed": closed,
        "closed_on_time": closed and not overdue_ever,
        "reworked": bool(e["rework_count"])
        or any(a == "verify" and d.get("passed") is False for a, _at, d in timeline),
        "extended": any(
            a == "decide_extension" and d.get("approved") is True for a, _at, d in timeline
        ),
        "overdue_ever": overdue_ever,
        "escalated": "escalate" in actions,
        "self_handled": bool(e["self_handled"]) or "self_handle" in actions,
        "called_back": bool(e["satisfaction"]),
        "satisfied": e["satisfaction"] in (Satisfaction.SATISFIED, Satisfaction.BASICALLY),
        "reopened": bool(e["reopen_count"]) or "reopen" in actions,
        "open": is_open,
        "open_reported": status == Status.REPORTED,
        "open_accepted": status == Status.ACCEPTED,
        "open_handling": status in _HANDLING,
        "open_checking": status in _CHECKING,
        "open_red": red,
        "open_yellow": yellow,
        "open_supervised": is_open and bool(e["supervised"]),
        **{f"settled_{n}": settled == n for n in range(1, MAX_LEVELS + 1)},
    }
    signed_at, sign_due = signing or (None, None)
    flags["signed"] = signed_at is not None
    flags["signed_on_time"] = signed_at is not None and (sign_due is None or signed_at <= sign_due)
    if status == Status.MERGED:  # counted once, through the event it joined
        flags = dict.fromkeys(FLAGS, False)
    chain = chains.get(e["area_id"], [])
    return dict(
        event_id=e["id"],
        category_id=e["category_id"],
        category_class_id=e["category__parent_id"] or e["category_id"],
        channel=e["channel"],
        department_id=lead,
        priority=e["priority"],
        status=status,
        day=timezone.localtime(e["reported_at"]).date(),
        reported_at=e["reported_at"],
        accepted_at=accepted_at,
        dispatched_at=dispatched_at,
        handled_at=handled_at,
        closed_at=e["closed_at"],
        settled_level=settled,
        satisfaction=e["satisfaction"],
        lon=e["lon"],
        lat=e["lat"],
        **{
            f"area_{n}": (chain[n - 1] if n <= len(chain) else None)
            for n in range(1, MAX_LEVELS + 1)
        },
        **flags,
    )


FACT_COLUMNS = tuple(f.attname for f in EventFact._meta.concrete_fields)


def write(rows: list[Fact]) -> None:
    """Insert facts: COPY on PostgreSQL (bulk_create spends most of a rebuild preparing
    each of the ~60 values of each row), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        EventFact.objects.bulk_create([EventFact(**row) for row in rows], batch_size=500)
        return
    columns = ", ".join(connection.ops.quote_name(c) for c in FACT_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {EventFact._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in FACT_COLUMNS])
