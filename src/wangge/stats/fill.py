"""Keeping the facts and rollups current, outside the event loop.

The worker reads the timeline (append-only) past its recorded position, as intake's change
feed does: entries younger than WANGGE_STATS_LAG_SECONDS are left for the next run, since a
transaction still open could commit an entry with a smaller id. Besides those events it
re-reads the open events whose deadline or yellow time fell between its last moment and now
(their alerts change without a timeline entry). It recomputes their facts, adds the
differences to the rollup buckets they were and are in (an upsert per bucket), and moves its
position — all in one transaction.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from wangge.events.models import OPEN_STATUSES, Event, TimelineEntry
from wangge.stats import facts, fieldwork_rollups, rollups, staffing
from wangge.stats.models import EventFact, FillState

STATE = "events"
BATCH = 5000  # timeline entries per step


@dataclass
class FillReport:
    entries: int = 0
    events: int = 0
    days: int = 0
    rebuilt: bool = False
    fieldwork: int = 0  # fieldwork change rows read (`fieldwork_rollups`)
    staffing: int = 0  # staffing figures that changed (`staffing`)
    facts_s: float = 0.0  # time spent computing and writing facts …
    rollups_s: float = 0.0  # … and regrouping rollups


def lag() -> timedelta:
    return timedelta(seconds=settings.WANGGE_STATS_LAG_SECONDS)


def rebuild(since: date | None = None, now: datetime | None = None) -> FillReport:
    """Recompute every fact (of events reported on or after `since`) and their rollups.
    A full rebuild sets the worker's position to what it covered; a partial one leaves it
    (and its moment) where it was: the timeline entries still waiting may be of events
    reported before `since`, whose facts it did not recompute — the next fill applies them,
    and those of the recomputed events then change nothing."""
    asof = (now or timezone.now()) - lag()
    report = FillReport(rebuilt=True)
    with transaction.atomic():
        # Lock the state first: a fill running meanwhile waits, then starts from here.
        state = _state(asof, lock=True)
        position = TimelineEntry.objects.filter(at__lte=asof).aggregate(m=Max("pk"))["m"] or 0
        stale = EventFact.objects.all()
        if since is not None:
            stale = stale.filter(day__gte=since)
        stale.delete()
        batch: list[facts.Fact] = []
        started = time.perf_counter()
        if connection.vendor == "postgresql" and settings.WANGGE_STATS_SQL_REBUILD:
            report.events = facts.insert_all_sql(asof, since)  # set-wise, in the database
        else:
            for fact in facts.compute_all(asof, since):
                batch.append(fact)
                if len(batch) >= facts.CHUNK:
                    facts.write(batch)
                    report.events += len(batch)
                    batch = []
            facts.write(batch)
            report.events += len(batch)
        report.facts_s = time.perf_counter() - started
        started = time.perf_counter()
        if since is None:
            rollups.refill(None)
        else:
            days = EventFact.objects.filter(day__gte=since).values_list("day", flat=True)
            report.days = len(found := set(days.distinct()))
            rollups.refill(found)
        report.rollups_s = time.perf_counter() - started
        if since is None:
            state.position, state.asof = position, asof
        state.last_modified = timezone.now()
        state.save()
    fieldwork_rollups.rebuild(now)  # every fieldwork figure (they are few: no `since`)
    staffing.refresh()
    return report


def _state(asof: datetime, lock: bool = False) -> FillState:
    state, _created = FillState.objects.get_or_create(
        name=STATE, defaults={"asof": asof, "position": -1}
    )
    if lock:
        state = FillState.objects.select_for_update().get(pk=state.pk)
    return state


def fill(now: datetime | None = None) -> FillReport:
    """Bring facts and rollups up to now minus the lag (a rebuild the first time), then the
    fieldwork rollups from their change log, then the staffing figures."""
    report = _fill_events(now)
    report.fieldwork = fieldwork_rollups.fill(now)
    report.staffing = staffing.refresh()
    return report


def _fill_events(now: datetime | None) -> FillReport:
    asof = (now or timezone.now()) - lag()
    state = FillState.objects.filter(name=STATE).first()
    if state is None or state.position < 0:
        return rebuild(now=now)
    report = FillReport()
    while True:
        with transaction.atomic():
            state = _state(asof, lock=True)
            step = _step(state, asof)
        report.entries += step.entries
        report.events += step.events
        report.days += step.days
        if step.entries < BATCH:  # caught up, or the rest is younger than the lag
            return report


def _step(state: FillState, asof: datetime) -> FillReport:
    entries = list(
        TimelineEntry.objects.filter(pk__gt=state.position)
        .order_by("pk")
        .values_list("pk", "event_id", "at")[:BATCH]
    )
    event_ids: set[int] = set()
    position, taken = state.position, 0
    for pk, event_id, at in entries:
        if at > asof:
            break  # this one and everything after it: next time
        event_ids.add(event_id)
        position, taken = pk, taken + 1
    since = min(state.asof, asof)
    crossed = Event.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(deadline__gt=since, deadline__lte=asof) | Q(yellow_at__gt=since, yellow_at__lte=asof)
    )
    event_ids.update(crossed.values_list("pk", flat=True))
    days = refresh(event_ids, asof)
    state.position, state.asof = position, max(asof, state.asof)
    state.last_modified = timezone.now()
    state.save()
    return FillReport(entries=taken, events=len(event_ids), days=len(days))


def refresh(event_ids: set[int], asof: datetime) -> set[date]:
    """Recompute these events' facts and add the differences to the buckets (level, area,
    day or month, key) they were and are in — never regrouping a whole day."""
    if not event_ids:
        return set()
    old_qs = EventFact.objects.filter(event_id__in=event_ids)
    old = list(old_qs.order_by().values(*rollups.FACT_READ))
    old_qs.delete()
    new = list(facts.compute(event_ids, asof))
    facts.write(new)
    rollups.apply(rollups.difference(old, new))
    return {f["day"] for f in old} | {f["day"] for f in new}


def status(now: datetime | None = None) -> dict[str, Any]:
    """Where the fill stands: its moment, lag behind now, entries waiting."""
    now = now or timezone.now()
    state = FillState.objects.filter(name=STATE).first()
    if state is None or state.position < 0:
        return {
            "filled": False,
            "asof": None,
            "lag_seconds": None,
            "waiting": None,
            "fieldwork_waiting": None,
            "late": True,
        }
    behind = (now - state.asof).total_seconds()
    waiting = TimelineEntry.objects.filter(pk__gt=state.position).count()
    return {
        "filled": True,
        "asof": state.asof,
        "position": state.position,
        "lag_seconds": behind,
        "waiting": waiting,
        "fieldwork_waiting": fieldwork_rollups.waiting(),  # change rows and new report-ins
        "late": behind > settings.WANGGE_STATS_LATE_SECONDS,
    }


def late_minutes() -> int:
    return int(settings.WANGGE_STATS_LATE_SECONDS // 60)
