"""Scoped reads of the party on the grid: branches, members, and who has reported in."""

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from wangge.accounts.actors import Actor
from wangge.people.models import PartyBranch, PartyMember
from wangge.people.scoping import scoped
from wangge.regions.lean import without_geometry


def party_branches(user: Actor) -> QuerySet[PartyBranch]:
    return scoped(PartyBranch, user).annotate(member_count=Count("members")).order_by("name")


def party_members(user: Actor, branch: int | None = None) -> QuerySet[PartyMember]:
    qs = without_geometry(
        scoped(PartyMember, user, "branch__area").select_related("branch", "report_area")
    )
    if branch is not None:
        qs = qs.filter(branch_id=branch)
    return qs.order_by("branch", "name")


def report_in_check(user: Actor, year: int, minimum: int = 2) -> list[dict[str, Any]]:
    """In-service members and their report-ins in `year`; `ok` when at least `minimum`."""
    members = (
        party_members(user)
        .filter(kind=PartyMember.Kind.IN_SERVICE, left_on__isnull=True)
        .annotate(
            count=Count("report_ins", filter=Q(report_ins__reported_on__year=year), distinct=True)
        )
    )
    return [{"member": m, "count": m.count, "ok": m.count >= minimum} for m in members]


def report_in_below(user: Actor, year: int, minimum: int = 2) -> list[dict[str, Any]]:
    """The in-service members in scope with fewer than `minimum` report-ins in `year`, fewest
    first, each with the date of their last report-in (any year)."""
    members = (
        party_members(user)
        .filter(kind=PartyMember.Kind.IN_SERVICE, left_on__isnull=True)
        .annotate(
            count=Count("report_ins", filter=Q(report_ins__reported_on__year=year), distinct=True),
            last=Max("report_ins__reported_on"),
        )
        .filter(count__lt=minimum)
        .order_by("count", "branch__name", "name")
    )
    return [
        {"member": m, "count": m.count, "last": m.last, "missing": minimum - m.count}
        for m in members
    ]
