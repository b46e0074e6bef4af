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
from wangge.stats.models import FLAGS, MAX_LEVELS, MEASURES, ORDER_FLAGS, EventFact

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
    joint = set(
        WorkOrder.objects.filter(event_id__in=ids, role=OrderRole.ASSIST)
        .order_by()
        .values_list("event_id", flat=True)
        .distinct()
    )
    chains = area_chains({e["area_id"] for e in events})
    for event in events:
        yield fact_of(
            event,
            timelines.get(event["id"], []),
            leads.get(event["id"]),
            chains,
            asof,
            joint=event["id"] in joint,
            signing=signing.get(event["id"]),
        )


def fact_of(
    e: dict[str, Any],
    timeline: list[tuple[str, datetime, dict[str, Any]]],
    lead: int | None,
    chains: dict[int, list[int]],
    asof: datetime,
    joint: bool = False,
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
    handled_on_time = handled_at is not None and (
        e["handle_deadline"] is None or handled_at <= e["handle_deadline"]
    )
    settled = e["responsible_area__level"] if closed else None
    flags = {
        "reported": True,
        "accepted": accepted_at is not None,
        "accepted_on_time": accepted_at is not None
        and (accept_due is None or accepted_at <= accept_due),
        "dispatched": dispatched_at is not None,
        "dispatched_accurately": dispatched_at is not None and "return" not in actions,
        "handled": handled_at is not None,
        "handled_on_time": handled_on_time,
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
        "joint": joint,
        "joint_handled_on_time": joint and handled_on_time,
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
        handle_deadline=e["handle_deadline"],
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


# -- the same facts set-wise, in one statement (PostgreSQL) --------------------------------
# `fact_of` above is the definition; this computes exactly the same rows in the database for
# a rebuild (millions of events: hours in Python). The property test on PostgreSQL checks the
# two agree (the worker's incremental fill uses `fact_of`, a rebuild this).
_TIMELINE_ACTIONS = (
    "report",
    "accept",
    "dispatch",
    "return",
    "escalate",
    "self_handle",
    "verify",
    "decide_extension",
    "reopen",
)


def _flag_sql() -> dict[str, str]:
    """Each measure as SQL over the inner select's columns (x.*)."""
    flags = {
        "reported": "TRUE",
        "accepted": "x.acc IS NOT NULL",
        "accepted_on_time": "x.acc IS NOT NULL AND (x.accept_due IS NULL OR x.acc <= x.accept_due)",
        "dispatched": "x.dispatch_at IS NOT NULL",
        "dispatched_accurately": "x.dispatch_at IS NOT NULL AND NOT x.returned",
        "handled": "x.handled_at IS NOT NULL",
        "handled_on_time": "x.handled_on_time",
        "closed": "x.closed",
        "closed_on_time": "x.closed AND NOT (x.overdue_ever OR x.red)",
        "reworked": "x.rework_count > 0 OR x.failed_verify",
        "extended": "x.extended",
        "overdue_ever": "x.overdue_ever OR x.red",
        "escalated": "x.escalated",
        "self_handled": "x.self_handled OR x.self_handle",
        "called_back": "x.satisfaction <> ''",
        "satisfied": "x.satisfaction IN ('satisfied', 'basically')",
        "reopened": "x.reopen_count > 0 OR x.reopened",
        "open": "x.is_open",
        "open_reported": "x.status = 'reported'",
        "open_accepted": "x.status = 'accepted'",
        "open_handling": "x.status IN ('dispatched', 'handling')",
        "open_checking": "x.status IN ('handled', 'verified')",
        "open_red": "x.red",
        "open_yellow": "x.is_open AND NOT x.red AND x.yellow_at IS NOT NULL"
        " AND x.yellow_at <= %(asof)s",
        "open_supervised": "x.is_open AND x.supervised",
        "joint": "x.joint",
        "joint_handled_on_time": "x.joint AND x.handled_on_time",
        **{
            f"settled_{n}": f"x.closed AND x.responsible_level = {n}"
            for n in range(1, MAX_LEVELS + 1)
        },
    }
    assert set(flags) == set(MEASURES)
    return {m: f"COALESCE(x.status <> 'merged' AND ({sql}), FALSE)" for m, sql in flags.items()}


def _order_flag_sql() -> dict[str, str]:
    """The lead order's signing flags (ORDER_FLAGS), as `fact_of` sets them."""
    flags = {
        "signed": "x.signed_at IS NOT NULL",
        "signed_on_time": "x.signed_at IS NOT NULL"
        " AND (x.sign_deadline IS NULL OR x.signed_at <= x.sign_deadline)",
    }
    assert set(flags) == set(ORDER_FLAGS)
    return {m: f"COALESCE(x.status <> 'merged' AND ({sql}), FALSE)" for m, sql in flags.items()}


def insert_all_sql(asof: datetime, since: Any = None) -> int:
    """Insert the facts of every event (reported on or after the local day `since`) with one
    INSERT … SELECT; the area chains go into a scratch table first. Returns the rows written."""
    from django.conf import settings

    assert connection.vendor == "postgresql"
    chains = area_chains(Area.objects.values_list("pk", flat=True))
    levels = ", ".join(f"a{n} integer" for n in range(1, MAX_LEVELS + 1))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS stats_chain")
        cursor.execute(f"CREATE TEMP TABLE stats_chain (area_id integer PRIMARY KEY, {levels})")
        with cursor.cursor.copy("COPY stats_chain FROM STDIN") as copy:
            for pk, chain in chains.items():
                copy.write_row([pk, *(chain + [None] * MAX_LEVELS)[:MAX_LEVELS]])
        cursor.execute("ANALYZE stats_chain")
        event, timeline = Event._meta.db_table, TimelineEntry._meta.db_table
        order, area = WorkOrder._meta.db_table, Area._meta.db_table
        category = Event._meta.get_field("category").related_model._meta.db_table
        open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
        actions = ", ".join(f"'{a}'" for a in _TIMELINE_ACTIONS)
        where = "" if since is None else "WHERE e.reported_at >= %(since)s"
        params: dict[str, Any] = {"asof": asof, "tz": settings.TIME_ZONE}
        if since is not None:
            params["since"] = _day_start(since)
        inner = f"""
            SELECT e.id, e.category_id, COALESCE(c.parent_id, e.category_id) AS category_class_id,
              e.channel, ld.department_id, ld.signed_at, ld.sign_deadline, e.priority, e.status,
              (e.reported_at AT TIME ZONE %(tz)s)::date AS day, e.reported_at,
              COALESCE(e.accepted_at, tl.accept_at) AS acc, tl.dispatch_at, e.handled_at,
              e.closed_at, e.handle_deadline, ra.level AS responsible_level, e.satisfaction,
              e.lon, e.lat,
              ch.a1, ch.a2, ch.a3, ch.a4, ch.a5, ch.a6,
              tl.accept_due, COALESCE(tl.returned, FALSE) AS returned,
              e.handled_at IS NOT NULL AND (e.handle_deadline IS NULL
                OR e.handled_at <= e.handle_deadline) AS handled_on_time,
              e.status = 'closed' AS closed,
              e.status IN ({open_list}) AS is_open,
              e.status IN ({open_list}) AND e.deadline IS NOT NULL
                AND e.deadline <= %(asof)s AS red,
              e.overdue_ever, e.rework_count, e.reopen_count, e.self_handled, e.supervised,
              e.yellow_at, COALESCE(tl.failed_verify, FALSE) AS failed_verify,
              COALESCE(tl.extended, FALSE) AS extended,
              COALESCE(tl.escalated, FALSE) AS escalated,
              COALESCE(tl.self_handle, FALSE) AS self_handle,
              COALESCE(tl.reopened, FALSE) AS reopened,
              jo.event_id IS NOT NULL AS joint
            FROM {event} e
            JOIN {category} c ON c.id = e.category_id
            LEFT JOIN {area} ra ON ra.id = e.responsible_area_id
            LEFT JOIN stats_chain ch ON ch.area_id = e.area_id
            LEFT JOIN tl ON tl.event_id = e.id
            LEFT JOIN ld ON ld.event_id = e.id
            LEFT JOIN jo ON jo.event_id = e.id
            {where}"""
        outer = {
            "event_id": "x.id",
            "category_id": "x.category_id",
            "category_class_id": "x.category_class_id",
            "channel": "x.channel",
            "department_id": "x.department_id",
            "priority": "x.priority",
            "status": "x.status",
            "day": "x.day",
            "reported_at": "x.reported_at",
            "accepted_at": "x.acc",
            "dispatched_at": "x.dispatch_at",
            "handled_at": "x.handled_at",
            "closed_at": "x.closed_at",
            "handle_deadline": "x.handle_deadline",
            "settled_level": "CASE WHEN x.closed THEN x.responsible_level END",
            "satisfaction": "x.satisfaction",
            "lon": "x.lon",
            "lat": "x.lat",
            **{f"area_{n}": f"x.a{n}" for n in range(1, MAX_LEVELS + 1)},
            **_flag_sql(),
            **_order_flag_sql(),
        }
        assert set(outer) == set(FACT_COLUMNS)
        columns = ", ".join(connection.ops.quote_name(c) for c in FACT_COLUMNS)
        select = ", ".join(outer[c] for c in FACT_COLUMNS)
        cursor.execute(
            f"""
            WITH firsts AS (
              SELECT event_id, MIN(id) FILTER (WHERE action = 'accept') AS accept_id
              FROM {timeline} WHERE action IN ({actions}) GROUP BY event_id
            ), tl AS (
              SELECT t.event_id,
                (array_agg(t.at ORDER BY t.id) FILTER (WHERE t.action = 'accept'))[1]
                  AS accept_at,
                (array_agg(t.at ORDER BY t.id) FILTER (WHERE t.action = 'dispatch'))[1]
                  AS dispatch_at,
                (array_agg((t.data->>'deadline')::timestamptz ORDER BY t.id DESC) FILTER (
                  WHERE t.action IN ('report', 'escalate')
                  AND (f.accept_id IS NULL OR t.id < f.accept_id)
                  AND COALESCE(t.data->>'deadline', '') <> ''))[1] AS accept_due,
                bool_or(t.action = 'return') AS returned,
                bool_or(t.action = 'escalate') AS escalated,
                bool_or(t.action = 'self_handle') AS self_handle,
                bool_or(t.action = 'reopen') AS reopened,
                bool_or(t.action = 'verify' AND t.data->'passed' = 'false'::jsonb)
                  AS failed_verify,
                bool_or(t.action = 'decide_extension' AND t.data->'approved' = 'true'::jsonb)
                  AS extended
              FROM {timeline} t JOIN firsts f ON f.event_id = t.event_id
              WHERE t.action IN ({actions}) GROUP BY t.event_id
            ), ld AS (
              SELECT event_id, (array_agg(department_id ORDER BY id DESC))[1] AS department_id,
                (array_agg(signed_at ORDER BY id DESC))[1] AS signed_at,
                (array_agg(sign_deadline ORDER BY id DESC))[1] AS sign_deadline
              FROM {order} WHERE role = 'lead' GROUP BY event_id
            ), jo AS (
              SELECT DISTINCT event_id FROM {order} WHERE role = 'assist'
            )
            INSERT INTO {EventFact._meta.db_table} ({columns})
            SELECT {select} FROM ({inner}) x
            """,
            params,
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE stats_chain")
    return int(written)
