"""Writes of the party on the grid: branches, members and their report-ins (in scope)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.actors import Actor, author
from wangge.errors import DomainError
from wangge.people import pii
from wangge.people.models import Organization, PartyBranch, PartyMember, PartyReportIn, Resident
from wangge.people.writes import check_scope, clean_phone
from wangge.regions.models import Area


@transaction.atomic
def party_branch_create(
    *,
    actor: Actor,
    name: str,
    area: Area,
    secretary: str = "",
    organization: Organization | None = None,
    founded_on: dt.date | None = None,
) -> PartyBranch:
    check_scope(actor, area, "area")
    return PartyBranch.objects.create(
        name=name,
        area=area,
        secretary=secretary,
        organization=organization,
        founded_on=founded_on,
    )


@transaction.atomic
def party_member_add(
    *,
    actor: Actor,
    branch: PartyBranch,
    name: str,
    kind: str = PartyMember.Kind.IN_SERVICE,
    phone: str = "",
    workplace: str = "",
    report_area: Area | None = None,
    resident: Resident | None = None,
    joined_on: dt.date | None = None,
    ip: str = "",
) -> PartyMember:
    check_scope(actor, branch.area, "branch")
    if report_area is not None:
        check_scope(actor, report_area, "report_area")
    member = PartyMember(
        branch=branch,
        name=name,
        kind=kind,
        workplace=workplace,
        report_area=report_area,
        resident=resident,
        joined_on=joined_on,
    )
    pii.set_sealed(member, "phone", pii.seal_phone(clean_phone(phone)))
    member.save()
    audit.record(actor, "create", "partymember", member.pk, label=name, ip=ip)
    return member


@transaction.atomic
def report_in_record(
    *,
    actor: Actor,
    member: PartyMember,
    area: Area | None = None,
    on: dt.date | None = None,
    activity: str = "",
) -> PartyReportIn:
    """An in-service member served at their grid (到网格报到) once, doing `activity`."""
    area = area or member.report_area
    if area is None:
        raise DomainError.one(_("Which grid did the member report to?"), field="area")
    check_scope(actor, area, "area")
    activity = activity.strip()
    if not activity:
        raise DomainError.one(
            _("Say what the member did at the grid."), field="activity", code="required"
        )
    if member.left_on is not None or member.kind != PartyMember.Kind.IN_SERVICE:
        raise DomainError.one(_("Only serving in-service members report to grids."), field="member")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError.one(_("A report-in cannot be in the future."), field="on")
    if PartyReportIn.objects.filter(member=member, area=area, reported_on=on).exists():
        raise DomainError.one(
            _("This member's report-in on that day is already recorded."),
            field="on",
            code="duplicate",
            status=409,
        )
    return PartyReportIn.objects.create(
        member=member,
        area=area,
        reported_on=on,
        activity=activity,
        recorded_by=author(actor),
    )
