"""Scoped reads of must-attend tasks, and their part of today's list."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, author, is_user, user_of
from wangge.accounts.scope import area_q
from wangge.events.models import Status
from wangge.fieldwork.attend.models import AttendTask
from wangge.fieldwork.todo_item import TodoItem
from wangge.people.scoping import get_in
from wangge.regions.lean import without_geometry

CLOSED_WITHOUT_ATTENDANCE = (Status.REJECTED, Status.MERGED, Status.CANCELLED)


# -- reading ---------------------------------------------------------------------------------
def tasks(user: Actor) -> QuerySet[AttendTask]:
    return AttendTask.objects.filter(area_q(user, "area"))


def task_get(user: Actor, pk: Any) -> AttendTask:
    return get_in(
        without_geometry(tasks(user).select_related("event", "rule", "area", "assignee")), pk
    )


def task_search(
    user: Actor, *, status: str = "", mine: bool = False, overdue: bool = False
) -> QuerySet[AttendTask]:
    qs = without_geometry(tasks(user).select_related("event", "rule", "area", "assignee"))
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assignee=me) if (me := author(user)) else qs.none()
    if overdue:
        qs = qs.filter(status=AttendTask.Status.OPEN, deadline__lt=timezone.now())
    return qs.order_by("deadline", "id")


# -- today's list ----------------------------------------------------------------------------
def todo(user: Actor, today: dt.date) -> list[TodoItem]:
    if not is_user(user):
        return []
    now = timezone.now()
    qs = (
        AttendTask.objects.filter(
            area_q(user, "area"), assignee=user_of(user), status=AttendTask.Status.OPEN
        )
        .filter(
            Q(event__status__in=[s for s in Status.values if s not in CLOSED_WITHOUT_ATTENDANCE])
        )
        .select_related("event", "rule")
        .order_by("deadline")[:200]
    )
    return [
        TodoItem(
            kind="attend",
            pk=t.pk,
            title=_("Attend: %(title)s") % {"title": t.event.title},
            address=t.event.address,
            lon=t.event.lon,
            lat=t.event.lat,
            due=t.deadline,
            overdue=t.deadline < now,
            url=reverse("fieldwork:attend_task", args=[t.pk]),
        )
        for t in qs
    ]
