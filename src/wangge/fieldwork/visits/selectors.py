"""Scoped reads of visits: tasks, records, a household's visits, alerts, and today's list."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, author, is_user, user_of
from wangge.accounts.scope import area_q, can_see
from wangge.errors import DomainError
from wangge.fieldwork.alerts import FieldAlert
from wangge.fieldwork.todo_item import TodoItem
from wangge.fieldwork.visits.models import (
    VisitRecord,
    VisitTask,
)
from wangge.people.models import (
    Relation,
    Resident,
)
from wangge.people.scoping import get_in
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area


# -- reading ---------------------------------------------------------------------------------
def tasks(user: Actor) -> QuerySet[VisitTask]:
    """Visit tasks in the user's scope."""
    return VisitTask.objects.filter(area_q(user, "area"))


def task_get(user: Actor, pk: Any) -> VisitTask:
    return get_in(
        without_geometry(tasks(user).select_related("household", "rule", "area", "assignee")), pk
    )


def task_search(
    user: Actor,
    *,
    status: str = "",
    mine: bool = False,
    overdue: bool = False,
    area_code: str = "",
    on: dt.date | None = None,
    household: int | None = None,
) -> QuerySet[VisitTask]:
    qs = without_geometry(tasks(user).select_related("household", "rule", "area", "assignee"))
    today = timezone.localdate()
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assignee=me) if (me := author(user)) else qs.none()
    if overdue:
        qs = qs.filter(status=VisitTask.Status.OPEN, due_on__lt=today)
    if area_code:
        area = Area.objects.live().filter(code=area_code).first()
        if area is None or not can_see(user, area):
            raise DomainError.one(_("Unknown area."), field="area", code="not_found", status=404)
        qs = qs.filter(area__in=Area.objects.subtree(area).values("pk"))
    if on is not None:
        qs = qs.filter(period_start__lte=on, due_on__gte=on)
    if household is not None:
        qs = qs.filter(household_id=household)
    return qs.order_by("due_on", "id")


def household_visits(user: Actor, household_pk: Any) -> dict[str, Any]:
    """A household's tasks and records (for its page), within scope."""
    from wangge.people.residents.selectors import household_get

    household = household_get(user, household_pk)
    return {
        "household": household,
        "tasks": list(
            VisitTask.objects.filter(household=household)
            .select_related("rule", "assignee")
            .order_by("-period_start")[:20]
        ),
        "records": list(
            VisitRecord.objects.filter(household=household)
            .select_related("visitor", "task__rule")
            .prefetch_related("findings", "photos")
            .order_by("-visited_at")[:20]
        ),
    }


def records(user: Actor) -> QuerySet[VisitRecord]:
    return VisitRecord.objects.filter(area_q(user, "area"))


def record_get(user: Actor, pk: Any) -> VisitRecord:
    return get_in(records(user).select_related("task__rule", "household", "visitor"), pk)


# -- today's list ----------------------------------------------------------------------------
def masked_name(name: str) -> str:
    """A name as a list on a phone in the street shows it: the surname and 某 (王某)."""
    name = name.strip()
    return f"{name[0]}某" if name else ""


def head_names(household_ids: set[int]) -> dict[int, str]:
    """Household id -> the masked name of its head, for the households that have one."""
    rows = Resident.objects.filter(
        household_id__in=household_ids, relation=Relation.HEAD
    ).values_list("household_id", "name")
    return {hid: masked_name(name) for hid, name in rows if name}


def todo(user: Actor, today: dt.date) -> list[TodoItem]:
    if not is_user(user):
        return []
    items = []
    qs = (
        VisitTask.objects.filter(
            area_q(user, "area"),
            assignee=user_of(user),
            status=VisitTask.Status.OPEN,
            period_start__lte=today,
        )
        .select_related("household__house", "rule")
        .order_by("due_on", "id")[:500]
    )
    tasks = list(without_geometry(qs))
    heads = head_names({t.household_id for t in tasks})
    for t in tasks:
        h = t.household
        place = h.address or h.house.address or h.code
        title = (
            _("%(place)s · head %(head)s") % {"place": place, "head": heads[h.pk]}
            if h.pk in heads
            else place
        )
        items.append(
            TodoItem(
                kind="visit",
                pk=t.pk,
                title=title,
                address=t.rule.name,
                lon=h.lon,
                lat=h.lat,
                due=t.due_on,
                overdue=t.due_on < today,
                url=reverse("fieldwork:visit_task", args=[t.pk]),
            )
        )
    return items


def alerts(user: Actor, unread_only: bool = False) -> QuerySet[FieldAlert]:
    qs = (
        FieldAlert.objects.filter(user=author(user)) if is_user(user) else FieldAlert.objects.none()
    )
    return qs.filter(read_at__isnull=True) if unread_only else qs
