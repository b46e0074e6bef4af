"""Must attend (五必到): an event of a listed category gets an attendance task for the grid's
worker, due within the rule's hours; the attendance (time, place, note) goes on the event's
timeline.

No signals: `sync()` is idempotent (one task per event, unique per event and rule) and runs
every minute on huey (`fieldwork.tasks`), from `wangge attend sync`, or from tests.

The writes; reads are in `selectors`.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, is_user, user_of
from wangge.accounts.models import Role
from wangge.errors import DomainError, Problem
from wangge.events import access as event_access
from wangge.events import workflow
from wangge.events.models import Category, Event
from wangge.fieldwork import changes
from wangge.fieldwork.alerts import FieldAlert
from wangge.fieldwork.attend.models import AttendRecord, AttendRule, AttendTask
from wangge.fieldwork.attend.selectors import CLOSED_WITHOUT_ATTENDANCE
from wangge.fieldwork.checkin import check_client_key, check_in, task_gone
from wangge.fieldwork.responsible import responsible_users
from wangge.fieldwork.rule_checks import check_rule_fields, is_rule_admin

PERM = "fieldwork.change_attendrule"


# Events reported this long ago are still matched (a new rule, a worker restarted late).
LOOKBACK = dt.timedelta(days=7)


# (code, name, category codes (a class covers its subcategories), hours, order)
DEFAULT_RULES: list[tuple[str, str, list[str], int, int]] = [
    ("family_change", "家庭变故必到", ["1404", "0602"], 24, 10),
    ("sudden_hardship", "突发困难必到", ["1304"], 24, 20),
    ("neighbour_dispute", "邻里纠纷必到", ["0601"], 24, 30),
    ("community_emergency", "社区突发事件必到", ["04"], 2, 40),
    ("public_order", "治安案件必到", ["0701"], 24, 50),
]


def install_defaults(apps: Any = None) -> int:
    """Create the missing default rules (mapped to the catalogue's categories that exist)."""
    from django.apps import apps as live_apps

    registry = apps or live_apps
    rule_model = registry.get_model("fieldwork", "AttendRule")
    category_model = registry.get_model("events", "Category")
    created = 0
    with transaction.atomic():
        for code, name, categories, hours, order in DEFAULT_RULES:
            if rule_model.objects.filter(code=code).exists():
                continue
            found = list(category_model.objects.filter(code__in=categories))
            if not found:
                continue  # the catalogue was edited away: nothing to link
            rule = rule_model.objects.create(
                code=code, name=name, deadline_hours=hours, order=order,
                responsible_role=Role.FULL_TIME,
            )  # fmt: skip
            rule.categories.set(found)
            created += 1
    return created


# -- rules -----------------------------------------------------------------------------------
def require_admin(user: Actor) -> None:
    if not is_rule_admin(user, PERM):
        raise DomainError.one(
            _("Only administrators may change rules."), code="forbidden", status=403
        )


def rule_save(
    *,
    actor: Actor,
    rule: AttendRule | None = None,
    code: str,
    name: str,
    categories: Iterable[str],
    deadline_hours: int = 24,
    responsible_role: str = Role.FULL_TIME,
    active: bool = True,
    order: int = 0,
) -> AttendRule:
    require_admin(actor)
    problems: list[Problem] = []
    code, name = code.strip(), name.strip()
    codes = list(dict.fromkeys(categories))
    found = list(Category.objects.filter(code__in=codes))
    for missing in sorted(set(codes) - {c.code for c in found}):
        problems.append(
            Problem(_("Unknown event category %(c)s.") % {"c": missing}, field="categories")
        )
    if not codes:
        problems.append(
            Problem(_("Choose at least one category."), field="categories", code="required")
        )
    check_rule_fields(
        problems,
        model=AttendRule,
        rule=rule,
        code=code,
        name=name,
        order=order,
        responsible_role=responsible_role,
    )
    if not 1 <= deadline_hours <= 24 * 30:
        problems.append(Problem(_("Between 1 hour and 30 days."), field="deadline_hours"))
    if problems:
        raise DomainError(problems, status=422)
    with transaction.atomic():
        rule = rule or AttendRule()
        rule.code, rule.name, rule.deadline_hours = code, name, deadline_hours
        rule.responsible_role, rule.active, rule.order = responsible_role, active, order
        rule.save()
        rule.categories.set(found)
    return rule


def rule_delete(*, actor: Actor, rule: AttendRule) -> None:
    require_admin(actor)
    with transaction.atomic():
        if rule.tasks.exists():
            rule.active = False
            rule.save(update_fields=["active"])
        else:
            rule.delete()


# -- sync ------------------------------------------------------------------------------------
@dataclass
class SyncResult:
    created: int = 0
    cancelled: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "cancelled": self.cancelled}


def _category_ids(rule: AttendRule) -> set[int]:
    """The rule's categories and, for a class (大类), its subcategories."""
    chosen = [c.pk for c in rule.categories.all()]
    children = Category.objects.filter(parent_id__in=chosen).values_list("pk", flat=True)
    return set(chosen) | set(children)


def sync(*, now: dt.datetime | None = None) -> SyncResult:
    """Create the attendance tasks of recent events that need one (the first matching rule
    by order: one task per event), alert their assignees; cancel open tasks whose event was
    rejected, merged or cancelled. Idempotent."""
    now = now or timezone.now()
    result = SyncResult()
    with transaction.atomic():
        cancelled = AttendTask.objects.filter(
            status=AttendTask.Status.OPEN, event__status__in=CLOSED_WITHOUT_ATTENDANCE
        )
        changes.attend_tasks(cancelled)
        result.cancelled = cancelled.update(status=AttendTask.Status.CANCELLED)
    rules = list(AttendRule.objects.filter(active=True).prefetch_related("categories"))
    if not rules:
        return result
    category_rule: dict[int, AttendRule] = {}
    for rule in rules:  # ordered: the first rule naming a category takes it
        for category_id in _category_ids(rule):
            category_rule.setdefault(category_id, rule)
    candidates = list(
        Event.objects.filter(
            category_id__in=list(category_rule),
            reported_at__gte=now - LOOKBACK,
            reported_at__lte=now,
        )
        .exclude(status__in=CLOSED_WITHOUT_ATTENDANCE)
        .exclude(pk__in=AttendTask.objects.values("event_id"))
        .values_list("pk", "category_id", "area_id", "reported_at", "title")
        .order_by("pk")
    )
    if not candidates:
        return result
    holders = responsible_users([c[2] for c in candidates], {r.responsible_role for r in rules})
    for event_id, category_id, area_id, reported_at, title in candidates:
        rule = category_rule[category_id]
        assignee = holders.get((area_id, rule.responsible_role))
        try:
            with transaction.atomic():
                task = AttendTask.objects.create(
                    event_id=event_id,
                    rule=rule,
                    area_id=area_id,
                    assignee_id=assignee,
                    deadline=reported_at + dt.timedelta(hours=rule.deadline_hours),
                )
                changes.attend_tasks([task])
                if assignee is not None:
                    FieldAlert.objects.create(
                        user_id=assignee,
                        kind=FieldAlert.Kind.ATTEND_NEW,
                        text=(
                            _("Attend in person by %(t)s: %(title)s")
                            % {
                                "t": timezone.localtime(task.deadline).strftime("%m-%d %H:%M"),
                                "title": title,
                            }
                        )[:300],
                        url=reverse("fieldwork:attend_task", args=[task.pk]),
                    )
        except IntegrityError:
            continue  # another sync made it meanwhile
        result.created += 1
    return result


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Alert the assignee (once) of each attendance past its deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        late = list(
            AttendTask.objects.select_for_update()
            .filter(
                status=AttendTask.Status.OPEN, deadline__lt=now, overdue_alerted_at__isnull=True
            )
            .select_related("event")
        )
        FieldAlert.objects.bulk_create(
            [
                FieldAlert(
                    user_id=t.assignee_id,
                    kind=FieldAlert.Kind.ATTEND_OVERDUE,
                    text=(_("Attendance overdue: %(title)s") % {"title": t.event.title})[:300],
                    url=reverse("fieldwork:attend_task", args=[t.pk]),
                )
                for t in late
                if t.assignee_id is not None
            ]
        )
        AttendTask.objects.filter(pk__in=[t.pk for t in late]).update(overdue_alerted_at=now)
    return {"overdue": len(late)}


# -- attending -------------------------------------------------------------------------------
def may_attend(user: Actor, task: AttendTask) -> bool:
    if not is_user(user):
        return False
    return (
        task.assignee_id == user.pk
        or event_access.is_admin(user)
        or event_access.is_grid_staff_for(user, task.area)
    )


def attend_record(
    *,
    actor: Actor,
    task: AttendTask,
    note: str,
    lon: float | None = None,
    lat: float | None = None,
    attended_at: dt.datetime | None = None,
    client_key: str | None = None,
) -> AttendRecord:
    """Record the attendance; the task is done and the event's timeline says so."""
    check_client_key(client_key)
    if client_key and (existing := _earlier(client_key, actor)):
        return existing
    if not may_attend(actor, task):
        raise DomainError.one(
            _("You may not record this attendance."), code="forbidden", status=403
        )
    if not note.strip():
        raise DomainError.one(
            _("Say what you found and did."), field="note", code="required", status=422
        )
    when = attended_at or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError.one(_("The time is in the future."), field="attended_at")
    try:
        return _attend_write(
            actor=actor, task=task, note=note, lon=lon, lat=lat, when=when, client_key=client_key
        )
    except IntegrityError:
        # The same draft sent twice at once: the loser returns the winner's record.
        if client_key and (existing := _earlier(client_key, actor)):
            return existing
        raise


def _earlier(client_key: str, actor: Actor) -> AttendRecord | None:
    existing = AttendRecord.objects.filter(client_key=client_key).first()
    if existing and existing.attendee_id != actor.pk:
        raise DomainError.one(
            _("This client key is already used."),
            field="client_key",
            code="duplicate",
            status=409,
        )
    return existing


def _attend_write(
    *,
    actor: Actor,
    task: AttendTask,
    note: str,
    lon: float | None,
    lat: float | None,
    when: dt.datetime,
    client_key: str | None,
) -> AttendRecord:
    with transaction.atomic():
        locked = (
            AttendTask.objects.select_for_update()
            .select_related("event")
            .filter(pk=task.pk)
            .first()
        )
        if locked is None:
            raise task_gone()
        if locked.status == AttendTask.Status.CANCELLED:
            raise DomainError.one(
                _("This attendance was cancelled with its event."), code="cancelled", status=409
            )
        event = locked.event
        distance, far = check_in(lon, lat, event.lon, event.lat)
        record = AttendRecord.objects.create(
            task=locked,
            attendee=user_of(actor),
            attended_at=when,
            lon=lon,
            lat=lat,
            distance_m=distance,
            far=far,
            note=note.strip(),
            client_key=client_key or None,
        )
        if locked.status == AttendTask.Status.OPEN:
            locked.status, locked.done_at = AttendTask.Status.DONE, when
            locked.save(update_fields=["status", "done_at"])
            changes.attend_tasks([locked])
        workflow.event_note(
            event=event,
            actor=actor,
            action="attend",
            comment=record.note,
            at=when,
            data={
                "attended_at": when.isoformat(),
                "lon": lon,
                "lat": lat,
                "distance_m": distance,
                "far": far,
                "late": when > locked.deadline,
                "rule": locked.rule.name,
            },
        )
    return record
