"""Scoped reads of campaigns: who may manage which, the campaigns and targets a user sees,
their answers and files, and the campaign part of today's list.
"""

import datetime as dt
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, is_user
from wangge.accounts.permissions import Action, roles_for
from wangge.accounts.scope import area_q, can_see, live_posts, visible_paths
from wangge.errors import DomainError
from wangge.events.access import GRID_ROLES
from wangge.fieldwork.campaigns.models import (
    Campaign,
    CampaignFile,
    CampaignSubmission,
    CampaignTarget,
)
from wangge.fieldwork.todo_item import TodoItem
from wangge.people.scoping import get_in
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

TODO_PER_CAMPAIGN = 20  # a campaign may hold thousands of targets per worker


def _not_found() -> DomainError:
    return DomainError.one(_("Not found."), code="not_found", status=404)


def can_manage(user: Actor) -> bool:
    """May manage some campaign (define, and open, refresh, close or export those covered)."""
    return _manager_paths(user) != []


def _manager_paths(user: Actor) -> list[str] | None:
    """Path prefixes the user manages campaigns under; None: everywhere, []: nowhere. A
    permission holder manages within their scope; an operator only under their operator posts
    (a post lower down or of another role gives no say over a wider campaign)."""
    if not is_user(user):
        return []
    if user.is_superuser:
        return None
    if user.has_perm("fieldwork.add_campaign"):
        return visible_paths(user)
    managers = roles_for(Action.MANAGE_CAMPAIGNS)
    return sorted({path for path, role in live_posts(user) if role in managers})


def covers(user: Actor, campaign: Campaign) -> bool:
    """The user manages this campaign: every area of its scope lies under their manager paths.
    Overlap is not enough (an operator of one community must not open or close a district's
    campaign, nor see its draft)."""
    paths = _manager_paths(user)
    if paths is None:
        return True
    areas = list(campaign.areas.all())
    return (
        bool(paths) and bool(areas) and all(any(a.path.startswith(p) for p in paths) for a in areas)
    )


def _overlaps(user_paths: list[str] | None, scope_paths: list[str]) -> bool:
    if user_paths is None:
        return True
    return any(s.startswith(u) or u.startswith(s) for u in user_paths for s in scope_paths)


def campaigns(user: Actor, *, include_drafts: bool = False) -> list[Campaign]:
    """Campaigns whose scope meets the user's: managers see drafts too."""
    if not is_user(user):
        return []
    lean_areas = Prefetch("areas", queryset=without_geometry(Area.objects.all()))
    qs = Campaign.objects.prefetch_related(lean_areas).order_by("-starts_on", "-id")
    drafts = include_drafts and can_manage(user)
    if not drafts:
        qs = qs.exclude(status=Campaign.Status.DRAFT)
    paths = visible_paths(user)
    return [
        c
        for c in qs
        if _overlaps(paths, [a.path for a in c.areas.all()])
        and (c.status != Campaign.Status.DRAFT or covers(user, c))
    ]


CANCELLED = "cancelled"  # a list filter: closed without ever opening (`campaign_cancel`)


def campaign_list(
    user: Actor,
    *,
    status: str = "",
    area_code: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Campaign]:
    """The centre's list (drafts included for managers), filtered: by state (draft, open,
    closed, cancelled), by an area (campaigns whose scope meets it) and by a period (campaigns
    running at some day of it). An unknown state or area is refused naming the filter."""
    if status and status not in (*Campaign.Status.values, CANCELLED):
        raise DomainError.one(_("Unknown status."), field="status")
    area = None
    if area_code:
        area = Area.objects.filter(code=area_code).defer("geometry").order_by("-valid_from").first()
        if area is None or not can_see(user, area):
            raise DomainError.one(_("Unknown area."), field="area", code="not_found")
    if since and until and until < since:
        raise DomainError.one(_("The period ends before it starts."), field="until")
    rows = campaigns(user, include_drafts=True)
    if status == CANCELLED:
        rows = [c for c in rows if is_cancelled(c)]
    elif status == Campaign.Status.CLOSED:
        rows = [c for c in rows if c.status == status and not is_cancelled(c)]
    elif status:
        rows = [c for c in rows if c.status == status]
    if area is not None:
        rows = [c for c in rows if _overlaps([area.path], [a.path for a in c.areas.all()])]
    if since:
        rows = [c for c in rows if c.ends_on >= since]
    if until:
        rows = [c for c in rows if c.starts_on <= until]
    return rows


def campaign_get(user: Actor, pk: Any) -> Campaign:
    if not str(pk).isdigit():
        raise _not_found()
    for c in campaigns(user, include_drafts=True):
        if c.pk == int(pk):
            return c
    raise _not_found()


def open_campaigns(user: Actor, today: dt.date) -> list[Campaign]:
    return [
        c
        for c in campaigns(user)
        if c.status == Campaign.Status.OPEN and c.starts_on <= today <= c.ends_on
    ]


def targets(
    user: Actor,
    campaign: Campaign,
    *,
    status: str = "",
    area_code: str = "",
    q: str = "",
    include_left: bool = False,
) -> QuerySet[CampaignTarget]:
    """The campaign's targets under the user's posts; missing (not yet done) first."""
    qs = CampaignTarget.objects.filter(campaign=campaign).filter(area_q(user, "area"))
    if not include_left:
        qs = qs.filter(left_at__isnull=True)
    if status:
        if status not in CampaignTarget.Status.values:
            raise DomainError.one(_("Unknown status."), field="status")
        qs = qs.filter(status=status)
    if area_code:
        area = Area.objects.filter(code=area_code).defer("geometry").order_by("-valid_from").first()
        if area is None or not can_see(user, area):
            raise DomainError.one(_("Unknown area."), field="area", code="not_found", status=404)
        qs = qs.filter(area__in=Area.objects.subtree(area).values("pk"))
    if q:
        qs = qs.filter(
            Q(address__contains=q) | Q(household__code=q) | Q(resident__name__contains=q)
        )
    missing_first = Case(
        When(status=CampaignTarget.Status.PENDING, then=Value(0)),
        When(status=CampaignTarget.Status.UNREACHABLE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return without_geometry(
        qs.select_related("area", "household", "resident", "done_by").order_by(
            missing_first, "area__path", "address", "id"
        )
    )


def missing(user: Actor, campaign: Campaign, *, area_code: str = "") -> QuerySet[CampaignTarget]:
    """Targets nobody has reached yet (not done, not marked unreachable), by area and address."""
    return targets(
        user, campaign, status=CampaignTarget.Status.PENDING, area_code=area_code
    ).order_by("area__path", "address", "id")


def target_get(user: Actor, pk: Any) -> CampaignTarget:
    """A target under the user's posts (404 otherwise, or when its campaign is a draft)."""
    if not is_user(user):
        raise _not_found()
    return get_in(
        CampaignTarget.objects.filter(area_q(user, "area"))
        .exclude(campaign__status=Campaign.Status.DRAFT)
        .select_related("campaign", "area", "household", "resident", "done_by")
        .defer("area__geometry"),
        pk,
    )


def target_label(target: CampaignTarget) -> str:
    if target.resident is not None:
        return target.resident.name
    return target.household.code if target.household is not None else ""


def my_counts(user: Actor, campaign: Campaign) -> dict[str, int]:
    """Done / unreachable / pending of the campaign's counted targets in the user's scope."""
    counts = dict(
        CampaignTarget.objects.filter(campaign=campaign, left_at__isnull=True)
        .filter(area_q(user, "area"))
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
    )
    total = sum(counts.values())
    return {
        "total": total,
        "done": counts.get(CampaignTarget.Status.DONE, 0),
        "unreachable": counts.get(CampaignTarget.Status.UNREACHABLE, 0),
        "pending": counts.get(CampaignTarget.Status.PENDING, 0),
    }


def submissions(target: CampaignTarget) -> list[CampaignSubmission]:
    return list(target.submissions.select_related("by").order_by("-at", "-id"))


def files_of(target: CampaignTarget) -> dict[int, CampaignFile]:
    return {f.pk: f for f in target.files.all()}


def has_answers(campaign: Campaign) -> bool:
    """Someone has answered (or marked not reachable) a target of the campaign."""
    return CampaignSubmission.objects.filter(target__campaign=campaign).exists()


def is_cancelled(campaign: Campaign) -> bool:
    return campaign.status == Campaign.Status.CLOSED and campaign.opened_at is None


def file_get(user: Actor, pk: Any) -> CampaignFile:
    """A campaign photo or signature, only through its target's area (404 outside scope):
    residents' signatures are never served without a login and a post over them."""
    if not (is_user(user) and str(pk).isascii() and str(pk).isdigit()):
        raise _not_found()
    in_scope = CampaignTarget.objects.filter(area_q(user, "area")).values("pk")
    found = CampaignFile.objects.filter(pk=int(pk), target__in=in_scope).first()
    if found is None:
        raise _not_found()
    return found


def file_url(pk: int) -> str:
    """Where a campaign file is downloaded (the scoped view, never the storage's /media/)."""
    return reverse("fieldwork:campaign_file", args=[pk])


def _grid_paths(user: Actor) -> list[str]:
    return sorted({path for path, role in live_posts(user) if role in GRID_ROLES})


def todo(user: Actor, today: dt.date) -> list[TodoItem]:
    """The user's open campaign targets not yet reached, under their grid posts: the first
    `TODO_PER_CAMPAIGN` of each campaign (by area and address), so the list stays short."""
    if not is_user(user):
        return []
    paths = _grid_paths(user)
    if not paths:
        return []
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    area_ids = Area.objects.filter(under).values("pk")
    items: list[TodoItem] = []
    live = Campaign.objects.filter(
        status=Campaign.Status.OPEN, starts_on__lte=today, ends_on__gte=today
    ).order_by("ends_on", "pk")
    for campaign in live:
        rows = (
            CampaignTarget.objects.filter(
                campaign=campaign,
                left_at__isnull=True,
                status=CampaignTarget.Status.PENDING,
                area__in=area_ids,
            )
            .select_related("household", "resident")
            .order_by("area_id", "address", "id")[:TODO_PER_CAMPAIGN]
        )
        for t in rows:
            items.append(
                TodoItem(
                    kind="campaign",
                    pk=t.pk,
                    title=f"{campaign.title} · {target_label(t)}",
                    address=t.address,
                    lon=t.lon,
                    lat=t.lat,
                    due=campaign.ends_on,
                    overdue=False,
                    url=reverse("fieldwork:campaign_target", args=[t.pk]),
                )
            )
    return items
