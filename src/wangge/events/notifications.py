"""The in-app inbox, and side effects queued after a transition commits.

Inbox rows are written in the transition's own transaction (they are data: a rolled-back
transition leaves none). Outbound webhooks are queued only after the commit, so a failed
send never undoes a transition and a rolled-back change never sends.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.events import access, rows, selectors, webhooks
from wangge.events.models import Department, Event, Notification


def _send(user_ids: list[int], kind: str, event: Event, template: str) -> None:
    text = (template % {"t": event.title})[:300]
    rows.insert_many(
        [
            Notification(user_id=user_id, kind=kind, event_id=event.pk, text=text)
            for user_id in dict.fromkeys(user_ids)
        ],
        hold=True,  # nothing reads the inbox back within a transition
    )


def handler_ids(department_ids: list[int]) -> list[int]:
    """Active users handling any of these departments."""
    if not department_ids:
        return []
    through = Department.handlers.through._meta.db_table
    return [
        user_id
        for (user_id,) in rows.fetchall(
            f"SELECT DISTINCT h.user_id FROM {through} h"
            f" JOIN {access.User._meta.db_table} u ON u.id = h.user_id"
            f" WHERE h.department_id IN ({', '.join(['%s'] * len(department_ids))})"
            " AND u.is_active",
            department_ids,
        )
    ]


def notify_department(department: Department, kind: str, event: Event, template: str) -> None:
    _send(handler_ids([department.pk]), kind, event, template)


def notify_centre(event: Event, kind: str, template: str) -> None:
    """The command centre of the responsible level (or the nearest level above with one)."""
    _send(
        access.holder_ids_nearest(event.responsible_area, access.CENTRE_ROLES),
        kind,
        event,
        template,
    )


def notify_dispatcher(event: Event, kind: str, template: str) -> None:
    """Whoever dispatched the event last (a return, an extension request goes to them) while
    they still command its responsible level; else its centre (after an escalation past
    them, the level above took the dispatch over)."""
    entry = event.timeline.filter(action="dispatch", actor__isnull=False).order_by("-id").first()
    dispatcher = None
    if entry is not None and entry.actor_id is not None:
        dispatcher = access.User.objects.filter(pk=entry.actor_id, is_active=True).first()
    if dispatcher is not None and access.is_centre_for(dispatcher, event.responsible_area):
        _send([dispatcher.pk], kind, event, template)
    else:
        notify_centre(event, kind, template)


def notify_verifiers(event: Event) -> None:
    users = access.holder_ids_nearest(event.area, access.GRID_ROLES) or access.holder_ids_nearest(
        event.responsible_area, access.CENTRE_ROLES
    )
    _send(users, Notification.Kind.VERIFY, event, _("To verify: %(t)s"))


def notify_holders(event: Event, kind: str, template: str) -> None:
    """Whoever holds the event now: the departments with live orders, else its centre."""
    from wangge.events.models import OrderStatus

    live = event.orders.filter(status__in=[OrderStatus.PENDING, OrderStatus.SIGNED])
    users = handler_ids(list(live.values_list("department_id", flat=True))) or (
        access.holder_ids_nearest(event.responsible_area, access.CENTRE_ROLES)
    )
    _send(users, kind, event, template)


def _sees(user: Actor, event: Event) -> bool:
    return selectors.visible_events(user).filter(pk=event.pk).exists()


def notify_merged(event: Event) -> None:
    """Tell a merged duplicate's reporter (when a user) which event it is followed in now."""
    reporter = event.reporter
    if reporter is None or not reporter.is_active or event.parent is None:
        return
    if _sees(reporter, event.parent):
        text = _("Your report %(t)s duplicates %(code)s %(title)s; follow it there.") % {
            "t": event.title,
            "code": event.parent.code,
            "title": event.parent.title,
        }
    else:  # another grid's event: its code and title are not the reporter's to read
        text = _("Your report %(t)s duplicates another report and is handled there.") % {
            "t": event.title
        }
    Notification.objects.create(
        user=reporter, kind=Notification.Kind.MERGED, event=event, text=text[:300]
    )


def notify_followers(event: Event) -> None:
    """Tell the reporters (users) of an event's merged duplicates, however deep, that it is
    closed: they follow it instead of their own report."""
    table, users = Event._meta.db_table, access.User._meta.db_table
    found = rows.fetchall(
        # UNION (not UNION ALL) ends the walk should the links ever loop.
        f"WITH RECURSIVE below (id, reporter_id) AS ("
        f" SELECT id, reporter_id FROM {table} WHERE parent_id = %s"
        f" UNION SELECT e.id, e.reporter_id FROM {table} e JOIN below b ON e.parent_id = b.id)"
        f" SELECT b.id, b.reporter_id FROM below b JOIN {users} u ON u.id = b.reporter_id"
        " WHERE u.is_active ORDER BY b.id",
        [event.pk],
    )
    if not found:
        return
    text = _("%(code)s %(title)s, which your report joined, is closed.") % {
        "code": event.code,
        "title": event.title,
    }
    # Reporters who may not see the event are told only that their own report is closed.
    reporters = access.User.objects.in_bulk({reporter_id for _id, reporter_id in found})
    seeing = {pk for pk, user in reporters.items() if _sees(user, event)}
    rows.insert_many(
        [
            Notification(
                user_id=reporter_id,
                kind=Notification.Kind.FOLLOWED,
                event_id=duplicate_id,
                text=(
                    text if reporter_id in seeing else _("The report that yours joined is closed.")
                )[:300],
            )
            for duplicate_id, reporter_id in found
        ],
        hold=True,
    )


def after_commit(payload: dict[str, Any]) -> None:
    """Queue the outbound hooks for a committed change."""
    webhooks.enqueue_webhooks(payload)


def notifications_mark_read(*, user: Actor, pk: int | None = None) -> int:
    """Mark the user's notification `pk` read (all of them when None); how many changed. A
    notification of another user is never touched."""
    unread = Notification.objects.filter(user_id=int(user.pk or 0), read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
