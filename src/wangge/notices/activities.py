"""Grid activities (网格活动): recorded by grid staff, counted per area and period.

`figures` is the selector the stats app (dashboard 党建引领 / 网格联动, assessment
indicators) reads: sessions, grids covered and people reached per area one level down.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import scope as account_scope
from wangge.accounts.actors import Actor, user_of
from wangge.errors import DomainError, Problem
from wangge.events import access
from wangge.events.photos import CleanPhoto, save_photo
from wangge.notices.models import Activity, ActivityKind, ActivityPhoto
from wangge.people.models import PartyMember, PartyReportIn
from wangge.people.party import selectors as people_party_selectors
from wangge.people.party import services as people_party_services
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
MAX_PHOTOS = 9


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
    photos: list[CleanPhoto] | None = None,
) -> Activity:
    """Record an activity. `party_member_ids`: party members in the actor's scope; each
    serving in-service member's report-in at the activity's grid that day is linked (written
    if missing: the activity counts as their 到网格报到). `photos`: already checked by
    `events.photos.clean_photo`, at most nine."""
    photos = photos or []
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
    if len(photos) > MAX_PHOTOS:
        problems.append(
            Problem(_("at most %(n)s photos") % {"n": MAX_PHOTOS}, field="photos", code="too_many")
        )
    members = list(
        people_party_selectors.party_members(actor).filter(pk__in=party_member_ids or [])
    )
    for missing in set(party_member_ids or []) - {m.pk for m in members}:
        problems.append(
            Problem(_("no such party member"), field="party_members", item=str(missing))
        )
    if problems or kind is None:
        raise DomainError(problems, status=422)
    if not _may_record(actor, area):
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
    activity.report_ins.set(_report_ins(actor, activity, members))
    for photo in photos:
        stored = ActivityPhoto(activity=activity, width=photo.width, height=photo.height)
        save_photo(stored.file, stored.thumbnail, f"a{activity.pk}-{uuid.uuid4().hex[:12]}", photo)
        stored.save()
    return activity


def _may_record(actor: Actor, area: Area) -> bool:
    return access.is_admin(actor) or account_scope.posts_over(
        actor, area, access.GRID_ROLES + access.CENTRE_ROLES
    )


@transaction.atomic
def activity_photo_add(*, actor: Actor, activity: Activity, photo: CleanPhoto) -> ActivityPhoto:
    """One more photo of an activity (checked by `events.photos.clean_photo`), by whoever may
    record activities there; at most nine."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not _may_record(actor, activity.area):
        raise DomainError.one(
            _("You hold no post over %(area)s.") % {"area": activity.area.name},
            field="area",
            code="forbidden",
            status=403,
        )
    if activity.photos.count() >= MAX_PHOTOS:
        raise DomainError.one(
            _("at most %(n)s photos") % {"n": MAX_PHOTOS},
            field="photo",
            code="too_many",
            status=422,
        )
    stored = ActivityPhoto(activity=activity, width=photo.width, height=photo.height)
    save_photo(stored.file, stored.thumbnail, f"a{activity.pk}-{uuid.uuid4().hex[:12]}", photo)
    stored.save()
    return stored


def activity_photo(user: Actor, pk: int, photo: int) -> ActivityPhoto:
    """A photo of an activity the user sees (in their scope); 404 otherwise."""
    found = (
        ActivityPhoto.objects.filter(pk=photo, activity_id=pk)
        .filter(activity__in=activities(user).values("pk"))
        .first()
    )
    if found is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return found


def report_grid(activity: Activity, member: PartyMember) -> Area | None:
    """The grid a member's report-in for this activity is at: the grid the activity was held
    in (its area, or the grid above a micro-grid); for an activity of a wider area, the
    member's own grid if it lies inside. None: the activity is no report-in for them."""
    area = activity.area
    if area.level >= GRID_LEVEL:
        code = [c for c in activity.path.split("/") if c][GRID_LEVEL - 1]
        return (
            area
            if area.level == GRID_LEVEL
            else Area.objects.filter(code=code, level=GRID_LEVEL, valid_to__isnull=True).first()
        )
    own = member.report_area
    if own is not None and own.path.startswith(activity.path):
        return own
    return None


def _report_ins(
    actor: Actor, activity: Activity, members: list[PartyMember]
) -> list[PartyReportIn]:
    if activity.held_on > timezone.localdate():
        return []  # a planned activity is nobody's report-in yet
    linked = []
    for member in members:
        if member.kind != PartyMember.Kind.IN_SERVICE or member.left_on is not None:
            continue
        grid = report_grid(activity, member)
        if grid is None:
            continue
        found = PartyReportIn.objects.filter(
            member=member, area=grid, reported_on=activity.held_on
        ).first()
        if found is None:
            found = people_party_services.report_in_record(
                actor=actor,
                member=member,
                area=grid,
                on=activity.held_on,
                activity=f"{activity.kind.name}：{activity.title}"[:300],
            )
        linked.append(found)
    return linked


def with_details() -> QuerySet[Activity]:
    """Activities with what their lists show (kind, area, party members, report-ins, photos)."""
    return Activity.objects.select_related("kind", "area").prefetch_related(
        "party_members", "report_ins", "photos"
    )


def activities(
    user: Actor, *, area: Area | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[Activity]:
    qs = with_details().filter(account_scope.path_q(user))
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


def figures(area: Area, start: date, end: date, children: bool = True) -> list[Figures]:
    """Per child of `area` (and the area itself first; only it without `children`):
    sessions, grids covered (distinct grid-level areas with an activity in or under them)
    and people reached. Two queries (one without `children`)."""
    kids = (
        list(
            Area.objects.filter(parent=area, valid_to__isnull=True)
            .defer("geometry")
            .order_by("path")
        )
        if children
        else []
    )
    rows = [Figures(area), *(Figures(c) for c in kids)]
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


@dataclass
class PartyFigures:
    sessions: int = 0  # activities with at least one party member
    members: int = 0  # distinct party members involved
    report_ins: int = 0  # report-ins (到网格报到) at grids in the area, by activity or not


def party_figures(area: Area, start: date, end: date) -> PartyFigures:
    """The party side of the activities in and under `area` over the days (党建引领). Two
    queries, whatever the number of activities."""
    held = Activity.objects.filter(path__startswith=area.path, held_on__gte=start, held_on__lte=end)
    through = Activity.party_members.through.objects.filter(activity__in=held.values("pk"))
    party = through.order_by().aggregate(
        sessions=Count("activity_id", distinct=True), members=Count("partymember_id", distinct=True)
    )
    return PartyFigures(
        sessions=party["sessions"],
        members=party["members"],
        report_ins=PartyReportIn.objects.filter(
            area__path__startswith=area.path, reported_on__gte=start, reported_on__lte=end
        ).count(),
    )


def by_level(level: int, start: date, end: date) -> dict[str, dict[str, int]]:
    """Per area of a level (by code): sessions, people reached and grids covered by the
    activities in and under it over the days — the assessment's activity indicators. One
    query; activities held above that level count for none of its areas."""
    found: dict[str, dict[str, Any]] = {}
    rows = (
        Activity.objects.filter(held_on__gte=start, held_on__lte=end)
        .values("path")
        .annotate(n=Count("pk"), reached=Sum("people_reached"))
        .order_by()
    )
    for item in rows:
        parts = [c for c in item["path"].split("/") if c]
        if len(parts) < level:
            continue
        row = found.setdefault(parts[level - 1], {"sessions": 0, "people": 0, "grids": set()})
        row["sessions"] += item["n"]
        row["people"] += item["reached"] or 0
        if len(parts) >= GRID_LEVEL:
            row["grids"].add("/".join(parts[:GRID_LEVEL]))
    return {
        code: {"sessions": r["sessions"], "people": r["people"], "grids": len(r["grids"])}
        for code, r in found.items()
    }
