"""Fieldwork figures kept current by the stats worker, from fieldwork's change log.

Every fieldwork write that changes a figure appends the (area, day) buckets it touched to
`FieldworkChange` in its own transaction (`fieldwork.changes`). The worker reads that log past
its recorded position, leaving entries younger than WANGGE_STATS_LAG_SECONDS for the next run
(a transaction still open could commit a smaller id), as the event fill reads the timeline. For
the buckets named it recomputes the area's own counts of the day (`FieldworkDay`) from the
fieldwork tables, and adds the differences to the day and month rollups of the area and each of
its ancestors (`FieldworkRollup`); the position moves in the same transaction, so a crash
redoes the interrupted slot, and redoing is harmless (a bucket is recomputed, not added to).

Overdue visits depend on the clock: a task is overdue when it is open and due before the
worker's local day (of its "as of" moment). When that day changes between two steps, the
step also recomputes the buckets of the open tasks that fell due in between — what the day
turning changed, and nothing else. A rebuild computes with the same day, so incremental and
rebuilt tables agree; the page shows the overdue count as of its "figures as of" moment, like
every other figure.

Party report-ins (`people.PartyReportIn`) are counted too, on their day at their grid. People
may not import fieldwork, so their one write path logs nothing: the table is append-only, and
the worker reads its rows past a second recorded position (`REPORT_INS`) by id, with the same
lag on `created_at`. A report-in is deleted only with its member (a cascade, no service
deletes one); a `post_delete` receiver (`stats.apps`) logs its bucket to the change log, so
that is caught as well, in the deleting transaction.

Campaign coverage is a current figure per (campaign, area), not per day: the targets' write
paths log (campaign, area) rows (kind `campaign`), and the worker recomputes those areas' live
targets of the campaign (`CampaignAreaCount`) and adds the differences to the area's and its
ancestors' `CampaignCoverage` rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from wangge.fieldwork import changes
from wangge.fieldwork.models import (
    AttendTask,
    CampaignTarget,
    FieldworkChange,
    Inspection,
    Patrol,
    VisitTask,
)
from wangge.people.models import PartyReportIn
from wangge.regions.models import Area
from wangge.stats.fieldwork_models import (
    COVERAGE_COUNTS,
    FIELDWORK_COUNTS,
    CampaignAreaCount,
    CampaignCoverage,
    FieldworkDay,
    FieldworkRollup,
)
from wangge.stats.models import FillState
from wangge.stats.rollups import month_start

STATE = "fieldwork"
REPORT_INS = "fieldwork_report_ins"  # the position in PartyReportIn's ids
BATCH = 5000  # change rows (and report-ins) per step
KEEP = timedelta(days=7)  # change rows read are kept this long (to look into), then dropped
WIDTH = len(FIELDWORK_COUNTS)
COLUMN = {name: i for i, name in enumerate(FIELDWORK_COUNTS)}

Bucket = tuple[int, date]  # (area id, day)
Counts = dict[Bucket, list[int]]


# -- computing an area's own counts ------------------------------------------------------------
def compute(pairs: set[Bucket] | None, today: date) -> Counts:
    """The own counts of these (area, day) buckets (None: of every bucket), from the fieldwork
    tables; buckets with nothing in them are left out."""
    counts: Counts = defaultdict(lambda: [0] * WIDTH)
    areas = sorted({a for a, _d in pairs}) if pairs is not None else []
    days = sorted({d for _a, d in pairs}) if pairs is not None else []
    if pairs is not None and not pairs:
        return {}

    def scope(qs: Any, day_field: str) -> Any:
        qs = qs.order_by()
        if pairs is not None:
            qs = qs.filter(area_id__in=areas, **{f"{day_field}__in": days})
        return qs

    def add(rows: Iterable[dict[str, Any]], day_field: str, columns: dict[str, str]) -> None:
        for row in rows:
            key = (row["area_id"], row[day_field])
            if pairs is not None and key not in pairs:
                continue
            for column, field in columns.items():
                if row[field]:
                    counts[key][COLUMN[column]] += row[field]

    open_, done = VisitTask.Status.OPEN, VisitTask.Status.DONE
    for day_field, suffix in (("period_start", "started"), ("due_on", "ending")):
        rows = (
            scope(VisitTask.objects, day_field)
            .values("area_id", day_field)
            .annotate(
                n=Count("pk"),
                done=Count("pk", filter=Q(status=done)),
                overdue=Count("pk", filter=Q(status=open_, due_on__lt=today)),
            )
        )
        add(
            rows,
            day_field,
            {f"visits_{suffix}": "n", f"done_{suffix}": "done", f"overdue_{suffix}": "overdue"},
        )
    attend = (
        scope(
            AttendTask.objects.exclude(status=AttendTask.Status.CANCELLED).annotate(
                on=TruncDate("created_at")
            ),
            "on",
        )
        .values("area_id", "on")
        .annotate(
            due=Count("pk"),
            on_time=Count(
                "pk", filter=Q(status=AttendTask.Status.DONE, done_at__lte=F("deadline"))
            ),
        )
    )
    add(attend, "on", {"attend_due": "due", "attend_on_time": "on_time"})
    patrols = (
        scope(Patrol.objects.annotate(on=TruncDate("started_at")), "on")
        .values("area_id", "on")
        .annotate(n=Count("pk"))
    )
    add(patrols, "on", {"patrols": "n"})
    inspections = scope(Inspection.objects, "done_on").values("area_id", "done_on")
    add(inspections.annotate(n=Count("pk")), "done_on", {"inspections": "n"})
    report_ins = scope(PartyReportIn.objects, "reported_on").values("area_id", "reported_on")
    add(report_ins.annotate(n=Count("pk")), "reported_on", {"report_ins": "n"})
    return {key: row for key, row in counts.items() if any(row)}


# -- adding up over the tree ------------------------------------------------------------------
def _chains(area_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """Each area's (level, id) and those of its ancestors."""
    paths = dict(Area.objects.filter(pk__in=set(area_ids)).values_list("pk", "path"))
    wanted = {p for path in paths.values() for p in _chain_paths(path)}
    found: dict[str, tuple[int, int]] = {}
    for path, pk, level in Area.objects.filter(path__in=wanted).values_list("path", "pk", "level"):
        found[path] = (level, pk)
    return {pk: [found[p] for p in _chain_paths(path) if p in found] for pk, path in paths.items()}


def _chain_paths(path: str) -> list[str]:
    parts = [c for c in path.split("/") if c]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


RollupKey = tuple[str, int, int, date]  # (period, level, area id, day or month)


def _spread(delta: Counts) -> dict[RollupKey, list[int]]:
    """What each day and month rollup of each level gains from these own-count changes."""
    chains = _chains(a for a, _d in delta)
    spread: dict[RollupKey, list[int]] = defaultdict(lambda: [0] * WIDTH)
    for (area, day), counts in delta.items():
        month = month_start(day)
        for level, pk in chains.get(area, []):
            for key in (("d", level, pk, day), ("m", level, pk, month)):
                row = spread[key]
                for i, n in enumerate(counts):
                    row[i] += n
    return {key: row for key, row in spread.items() if any(row)}


def _write_rollups(spread: dict[RollupKey, list[int]], existing: bool) -> None:
    """Add `spread` to the rollups (`existing`: rows may be there already); a row left all
    zero goes."""
    if not spread:
        return
    now: dict[RollupKey, list[int]] = {}
    if existing:
        rows = FieldworkRollup.objects.filter(
            area_id__in={k[2] for k in spread}, day__in={k[3] for k in spread}
        ).values_list("pk", "period", "level", "area_id", "day", *FIELDWORK_COUNTS)
        gone = []
        for pk, period, level, area, day, *counts in rows:
            key = (period, level, area, day)
            if key in spread:
                now[key] = list(counts)
                gone.append(pk)
        FieldworkRollup.objects.filter(pk__in=gone).delete()
    for key, add in spread.items():
        row = now.setdefault(key, [0] * WIDTH)
        for i, n in enumerate(add):
            row[i] += n
    FieldworkRollup.objects.bulk_create(
        [
            FieldworkRollup(
                period=period,
                level=level,
                area_id=area,
                day=day,
                **dict(zip(FIELDWORK_COUNTS, c, strict=True)),
            )
            for (period, level, area, day), c in sorted(now.items())
            if any(c)
        ],
        batch_size=1000,
    )


def refresh(pairs: set[Bucket], today: date) -> int:
    """Recompute these buckets' own counts and move the rollups by the differences."""
    if not pairs:
        return 0
    new = compute(pairs, today)
    rows = FieldworkDay.objects.filter(
        area_id__in={a for a, _d in pairs}, day__in={d for _a, d in pairs}
    ).values_list("pk", "area_id", "day", *FIELDWORK_COUNTS)
    delta = _replace_own(FieldworkDay, rows, pairs, new, WIDTH)
    _write_days(new)
    _write_rollups(_spread(delta), existing=True)
    return len(pairs)


def _replace_own(
    model: Any,
    rows: Iterable[tuple[Any, ...]],
    pairs: set[Any],
    new: dict[Any, list[int]],
    width: int,
) -> dict[Any, list[int]]:
    """Delete the stored own counts of `pairs` (`rows`: pk, the pair's two keys, the counts)
    and return what `new` changes in each: the differences to spread up the tree."""
    old: dict[Any, list[int]] = {}
    stale = []
    for pk, first, second, *counts in rows:
        if (first, second) in pairs:
            old[(first, second)] = list(counts)
            stale.append(pk)
    model.objects.filter(pk__in=stale).delete()
    delta = {}
    for key in old.keys() | new.keys():
        was, now = old.get(key, [0] * width), new.get(key, [0] * width)
        change = [b - a for a, b in zip(was, now, strict=True)]
        if any(change):
            delta[key] = change
    return delta


def _write_days(counts: Counts) -> None:
    FieldworkDay.objects.bulk_create(
        [
            FieldworkDay(area_id=area, day=day, **dict(zip(FIELDWORK_COUNTS, c, strict=True)))
            for (area, day), c in sorted(counts.items())
        ],
        batch_size=1000,
    )


# -- campaign coverage -------------------------------------------------------------------------
CoverKey = tuple[int, int]  # (campaign id, area id)
Cover = dict[CoverKey, list[int]]
CWIDTH = len(COVERAGE_COUNTS)
WHOLE = 500  # a campaign named in more areas than this is recomputed whole (one scan)


def _by_campaign(keys: Iterable[tuple[int, int]], field: str = "area_id") -> Q:
    """Rows of these (campaign, area) keys: one term per campaign (never a cross product of
    every campaign's areas)."""
    areas: dict[int, set[int]] = defaultdict(set)
    for campaign, area in keys:
        areas[campaign].add(area)
    q = Q(pk__in=[])
    for campaign, ids in sorted(areas.items()):
        if len(ids) > WHOLE:
            q |= Q(campaign_id=campaign)
        else:
            q |= Q(campaign_id=campaign, **{f"{field}__in": sorted(ids)})
    return q


def coverage_compute(pairs: set[CoverKey] | None) -> Cover:
    """The live targets (total, done, unreachable) of these (campaign, area) pairs (None: of
    every pair), from the target table; pairs with no live target are left out."""
    if pairs is not None and not pairs:
        return {}
    qs = CampaignTarget.objects.filter(left_at__isnull=True).order_by()
    if pairs is not None:
        qs = qs.filter(_by_campaign(pairs))
    rows = qs.values_list("campaign_id", "area_id").annotate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=CampaignTarget.Status.DONE)),
        unreachable=Count("pk", filter=Q(status=CampaignTarget.Status.UNREACHABLE)),
    )
    found: Cover = {}
    for campaign, area, *counts in rows:
        if pairs is None or (campaign, area) in pairs:
            found[(campaign, area)] = list(counts)
    return found


CoverRollupKey = tuple[int, int, int]  # (campaign id, level, area id)


def _spread_coverage(delta: Cover) -> dict[CoverRollupKey, list[int]]:
    chains = _chains(a for _c, a in delta)
    spread: dict[CoverRollupKey, list[int]] = defaultdict(lambda: [0] * CWIDTH)
    for (campaign, area), counts in delta.items():
        for level, pk in chains.get(area, []):
            row = spread[(campaign, level, pk)]
            for i, n in enumerate(counts):
                row[i] += n
    return {key: row for key, row in spread.items() if any(row)}


def _write_coverage(spread: dict[CoverRollupKey, list[int]], existing: bool) -> None:
    """Add `spread` to the coverage rollups; a row left all zero goes."""
    if not spread:
        return
    now: dict[CoverRollupKey, list[int]] = {}
    if existing:
        rows = CampaignCoverage.objects.filter(
            _by_campaign(((c, a) for c, _l, a in spread), "area_id")
        ).values_list("pk", "campaign_id", "level", "area_id", *COVERAGE_COUNTS)
        gone = []
        for pk, campaign, level, area, *counts in rows:
            if (campaign, level, area) in spread:
                now[(campaign, level, area)] = list(counts)
                gone.append(pk)
        CampaignCoverage.objects.filter(pk__in=gone).delete()
    for key, add in spread.items():
        row = now.setdefault(key, [0] * CWIDTH)
        for i, n in enumerate(add):
            row[i] += n
    CampaignCoverage.objects.bulk_create(
        [
            CampaignCoverage(
                campaign_id=campaign,
                level=level,
                area_id=area,
                **dict(zip(COVERAGE_COUNTS, c, strict=True)),
            )
            for (campaign, level, area), c in sorted(now.items())
            if any(c)
        ],
        batch_size=1000,
    )


def _write_cover_areas(counts: Cover) -> None:
    CampaignAreaCount.objects.bulk_create(
        [
            CampaignAreaCount(
                campaign_id=campaign, area_id=area, **dict(zip(COVERAGE_COUNTS, c, strict=True))
            )
            for (campaign, area), c in sorted(counts.items())
        ],
        batch_size=1000,
    )


def coverage_refresh(pairs: set[CoverKey]) -> int:
    """Recompute these (campaign, area) pairs and move the coverage rollups by the
    differences."""
    if not pairs:
        return 0
    new = coverage_compute(pairs)
    rows = CampaignAreaCount.objects.filter(_by_campaign(pairs)).values_list(
        "pk", "campaign_id", "area_id", *COVERAGE_COUNTS
    )
    delta = _replace_own(CampaignAreaCount, rows, pairs, new, CWIDTH)
    _write_cover_areas(new)
    _write_coverage(_spread_coverage(delta), existing=True)
    return len(pairs)


def report_in_deleted(sender: Any, instance: PartyReportIn, **kwargs: Any) -> None:
    """`post_delete` of a report-in: its bucket, for the next fill to recount."""
    changes.report_in(instance.area_id, instance.reported_on)


# -- the worker -------------------------------------------------------------------------------
def _lag() -> timedelta:
    return timedelta(seconds=settings.WANGGE_STATS_LAG_SECONDS)


def _state(asof: datetime, name: str = STATE) -> FillState:
    state, _created = FillState.objects.get_or_create(
        name=name, defaults={"asof": asof, "position": -1}
    )
    return FillState.objects.select_for_update().get(pk=state.pk)


def rebuild(now: datetime | None = None) -> int:
    """Recompute every fieldwork count and rollup; the position goes to what that covered."""
    asof = (now or timezone.now()) - _lag()
    with transaction.atomic():
        state = _state(asof)  # a fill running meanwhile waits, then starts from here
        report_ins = _state(asof, REPORT_INS)
        position = FieldworkChange.objects.filter(at__lte=asof).aggregate(m=Max("pk"))["m"] or 0
        read_to = PartyReportIn.objects.filter(created_at__lte=asof).aggregate(m=Max("pk"))["m"]
        FieldworkDay.objects.all().delete()
        FieldworkRollup.objects.all().delete()
        counts = compute(None, timezone.localdate(asof))
        _write_days(counts)
        _write_rollups(_spread(counts), existing=False)
        CampaignAreaCount.objects.all().delete()
        CampaignCoverage.objects.all().delete()
        cover = coverage_compute(None)
        _write_cover_areas(cover)
        _write_coverage(_spread_coverage(cover), existing=False)
        state.position, state.asof, state.last_modified = position, asof, timezone.now()
        state.save()
        report_ins.position, report_ins.asof = read_to or 0, asof
        report_ins.last_modified = state.last_modified
        report_ins.save()
    return len(counts) + len(cover)


def fill(now: datetime | None = None) -> int:
    """Bring the fieldwork rollups up to now minus the lag (a rebuild the first time);
    returns the change rows read."""
    asof = (now or timezone.now()) - _lag()
    states = dict(
        FillState.objects.filter(name__in=(STATE, REPORT_INS)).values_list("name", "position")
    )
    if min(states.get(STATE, -1), states.get(REPORT_INS, -1)) < 0:
        rebuild(now)
        return 0
    read = 0
    while True:
        with transaction.atomic():
            taken, more = _step(_state(asof), _state(asof, REPORT_INS), asof)
        read += taken
        if not more:
            return read


def _step(state: FillState, report_ins: FillState, asof: datetime) -> tuple[int, bool]:
    """One slot: change rows and new report-ins past their positions (a batch of each at
    most); returns the change rows read and whether a batch was full (more to read)."""
    logged = list(
        FieldworkChange.objects.filter(pk__gt=state.position)
        .order_by("pk")
        .values_list("pk", "area_id", "day", "at", "kind", "campaign_id")[:BATCH]
    )
    pairs: set[Bucket] = set()
    cover: set[CoverKey] = set()
    position, taken = state.position, 0
    for pk, area, day, at, kind, campaign in logged:
        if at > asof:
            break  # this one and everything after it: next time
        if kind == FieldworkChange.Kind.CAMPAIGN:
            if campaign is not None:
                cover.add((campaign, area))
        else:
            pairs.add((area, day))
        position, taken = pk, taken + 1
    new_report_ins = list(
        PartyReportIn.objects.filter(pk__gt=report_ins.position)
        .order_by("pk")
        .values_list("pk", "area_id", "reported_on", "created_at")[:BATCH]
    )
    read_to, taken_report_ins = report_ins.position, 0
    for pk, area, day, at in new_report_ins:
        if at > asof:
            break  # as the change log: a transaction still open could commit a smaller id
        pairs.add((area, day))
        read_to, taken_report_ins = pk, taken_report_ins + 1
    today, before = timezone.localdate(asof), timezone.localdate(state.asof)
    if today != before:  # the day turned: open tasks that fell due meanwhile went overdue
        low, high = min(today, before), max(today, before)
        fell_due = VisitTask.objects.filter(
            status=VisitTask.Status.OPEN, due_on__gte=low, due_on__lt=high
        ).values_list("area_id", "period_start", "due_on")
        for area, start, due in fell_due:
            pairs.update(((area, start), (area, due)))
    refresh(pairs, today)
    coverage_refresh(cover)
    # The log is derived data: rows read (in this transaction or before) go after a week.
    FieldworkChange.objects.filter(pk__lte=position, at__lt=asof - KEEP).delete()
    state.position, state.asof, state.last_modified = position, asof, timezone.now()
    state.save()
    report_ins.position, report_ins.asof = read_to, asof
    report_ins.last_modified = state.last_modified
    report_ins.save()
    return taken, BATCH in (taken, taken_report_ins)


def waiting() -> int | None:
    """Change rows and report-ins not read yet (None before the first fill)."""
    states = dict(
        FillState.objects.filter(name__in=(STATE, REPORT_INS)).values_list("name", "position")
    )
    if min(states.get(STATE, -1), states.get(REPORT_INS, -1)) < 0:
        return None
    return (
        FieldworkChange.objects.filter(pk__gt=states[STATE]).count()
        + PartyReportIn.objects.filter(pk__gt=states[REPORT_INS]).count()
    )


# -- reading ----------------------------------------------------------------------------------
def _upto(day: date) -> Q:
    """The rollup rows that add up to everything on or before `day`: whole months before its
    month, then its month's days."""
    first = month_start(day)
    return Q(period="m", day__lt=first) | Q(period="d", day__gte=first, day__lte=day)


def span(date_from: date, date_to: date) -> Q:
    """The rollup rows that add up to [date_from, date_to] exactly: the months wholly inside
    it, and the days of the rest."""
    whole_from = month_start(date_from)
    if whole_from != date_from:  # the month after
        whole_from = month_start(whole_from + timedelta(days=31))
    whole_to = month_start(date_to + timedelta(days=1))  # the first month not wholly inside
    if whole_from >= whole_to:
        return Q(period="d", day__gte=date_from, day__lte=date_to)
    return (
        Q(period="m", day__gte=whole_from, day__lt=whole_to)
        | Q(period="d", day__gte=date_from, day__lt=whole_from)
        | Q(period="d", day__gte=whole_to, day__lte=date_to)
    )


def figures(area: Area, date_from: date, date_to: date) -> dict[str, int]:
    """网格联动's fieldwork figures for the area's subtree over [date_from, date_to], in one
    query of the area's own rollup rows: visit tasks whose period meets the range (due, done,
    overdue), must-attend tasks created in it and those done on time, patrols started,
    inspections done and party report-ins in it."""
    to, before = _upto(date_to), _upto(date_from - timedelta(days=1))
    window = Q(period="d", day__gte=date_from, day__lte=date_to)
    sums: dict[str, Any] = {}
    for name, column in (("due", "visits"), ("done", "done"), ("overdue", "overdue")):
        sums[f"{name}_to"] = Sum(f"{column}_started", filter=to)
        sums[f"{name}_before"] = Sum(f"{column}_ending", filter=before)
    for column in ("attend_due", "attend_on_time", "patrols", "inspections"):
        sums[column] = Sum(column, filter=window)
    sums["report_ins"] = Sum("report_ins", filter=span(date_from, date_to))
    got = FieldworkRollup.objects.filter(level=area.level, area_id=area.pk).aggregate(**sums)
    n = {key: value or 0 for key, value in got.items()}
    return {
        "visits_due": n["due_to"] - n["due_before"],
        "visits_done": n["done_to"] - n["done_before"],
        "visits_overdue": n["overdue_to"] - n["overdue_before"],
        "attend_due": n["attend_due"],
        "attend_on_time": n["attend_on_time"],
        "patrols": n["patrols"],
        "inspections": n["inspections"],
        "report_ins": n["report_ins"],
    }


def coverage(area: Area) -> dict[int, list[int]]:
    """Each campaign's live targets under the area (any status of the campaign): [total,
    done, unreachable], from the area's coverage rows."""
    rows = CampaignCoverage.objects.filter(level=area.level, area_id=area.pk).values_list(
        "campaign_id", *COVERAGE_COUNTS
    )
    return {campaign: list(counts) for campaign, *counts in rows}
