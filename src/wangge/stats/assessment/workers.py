"""Grid workers as assessment targets: their rows of a period, read from the events' loop
and the field work (the event facts hold no worker).

A row is one thing the worker did or owed in the period, with flags like a fact's:
an event they reported (有效上报率), a visit task due (走访完成率, 三必访), an attend task
due (五必到按时率), a patrol (巡查次数), a verification they made (核查按时率). Its `event_id`
is a reference "kind:id" (event, visit, attend, patrol, verify) that the drill-down shows."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Post, Role
from wangge.events.models import Event, TimelineEntry
from wangge.fieldwork.models import AttendTask, Patrol, VisitTask

WORKER_FLAGS = (
    "reported_by",  # an event the worker reported
    "report_accepted",  # … accepted as a case (立案)
    "visit_due",  # a visit task due in the period (三必访)
    "visit_done",  # … visited by its due day
    "attend_due",  # an attend task due in the period (五必到)
    "attend_on_time",  # … attended by its deadline
    "patrol",  # a patrol started (巡查)
    "verify_done",  # a verification made (核查)
    "verify_on_time",  # … within WANGGE_ASSESS_VERIFY_HOURS of the feedback
)
WORKER_ROLES = (Role.GRID_LEADER, Role.FULL_TIME, Role.PART_TIME, Role.LIAISON)


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _posts(date_from: date, date_to: date, level: int | None) -> Any:
    """Grid workers' posts held some time in the period (at the level's areas, if named)."""
    posts = Post.objects.filter(role__in=WORKER_ROLES, started_on__lte=date_to).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=date_from)
    )
    return posts.filter(area__level=level) if level else posts


def targets(date_from: date, date_to: date, level: int | None) -> list[tuple[int, str, str]]:
    """Users holding a grid worker's post some time in the period (at the level's areas
    when the scheme names one): (id, username, name)."""
    posts = _posts(date_from, date_to, level)
    users = (
        get_user_model()
        .objects.filter(pk__in=posts.values("user_id"))
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")
    )
    return [(pk, name, f"{last}{first}".strip() or name) for pk, name, first, last in users]


def _row(ref: str, **flags: bool) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(WORKER_FLAGS, False)
    row.update(flags)
    row["event_id"] = ref
    return row


def rows(date_from: date, date_to: date, level: int | None) -> dict[int, list[dict[str, Any]]]:
    """Each target worker's rows of the period (local days, inclusive); one query per
    source, the workers as a subquery (not a list of ids)."""
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ids = _posts(date_from, date_to, level).values("user_id")
    for pk, user_id, accepted_at in (
        Event.objects.filter(reporter_id__in=ids, reported_at__gte=start, reported_at__lt=end)
        .order_by("pk")
        .values_list("pk", "reporter_id", "accepted_at")
    ):
        out[user_id].append(
            _row(f"event:{pk}", reported_by=True, report_accepted=accepted_at is not None)
        )
    for pk, user_id, status, done_at, due_on in (
        VisitTask.objects.filter(assignee_id__in=ids, due_on__gte=date_from, due_on__lte=date_to)
        .order_by("pk")
        .values_list("pk", "assignee_id", "status", "done_at", "due_on")
    ):
        done = (
            status == VisitTask.Status.DONE
            and done_at is not None
            and timezone.localtime(done_at).date() <= due_on
        )
        out[user_id].append(_row(f"visit:{pk}", visit_due=True, visit_done=done))
    for pk, user_id, status, done_at, deadline in (
        AttendTask.objects.filter(assignee_id__in=ids, deadline__gte=start, deadline__lt=end)
        .exclude(status=AttendTask.Status.CANCELLED)
        .order_by("pk")
        .values_list("pk", "assignee_id", "status", "done_at", "deadline")
    ):
        on_time = status == AttendTask.Status.DONE and done_at is not None and done_at <= deadline
        out[user_id].append(_row(f"attend:{pk}", attend_due=True, attend_on_time=on_time))
    for pk, user_id in (
        Patrol.objects.filter(worker_id__in=ids, started_at__gte=start, started_at__lt=end)
        .order_by("pk")
        .values_list("pk", "worker_id")
    ):
        out[user_id].append(_row(f"patrol:{pk}", patrol=True))
    verifies = list(
        TimelineEntry.objects.filter(action="verify", actor_id__in=ids, at__gte=start, at__lt=end)
        .order_by("pk")
        .values_list("pk", "event_id", "actor_id", "at")
    )
    fed_back: dict[int, list[datetime]] = defaultdict(list)
    for event_id, at in (
        TimelineEntry.objects.filter(
            action__in=("feedback", "self_handle"), event_id__in=sorted({v[1] for v in verifies})
        )
        .order_by("pk")
        .values_list("event_id", "at")
    ):
        fed_back[event_id].append(at)
    allowed = timedelta(hours=settings.WANGGE_ASSESS_VERIFY_HOURS)
    for pk, event_id, user_id, at in verifies:
        before = [t for t in fed_back.get(event_id, []) if t <= at]
        on_time = not before or at - before[-1] <= allowed
        out[user_id].append(_row(f"verify:{pk}", verify_done=True, verify_on_time=on_time))
    return out


def visible_ids(paths: list[str], user_ids: Any) -> Any:
    """The workers among `user_ids` with a post under any of the paths."""
    q = Q()
    for p in paths:
        q |= Q(area__path__startswith=p)
    return Post.objects.filter(q, user_id__in=user_ids, role__in=WORKER_ROLES).values("user_id")


def cases(refs: list[str]) -> list[dict[str, Any]]:
    """The drill-down's entries: label and (for events and patrols) a link."""
    event_ids, verify_ids = set(), set()
    for ref in refs:
        kind, _sep, pk = ref.partition(":")
        if kind == "event":
            event_ids.add(int(pk))
        elif kind == "verify":
            verify_ids.add(int(pk))
    verified = dict(TimelineEntry.objects.filter(pk__in=verify_ids).values_list("pk", "event_id"))
    codes = dict(
        Event.objects.filter(pk__in=event_ids | set(verified.values())).values_list("pk", "code")
    )
    labels = {
        "visit": _("visit task"),
        "attend": _("attend task"),
        "patrol": _("patrol"),
    }
    out = []
    for ref in refs:
        kind, _sep, pk = ref.partition(":")
        if kind in ("event", "verify"):
            event_id = int(pk) if kind == "event" else verified.get(int(pk))
            code = codes.get(event_id or 0, "")
            out.append({"id": ref, "code": code, "label": code or ref})
        elif kind == "patrol":
            url = reverse("fieldwork:patrol_detail", args=[int(pk)])
            out.append({"id": ref, "code": "", "label": f"{labels[kind]} #{pk}", "url": url})
        else:
            out.append({"id": ref, "code": "", "label": f"{labels.get(kind, kind)} #{pk}"})
    return out
