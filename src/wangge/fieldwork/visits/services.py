"""Visit writes: rules saved and retired, a visit recorded (check-in distance kept, far ones
flagged, the checklist answers validated against the rule), its photos, a finding turned into
an event, and the overdue sweep that alerts assignees once per task.
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge import form_fields as forms
from wangge.accounts.actors import Actor, is_user, user_of
from wangge.accounts.models import Role
from wangge.errors import DomainError, Problem
from wangge.events import access as event_access
from wangge.events import photos, workflow
from wangge.events.models import BuiltinChannel, Category, Event
from wangge.fieldwork import changes
from wangge.fieldwork.alerts import FieldAlert
from wangge.fieldwork.checkin import check_client_key, check_in, task_gone
from wangge.fieldwork.rule_checks import check_rule_fields
from wangge.fieldwork.visits.models import (
    Frequency,
    VisitPhoto,
    VisitRecord,
    VisitRule,
    VisitTask,
)
from wangge.fieldwork.visits.rules import clean_checklist, require_admin
from wangge.fieldwork.visits.selectors import alerts
from wangge.people.models import (
    Household,
    ResidenceType,
    TagKind,
)
from wangge.people.scoping import get_in


def rule_save(
    *,
    actor: Actor,
    rule: VisitRule | None = None,
    code: str,
    name: str,
    frequency: str,
    every_days: int | None = None,
    anchor: dt.date | None = None,
    all_households: bool = False,
    tag_kinds: Iterable[str] = (),
    residence_types: Iterable[str] = (),
    checklist: Any = (),
    responsible_role: str = Role.LIAISON,
    active: bool = True,
    order: int = 0,
) -> VisitRule:
    """Create or change a rule (administrators)."""
    require_admin(actor)
    problems: list[Problem] = []
    code, name = code.strip(), name.strip()
    if frequency not in Frequency.values:
        problems.append(
            Problem(_("Unknown frequency %(f)s.") % {"f": frequency}, field="frequency")
        )
    if frequency == Frequency.EVERY_N_DAYS and not every_days:
        problems.append(Problem(_("Give the number of days."), field="every_days", code="required"))
    check_rule_fields(
        problems,
        model=VisitRule,
        rule=rule,
        code=code,
        name=name,
        order=order,
        responsible_role=responsible_role,
        every_days=every_days if frequency == Frequency.EVERY_N_DAYS else None,
    )
    types = list(dict.fromkeys(residence_types))
    for t in types:
        if t not in ResidenceType.values:
            problems.append(
                Problem(_("Unknown residence type %(t)s.") % {"t": t}, field="residence_types")
            )
    codes = list(dict.fromkeys(tag_kinds))
    kinds = list(TagKind.objects.filter(code__in=codes))
    for missing in sorted(set(codes) - {k.code for k in kinds}):
        problems.append(Problem(_("Unknown group %(c)s.") % {"c": missing}, field="tag_kinds"))
    # Task titles and rule lists are seen by everyone in scope: a sensitive group would
    # tell users without a grant who is in it.
    for kind in kinds:
        if kind.sensitive:
            problems.append(
                Problem(
                    _("The sensitive group %(c)s cannot drive visits.") % {"c": kind.code},
                    field="tag_kinds",
                    code="sensitive",
                )
            )
    if not all_households and not codes and not types:
        problems.append(
            Problem(
                _("Say which households: every household, groups or residence types."),
                field="all_households",
                code="required",
            )
        )
    try:
        items = clean_checklist(list(checklist))
    except DomainError as exc:
        problems.extend(exc.problems)
        items = []
    if problems:
        raise DomainError(problems, status=422)
    with transaction.atomic():
        rule = rule or VisitRule()
        rule.code, rule.name, rule.frequency = code, name, frequency
        rule.every_days = every_days if frequency == Frequency.EVERY_N_DAYS else None
        rule.anchor = anchor or rule.anchor or timezone.localdate()
        rule.all_households, rule.residence_types = all_households, types
        rule.checklist, rule.responsible_role = items, responsible_role
        rule.active, rule.order = active, order
        rule.save()
        rule.tag_kinds.set(kinds)
    return rule


def rule_delete(*, actor: Actor, rule: VisitRule) -> None:
    """Delete a rule without tasks; one with tasks is only deactivated (its history stays)."""
    require_admin(actor)
    with transaction.atomic():
        if rule.tasks.exists():
            rule.active = False
            rule.save(update_fields=["active"])
            dropped = VisitTask.objects.filter(rule=rule, status=VisitTask.Status.OPEN)
            changes.visit_tasks(dropped)
            dropped.delete()
        else:
            rule.delete()


# -- overdue alerts --------------------------------------------------------------------------
def sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """One alert per assignee for the visits that went overdue since the last sweep."""
    day = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        fresh = VisitTask.objects.filter(
            status=VisitTask.Status.OPEN,
            due_on__lt=day,
            overdue_alerted_at__isnull=True,
            assignee__isnull=False,
        )
        # Lock the rows so a concurrent sweep (CLI beside huey) cannot alert them twice.
        ids = list(fresh.select_for_update(skip_locked=True).values_list("id", flat=True))
        fresh = VisitTask.objects.filter(pk__in=ids)
        counts = list(fresh.values("assignee_id").annotate(n=Count("id")).order_by("assignee_id"))
        url = reverse("fieldwork:visit_mine")
        FieldAlert.objects.bulk_create(
            [
                FieldAlert(
                    user_id=c["assignee_id"],
                    kind=FieldAlert.Kind.VISITS_OVERDUE,
                    text=(_("%(n)d household visits are overdue.") % {"n": c["n"]})[:300],
                    url=url + "?overdue=1",
                )
                for c in counts
            ]
        )
        marked = fresh.update(overdue_alerted_at=now)
    return {"alerted_users": len(counts), "overdue_tasks": marked}


# -- recording a visit -----------------------------------------------------------------------
def may_visit(user: Actor, task: VisitTask) -> bool:
    if not is_user(user):
        return False
    return (
        task.assignee_id == user.pk
        or event_access.is_admin(user)
        or event_access.is_grid_staff_for(user, task.area)
    )


@dataclass(frozen=True)
class FindingIn:
    title: str
    category: str  # event category code
    description: str = ""


def visit_record(
    *,
    actor: Actor,
    task: VisitTask,
    answers: dict[str, Any],
    notes: str = "",
    lon: float | None = None,
    lat: float | None = None,
    visited_at: dt.datetime | None = None,
    photo_files: Sequence[bytes | IO[bytes]] = (),
    finding: FindingIn | None = None,
    client_key: str | None = None,
    correction: bool = False,
) -> VisitRecord:
    """Record a visit of the task's household; the task is done. A retry with the same
    client key returns the first record (offline drafts may be sent twice). A task already
    done takes another visit only as an explicit correction: a second draft with a new key is
    refused (409) rather than silently counted twice."""
    check_client_key(client_key)
    if client_key and (existing := _earlier_record(client_key, actor)):
        return existing
    if not may_visit(actor, task):
        raise DomainError.one(_("You may not record this visit."), code="forbidden", status=403)
    clean, _files = forms.clean_answers(task.rule.checklist, answers, at="answers")
    when = visited_at or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError.one(_("The visit time is in the future."), field="visited_at")
    if timezone.localtime(when).date() < task.period_start:
        raise DomainError.one(
            _("The visit is dated before this task's period (from %(d)s).")
            % {"d": task.period_start.isoformat()},
            field="visited_at",
            code="before_period",
            status=422,
        )
    if finding and len(finding.title.strip()) > 200:
        raise DomainError.one(
            _("The title is longer than %(n)d characters.") % {"n": 200}, field="finding.title"
        )
    household = task.household
    distance, far = check_in(lon, lat, household.lon, household.lat)
    cleaned = [photos.clean_photo(f, f"photos[{i}]") for i, f in enumerate(photo_files)]
    category = finding_category(finding) if finding else None
    try:
        return _visit_write(
            actor=actor,
            task=task,
            household=household,
            when=when,
            lon=lon,
            lat=lat,
            distance=distance,
            far=far,
            clean=clean,
            notes=notes,
            cleaned=cleaned,
            finding=finding,
            category=category,
            client_key=client_key,
            correction=correction,
        )
    except IntegrityError:
        # The same draft sent twice at once: the loser returns the winner's record.
        if client_key and (existing := _earlier_record(client_key, actor)):
            return existing
        raise


def _earlier_record(client_key: str, actor: Actor) -> VisitRecord | None:
    existing = VisitRecord.objects.filter(client_key=client_key).first()
    if existing and existing.visitor_id != actor.pk:
        raise DomainError.one(
            _("This client key is already used."),
            field="client_key",
            code="duplicate",
            status=409,
        )
    return existing


def already_visited(task: VisitTask, household: Household) -> DomainError:
    return DomainError.one(
        _(
            "Visit task %(task)d (household %(household)s, %(period)s) is already done; "
            "send the visit as a correction to add another."
        )
        % {"task": task.pk, "household": household.code, "period": task.period},
        field="correction",
        code="already_done",
        status=409,
    )


def _visit_write(
    *,
    actor: Actor,
    task: VisitTask,
    household: Household,
    when: dt.datetime,
    lon: float | None,
    lat: float | None,
    distance: float | None,
    far: bool,
    clean: dict[str, Any],
    notes: str,
    cleaned: list[photos.CleanPhoto],
    finding: FindingIn | None,
    category: Category | None,
    client_key: str | None,
    correction: bool,
) -> VisitRecord:
    with transaction.atomic():
        locked = VisitTask.objects.select_for_update().filter(pk=task.pk).first()
        if locked is None:  # dropped by a generation run meanwhile
            raise task_gone()
        if locked.status == VisitTask.Status.DONE and not correction:
            # The same draft sent twice at once: the one that waited for the lock finds the
            # winner's record, a retry and not a second visit.
            if client_key and (existing := _earlier_record(client_key, actor)):
                return existing
            raise already_visited(locked, household)
        record = VisitRecord.objects.create(
            task=locked,
            household=household,
            area=household.area,
            visitor=user_of(actor),
            visited_at=when,
            visited_on=timezone.localtime(when).date(),
            lon=lon,
            lat=lat,
            distance_m=distance,
            far=far,
            answers=clean,
            notes=notes.strip(),
            client_key=client_key or None,
        )
        for photo in cleaned:
            _store_photo(record, photo)
        if locked.status == VisitTask.Status.OPEN:
            locked.status, locked.done_at = VisitTask.Status.DONE, when
            locked.save(update_fields=["status", "done_at"])
            changes.visit_tasks([locked])
        if finding and category:
            visit_finding(
                actor=actor,
                record=record,
                title=finding.title,
                category=category,
                description=finding.description,
            )
    return record


def _store_photo(record: VisitRecord, photo: photos.CleanPhoto) -> VisitPhoto:
    stem = f"visit-{record.pk}-{uuid.uuid4().hex[:12]}"
    item = VisitPhoto(record=record)
    item.file.save(f"{stem}.jpg", ContentFile(photo.jpeg), save=False)
    item.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
    item.save()
    return item


def visit_add_photo(*, actor: Actor, record: VisitRecord, file: bytes | IO[bytes]) -> VisitPhoto:
    if record.visitor_id != actor.pk and not event_access.is_admin(actor):
        raise DomainError.one(_("Only the visitor may add photos."), code="forbidden", status=403)
    photo = photos.clean_photo(file, "photo")
    with transaction.atomic():
        return _store_photo(record, photo)


def finding_category(finding: FindingIn) -> Category:
    category = Category.objects.filter(code=finding.category, active=True).first()
    if category is None:
        raise DomainError.one(
            _("Unknown event category %(c)s.") % {"c": finding.category},
            field="finding.category",
            status=422,
        )
    if not finding.title.strip():
        raise DomainError.one(
            _("A title is required."), field="finding.title", code="required", status=422
        )
    return category


def visit_finding(
    *,
    actor: Actor,
    record: VisitRecord,
    title: str,
    category: Category,
    description: str = "",
    client_key: str | None = None,
) -> Event:
    """Report what the visit found as an event (located at the household), linked to it."""
    household = record.household
    text = description.strip() or _("Found on a household visit (%(code)s).") % {
        "code": household.code
    }
    with transaction.atomic():
        event = workflow.event_report(
            actor=actor,
            title=title,
            category=category,
            channel=BuiltinChannel.GRID_APP,
            description=text,
            lon=household.lon if household.lon is not None else record.lon,
            lat=household.lat if household.lat is not None else record.lat,
            area=household.area,
            address=household.address,
            client_key=client_key,
        )
        record.findings.add(event)
    return event


def alert_read(*, actor: Actor, pk: Any) -> FieldAlert:
    if not (str(pk).isascii() and str(pk).isdigit()):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    alert = get_in(alerts(actor), pk)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert
