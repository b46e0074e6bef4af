"""Every write to posts goes through these functions."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Post, Role
from wangge.errors import DomainError
from wangge.regions import hooks
from wangge.regions.models import Area

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def post_assign(*, user: "User", area: Area, role: str) -> Post:
    if role not in Role.values:
        raise DomainError.one(_("Unknown role %(role)s.") % {"role": role}, field="role")
    if not area.is_live:
        raise DomainError.one(_("The area has ended."), field="area")
    existing = Post.objects.filter(user=user, area=area, role=role, ended_on__isnull=True).first()
    if existing:
        return existing
    return Post.objects.create(user=user, area=area, role=role)


@transaction.atomic
def post_end(*, post: Post, ended_on: dt.date | None = None) -> Post:
    post.ended_on = ended_on or timezone.localdate()
    post.save(update_fields=["ended_on"])
    return post


def posts_end_under(area: Area, day: dt.date) -> None:
    """End the open posts in the area's subtree (the area and its subtree ended on `day`)."""
    Post.objects.filter(area__path__startswith=area.path, ended_on__isnull=True).update(
        ended_on=day
    )


def connect() -> None:
    """Posts end with their area (`regions.services.area_end` tells its hooks)."""
    hooks.on_area_ended(posts_end_under)
