"""Grid activities (网格活动): recorded by grid staff, counted per area and period.

`figures` is the selector the stats app (dashboard 党建引领 / 网格联动, assessment
indicators) reads: sessions, grids covered and people reached per area one level down.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from wangge.accounts import scope
from wangge.accounts import scope as account_scope
from wangge.accounts.actors import Actor, user_of
from wangge.errors import DomainError, Problem
from wangge.events import access
from wangge.notices.models import Activity, ActivityKind
from wangge.people.models import PartyMember
from wangge.regions.models import Area

DEFAULT_KINDS = [
    ("xuanjiang", "宣讲"),
    ("policy", "政策宣传"),
    ("service", "便民服务"),
    ("clinic", "义诊"),
    ("mediation", "调解"),
    ("volunteer", "志愿服务"),
]
# The level whose areas count as "grids covered" (网格).
GRID_LEVEL = 4
_TITLE_MAX = Activity._meta.get_field("title").max_length or 200


def install_kinds() -> int:
    made = 0
    for order, (code, name) in enumerate(DEFAULT_KINDS):
        _obj, created = ActivityKind.objects.get_or_create(
            code=code, defaults={"name": name, "order": order}
        )
        made += created
    return made


@transaction.atomic
def activity_record(
    *,
    actor: Actor,
    kind_code: str,
    title: str,
    held_on: date,
    area: Area,
    place: str = "",
    participants: int = 0,
    people_reached: int = 0,
    party_member_ids: list[int] | None = None,
    note: str = "",
) -> Activity:
    problems: list[Problem] = []
    kind = ActivityKind.objects.filter(code=kind_code, active=True).first()
    if kind is None:
        problems.append(Problem(_("is not an activity kind"), field="kind", code="unknown"))
    if not title.strip() or len(title) > _TITLE_MAX:
        problems.append(
            Problem(_("is required (at most %(n)s characters)") % {"n": _TITLE_MAX}, field="title")
        )
    for name, value in (("participants", participants), ("people_reached", people_reached)):
        if value < 0:
            problems.append(Problem(_("must not be negative"), field=name))
    members = list(PartyMember.objects.filter(pk__in=party_member_ids or []))
    for missing in set(party_member_ids or []) - {m.pk for m in members}:
        problems.append(
            Problem(_("no such party member"), field="party_members", item=str(missing))
        )
    if problems or kind is None:
        raise DomainError(problems, status=422)
    if not (
        access.is_admin(actor)
        or account_scope.posts_over(actor, area, access.GRID_ROLES + access.CENTRE_ROLES)
    ):
        raise DomainError.one(
            _("You hold no post over %(area)s.") % {"area": area.name},
            field="area",
            code="forbidden",
            status=403,
        )
    activity = Activity.objects.create(
        kind=kind,
        title=title.strip(),
        held_on=held_on,
        area=area,
        path=area.path,
        place=place,
        participants=participants,
        people_reached=people_reached,
        note=note,
        recorded_by=user_of(actor),
    )
    activity.party_members.set(members)
    return activity


def activities(
    user: Any, *, area: Area | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[Activity]:
    qs = Activity.objects.filter(scope.path_q(user)).select_related("kind", "area")
    if area is not None:
        qs = qs.filter(path__startswith=area.path)
    if start is not None:
        qs = qs.filter(held_on__gte=start)
    if end is not None:
        qs = qs.filter(held_on__lte=end)
    return qs


@dataclass
class Figures:
    area: Area
    sessions: int = 0
    grids_covered: int = 0
    people_reached: int = 0
    participants: int = 0


def figures(area: Area, start: date, end: date) -> list[Figures]:
    """Per child of `area` (and the area itself first): sessions, grids covered (distinct
    grid-level areas with an activity in or under them) and people reached. Two queries."""
    children = list(Area.objects.filter(parent=area, valid_to__isnull=True).order_by("path"))
    rows = [Figures(area), *(Figures(c) for c in children)]
    found = (
        Activity.objects.filter(path__startswith=area.path, held_on__gte=start, held_on__lte=end)
        .values("path")
        .annotate(n=Count("pk"), reached=Sum("people_reached"), took=Sum("participants"))
        .order_by()
    )
    grids: dict[int, set[str]] = {}
    for item in found:
        parts = [c for c in item["path"].split("/") if c]
        grid = "/".join(parts[:GRID_LEVEL]) if len(parts) >= GRID_LEVEL else None
        for i, row in enumerate(rows):
            if i and not item["path"].startswith(row.area.path):
                continue
            row.sessions += item["n"]
            row.people_reached += item["reached"] or 0
            row.participants += item["took"] or 0
            if grid is not None:
                grids.setdefault(i, set()).add(grid)
    for i, covered in grids.items():
        rows[i].grids_covered = len(covered)
    return rows
