"""Deactivating a person: their posts end, their sessions end, and what they leave open is
listed for reassignment (nothing is reassigned silently)."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from wangge.accounts import audit
from wangge.accounts.actors import Actor
from wangge.accounts.models import Post
from wangge.events.models import OPEN_STATUSES, Event, OrderStatus, WorkOrder
from wangge.fieldwork.models import VisitTask
from wangge.staff import grants

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class OpenTasks:
    # Open events at areas where the person was the only one holding a post.
    events: list[Event] = field(default_factory=list)
    visit_tasks: list[VisitTask] = field(default_factory=list)
    # Open work orders of departments where the person was the only handler.
    orders: list[WorkOrder] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.events) + len(self.visit_tasks) + len(self.orders)


def _unended_posts(user: "User") -> Any:
    """Posts not ended yet (those starting later too): what deactivating ends."""
    return Post.objects.filter(user=user, ended_on__isnull=True)


def open_tasks(user: "User") -> OpenTasks:
    """What `user` holds alone: to reassign before (or after) they go."""
    own_areas = list(_unended_posts(user).values_list("area_id", flat=True))
    shared = set(
        Post.objects.filter(area_id__in=own_areas, ended_on__isnull=True)
        .exclude(user=user)
        .values_list("area_id", flat=True)
    )
    alone = [a for a in own_areas if a not in shared]
    sole_departments = list(
        user.departments.annotate(n=Count("handlers", filter=Q(handlers__is_active=True)))
        .filter(n=1)
        .values_list("pk", flat=True)
    )
    return OpenTasks(
        events=list(
            Event.objects.filter(responsible_area_id__in=alone, status__in=OPEN_STATUSES)
            .select_related("responsible_area")
            .order_by("pk")
        ),
        visit_tasks=list(
            VisitTask.objects.filter(assignee=user, status=VisitTask.Status.OPEN)
            .select_related("household", "area")
            .order_by("due_on", "pk")
        ),
        orders=list(
            WorkOrder.objects.filter(
                department_id__in=sole_departments,
                status__in=[OrderStatus.PENDING, OrderStatus.SIGNED, OrderStatus.RETURNED],
            )
            .select_related("event", "department")
            .order_by("pk")
        ),
    )


def end_sessions(user: "User") -> int:
    """Delete the database sessions logged in as `user`; returns how many."""
    ids = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(s.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ids).delete()
    return len(ids)


@transaction.atomic
def user_deactivate(*, actor: Actor, user: "User", reason: str = "", ip: str = "") -> OpenTasks:
    """End the person's posts and sessions, mark the account inactive, and return the open
    tasks they leave (listed before the posts end, so "alone" means before they went)."""
    tasks = open_tasks(user)
    for post in _unended_posts(user).select_related("area", "user"):
        grants.post_revoke(actor=actor, post=post, ip=ip)
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = end_sessions(user)
    audit.record(
        actor,
        "deactivate",
        "user",
        user.pk,
        label=user.get_username(),
        reason=reason,
        ip=ip,
        detail={
            "sessions": sessions,
            "open": {
                "events": [e.code for e in tasks.events],
                "visit_tasks": len(tasks.visit_tasks),
                "orders": [o.pk for o in tasks.orders],
            },
        },
    )
    return tasks
