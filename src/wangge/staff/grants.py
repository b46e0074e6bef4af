"""Every grant goes through here and is audited: a post given or ended, a department handler
added or removed. The audit entry is written in the caller's transaction."""

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from wangge.accounts import audit
from wangge.accounts import services as account_services
from wangge.accounts.actors import Actor
from wangge.accounts.models import Post
from wangge.accounts.permissions import Action, may, roles_for
from wangge.events.models import Department
from wangge.regions.models import Area

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _label(user: "User") -> str:
    return str(user.get_username())


@transaction.atomic
def post_grant(*, actor: Actor, user: "User", area: Area, role: str, ip: str = "") -> Post:
    """Give `user` the post (a no-op, unaudited, when they already hold it)."""
    before = Post.objects.filter(user=user, area=area, role=role, ended_on__isnull=True).first()
    post = account_services.post_assign(user=user, area=area, role=role)
    if before is None:
        audit.record(
            actor,
            "grant",
            "post",
            post.pk,
            label=_label(user),
            ip=ip,
            detail={"area": area.code, "role": role},
        )
    return post


@transaction.atomic
def post_revoke(*, actor: Actor, post: Post, ended_on: date | None = None, ip: str = "") -> Post:
    if post.ended_on is not None and post.ended_on <= timezone.localdate():
        return post
    account_services.post_end(post=post, ended_on=ended_on)
    audit.record(
        actor,
        "revoke",
        "post",
        post.pk,
        label=_label(post.user),
        ip=ip,
        detail={"area": post.area.code, "role": post.role, "ended_on": str(post.ended_on)},
    )
    return post


@transaction.atomic
def handler_grant(*, actor: Actor, user: "User", department: Department, ip: str = "") -> bool:
    """Make `user` a handler of `department`; False when they already were."""
    if department.handlers.filter(pk=user.pk).exists():
        return False
    department.handlers.add(user)
    audit.record(
        actor,
        "grant",
        "department_handler",
        department.pk,
        label=_label(user),
        ip=ip,
        detail={"department": department.code},
    )
    return True


@transaction.atomic
def handler_revoke(*, actor: Actor, user: "User", department: Department, ip: str = "") -> bool:
    if not department.handlers.filter(pk=user.pk).exists():
        return False
    department.handlers.remove(user)
    audit.record(
        actor,
        "revoke",
        "department_handler",
        department.pk,
        label=_label(user),
        ip=ip,
        detail={"department": department.code},
    )
    return True


MANAGER_ROLES = roles_for(Action.MANAGE_STAFF)


def may_manage(user: Actor, area: Area) -> bool:
    """Superusers, and operators and secretaries whose post covers the area, give and end
    posts there and import rosters (`Action.MANAGE_STAFF`)."""
    return may(user, Action.MANAGE_STAFF, area)


def manages_anywhere(user: Actor) -> bool:
    return may(user, Action.MANAGE_STAFF)
