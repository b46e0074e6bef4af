"""A grid worker's to-do list for today: visits, attendances, inspections and campaign
targets in one list, nearest first.

Each topic module offers `todo(user, today) -> list[TodoItem]` for the work assigned to the
user; this module only merges and orders them: nearest first when the worker's position is
known (items without a place last, overdue before the rest at equal distance), otherwise
overdue first, then by due time (items without a due time last).

What the worker finished today is not mixed in: `done_today` lists it, latest first, for a
folded "done" group at the end of the list.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.accounts.actors import Actor, user_of
from wangge.fieldwork.todo_item import TodoItem
from wangge.regions import coords


@dataclass(frozen=True)
class Placed:
    """An item with its distance from the worker (metres; None when either place is unknown)."""

    item: TodoItem
    distance_m: float | None


def due_key(due: dt.datetime | dt.date | None) -> float:
    """A sortable number for a due time: a date counts as the start of that day, local time."""
    if due is None:
        return math.inf
    if not isinstance(due, dt.datetime):
        due = dt.datetime.combine(due, dt.time.min)
    if timezone.is_naive(due):
        due = timezone.make_aware(due)
    return due.timestamp()


def distance_m(item: TodoItem, lon: float | None, lat: float | None) -> float | None:
    if None in (lon, lat, item.lon, item.lat):
        return None
    return coords.distance_m(lon, lat, item.lon, item.lat)  # type: ignore[arg-type]


def order(
    items: list[TodoItem], lon: float | None = None, lat: float | None = None
) -> list[Placed]:
    placed = [Placed(i, distance_m(i, lon, lat)) for i in items]
    if lon is None or lat is None:
        return sorted(placed, key=lambda p: (not p.item.overdue, due_key(p.item.due)))
    return sorted(
        placed,
        key=lambda p: (
            math.inf if p.distance_m is None else p.distance_m,
            not p.item.overdue,
            due_key(p.item.due),
        ),
    )


# The kinds in the order a worker meets them, with their names on the page.
KINDS = {
    "visit": pgettext_lazy("task kind", "Visits"),
    "attend": _("Must-attend"),
    "inspection": _("Inspections"),
    "campaign": pgettext_lazy("task kind", "Campaigns"),
}
OPEN_AT_ONCE = 12  # a group longer than this starts folded (its count is on its heading)


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    items: list[Placed]
    overdue: int
    folded: bool


def grouped(placed: list[Placed]) -> list[Group]:
    """The ordered list in groups by kind (each keeps the list's order: nearest or overdue
    first); the first group with items is open, a long one after it starts folded."""
    by_kind: dict[str, list[Placed]] = {}
    for p in placed:
        by_kind.setdefault(p.item.kind, []).append(p)
    kinds = [k for k in KINDS if k in by_kind] + [k for k in by_kind if k not in KINDS]
    return [
        Group(
            kind=k,
            label=str(KINDS.get(k, k)),
            items=by_kind[k],
            overdue=sum(p.item.overdue for p in by_kind[k]),
            folded=i > 0 and len(by_kind[k]) > OPEN_AT_ONCE,
        )
        for i, k in enumerate(kinds)
    ]


def collect(user: Actor, today: dt.date) -> list[TodoItem]:
    from wangge.fieldwork.attend import selectors as attend_selectors
    from wangge.fieldwork.campaigns import selectors as campaign_selectors
    from wangge.fieldwork.patrols import rounds
    from wangge.fieldwork.visits import selectors as visit_selectors

    return [
        *visit_selectors.todo(user, today),
        *attend_selectors.todo(user, today),
        *rounds.todo(user, today),
        *campaign_selectors.todo(user, today),
    ]


DONE_SHOWN = 50  # of each kind, latest first: the folded group stays short


def _today_range(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


def done_today(user: Actor, today: dt.date) -> list[TodoItem]:
    """What `user` finished today (visits, attendances, inspections, campaign targets), in
    their scope, latest first; four queries whatever the numbers."""
    from django.urls import reverse

    from wangge.accounts.actors import is_user
    from wangge.accounts.scope import area_q
    from wangge.fieldwork.attend.models import AttendTask
    from wangge.fieldwork.campaigns import selectors as campaign_selectors
    from wangge.fieldwork.campaigns.models import CampaignTarget
    from wangge.fieldwork.patrols import rounds
    from wangge.fieldwork.patrols.models import Inspection
    from wangge.fieldwork.visits.models import VisitTask

    if not is_user(user):
        return []
    me = user_of(user)
    start, end = _today_range(today)
    dated: list[tuple[dt.datetime, TodoItem]] = []
    visited = (
        VisitTask.objects.filter(
            area_q(user, "area"),
            assignee=me,
            status=VisitTask.Status.DONE,
            done_at__gte=start,
            done_at__lt=end,
        )
        .select_related("household__house")
        .order_by("-done_at")[:DONE_SHOWN]
    )
    for v in visited:
        h = v.household
        place = h.address or h.house.address or h.code
        url = reverse("fieldwork:visit_task", args=[v.pk])
        dated.append((v.done_at or start, _done("visit", v.pk, place, url)))
    attended = (
        AttendTask.objects.filter(
            area_q(user, "area"),
            assignee=me,
            status=AttendTask.Status.DONE,
            done_at__gte=start,
            done_at__lt=end,
        )
        .select_related("event")
        .order_by("-done_at")[:DONE_SHOWN]
    )
    for a in attended:
        title = _("Attend: %(title)s") % {"title": a.event.title}
        url = reverse("fieldwork:attend_task", args=[a.pk])
        dated.append((a.done_at or start, _done("attend", a.pk, str(title), url)))
    inspected = (
        Inspection.objects.filter(inspector=me, done_on=today)
        .select_related("hazard", "facility")
        .order_by("-at")[:DONE_SHOWN]
    )
    for i in inspected:
        point = i.hazard or i.facility
        kind = "hazard" if i.hazard is not None else "facility"
        if point is None:
            continue
        title = point.name or point.get_kind_display()
        url = rounds.task_url(kind, point.pk)
        dated.append((i.at, _done("inspection", i.pk, title, url)))
    answered = (
        CampaignTarget.objects.filter(done_by=me, done_at__gte=start, done_at__lt=end)
        .exclude(status=CampaignTarget.Status.PENDING)
        .select_related("campaign", "household", "resident")
        .order_by("-done_at")[:DONE_SHOWN]
    )
    for t in answered:
        title = f"{t.campaign.title} · {campaign_selectors.target_label(t)}"
        url = reverse("fieldwork:campaign_target", args=[t.pk])
        dated.append((t.done_at or start, _done("campaign", t.pk, title, url)))
    dated.sort(key=lambda d: d[0], reverse=True)
    return [item for _at, item in dated]


def _done(kind: str, pk: int, title: str, url: str) -> TodoItem:
    return TodoItem(
        kind=kind,
        pk=pk,
        title=title,
        address=str(KINDS.get(kind, kind)),
        lon=None,
        lat=None,
        due=None,
        overdue=False,
        url=url,
    )


def todo(
    user: Actor, today: dt.date, lon: float | None = None, lat: float | None = None
) -> list[TodoItem]:
    return [p.item for p in order(collect(user, today), lon, lat)]
