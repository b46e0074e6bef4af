"""Chasing the unconfirmed: a reminder to each when `remind_at` passes, then a list of who
has not confirmed to each one's supervisor (grid leader → community secretary → street)
when `escalate_at` passes. Both through the in-app inbox and the outbound webhook.

Run by the worker each minute (`tasks.py`); each notice is reminded once and escalated once.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role
from wangge.events import access, notifications
from wangge.events.models import Notification
from wangge.notices.models import Notice, Receipt
from wangge.regions.models import Area

# Whose supervisor is who: the role to look for, and whether to start above the post's area.
SUPERVISOR = {
    Role.FULL_TIME: ((Role.GRID_LEADER,), False),
    Role.PART_TIME: ((Role.GRID_LEADER,), False),
    Role.LIAISON: ((Role.GRID_LEADER,), False),
    Role.GRID_LEADER: ((Role.SECRETARY,), False),
    Role.SECRETARY: ((Role.OPERATOR,), True),
    Role.OPERATOR: ((Role.OPERATOR,), True),
}
# At most this many names go into one webhook payload (the rest: the API's not-yet list).
WEBHOOK_NAMES = 1000
_BATCH = 2000


def _pending(notice: Notice) -> list[dict[str, Any]]:
    rows: Any = (
        Receipt.objects.filter(notice=notice, done_at__isnull=True)
        .order_by("path", "user_id")
        .values(
            "pk",
            "user_id",
            "area_id",
            "role",
            "username",
            "name",
        )
    )
    return [dict(r) for r in rows]


def _notify(users: list[int], kind: str, text: str, link: str) -> None:
    Notification.objects.bulk_create(
        [Notification(user_id=u, kind=kind, text=text[:300], link=link) for u in users],
        batch_size=_BATCH,
    )


def remind(notice: Notice, now: datetime) -> int:
    pending = _pending(notice)
    link = reverse("notices:read", args=[notice.pk])
    text = _("Please confirm the notice: %(t)s") % {"t": notice.title}
    _notify([r["user_id"] for r in pending], Notification.Kind.REMINDER, text, link)
    Receipt.objects.filter(notice=notice, done_at__isnull=True).update(reminded_at=now)
    Notice.objects.filter(pk=notice.pk).update(reminded_at=now)
    payload = {
        "action": "notice.remind",
        "notice": notice.pk,
        "title": notice.title,
        "count": len(pending),
        "users": [r["username"] for r in pending[:WEBHOOK_NAMES]],
    }
    transaction.on_commit(lambda: notifications.after_commit(payload))
    return len(pending)


def supervisors(area: Area, role: str) -> list[int]:
    roles, above = SUPERVISOR.get(role, ((Role.GRID_LEADER,), False))  # type: ignore[call-overload]
    start = area.parent if above and area.parent is not None else area
    return access.holder_ids_nearest(start, roles)


def escalate(notice: Notice, now: datetime) -> int:
    pending = _pending(notice)
    areas = Area.objects.in_bulk({r["area_id"] for r in pending if r["area_id"]})
    found: dict[tuple[int, str], list[int]] = {}
    told: dict[int, list[str]] = defaultdict(list)
    for row in pending:
        area = areas.get(row["area_id"])
        if area is None:
            continue  # a named person without a post: the sender's board shows them
        key = (area.pk, row["role"])
        if key not in found:
            found[key] = supervisors(area, row["role"])
        for boss in found[key]:
            if boss != row["user_id"]:
                told[boss].append(row["name"])
    link = reverse("notices:board", args=[notice.pk])
    for boss, names in told.items():
        text = _("Not confirmed (%(n)s): %(names)s — %(t)s") % {
            "n": len(names),
            "names": "、".join(names[:20]),
            "t": notice.title,
        }
        _notify([boss], Notification.Kind.UNCONFIRMED, text, link)
    Notice.objects.filter(pk=notice.pk).update(escalated_at=now)
    payload = {
        "action": "notice.escalate",
        "notice": notice.pk,
        "title": notice.title,
        "count": len(pending),
        "supervisors": {str(b): names[:WEBHOOK_NAMES] for b, names in told.items()},
    }
    transaction.on_commit(lambda: notifications.after_commit(payload))
    return len(told)


def run(now: datetime | None = None) -> dict[str, int]:
    """Remind and escalate whatever is due (each notice in its own transaction)."""
    now = now or timezone.now()
    done = {"reminded": 0, "escalated": 0}
    live = Notice.objects.filter(status=Notice.Status.SENT, audience=Notice.Audience.STAFF)
    for pk in live.filter(reminded_at=None, remind_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            notice = live.select_for_update().filter(pk=pk, reminded_at=None).first()
            if notice is not None:
                remind(notice, now)
                done["reminded"] += 1
    due = live.filter(escalated_at=None, reminded_at__isnull=False, escalate_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            notice = live.select_for_update().filter(pk=pk, escalated_at=None).first()
            if notice is not None:
                escalate(notice, now)
                done["escalated"] += 1
    return done
