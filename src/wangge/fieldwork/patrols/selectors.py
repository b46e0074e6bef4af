"""Scoped reads of patrols: whose posts walk rounds where, the patrols and inspection targets
a user sees, a patrol's track.
"""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts import scope as account_scope
from wangge.accounts.actors import Actor, author
from wangge.accounts.models import Post
from wangge.accounts.permissions import Action, may, roles_for
from wangge.accounts.scope import area_q
from wangge.errors import DomainError
from wangge.events import workflow
from wangge.events.models import Category
from wangge.fieldwork.patrols.models import Patrol
from wangge.people.models import Facility, HazardPoint
from wangge.people.scoping import get_in
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

# Who walks rounds and inspects: the grid's own people (not centre operators).
PATROL_ROLES = roles_for(Action.PATROL)


Target = HazardPoint | Facility


def _not_found() -> DomainError:
    return DomainError.one(_("Not found."), code="not_found", status=404)


# -- who -----------------------------------------------------------------------------------
def patrol_posts(user: Actor, today: dt.date | None = None) -> QuerySet[Post]:
    """The user's patrol posts in force (`wangge.accounts.scope.post_rows`), live areas only."""
    return account_scope.post_rows(user, PATROL_ROLES, today).filter(area__valid_to__isnull=True)


def patrol_areas(user: Actor) -> list[Area]:
    """The grids and micro-grids a user walks rounds in (their live grid posts)."""
    if not getattr(user, "is_authenticated", False):
        return []
    posts = without_geometry(
        patrol_posts(user).filter(area__level__gte=workflow.GRID_LEVEL).select_related("area")
    )
    return sorted({p.area for p in posts}, key=lambda a: a.path)


def may_inspect(user: Actor, area: Area) -> bool:
    return may(user, Action.PATROL, area)


# -- patrols -------------------------------------------------------------------------------
def patrols_visible(user: Actor) -> QuerySet[Patrol]:
    if not getattr(user, "is_authenticated", False):
        return Patrol.objects.none()
    scope = area_q(user, "area")
    if not scope:  # the whole tree (Q() | Q(worker=…) would drop the empty side)
        return Patrol.objects.all()
    return Patrol.objects.filter(Q(worker=user) | scope)


def patrol_get(user: Actor, pk: Any) -> Patrol:
    return get_in(patrols_visible(user), pk)


def open_patrol(user: Actor) -> Patrol | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Patrol.objects.filter(worker=author(user), ended_at__isnull=True).first()


def track_geojson(patrol: Patrol) -> dict[str, Any]:
    line = list(patrol.points.order_by("at").values_list("lon", "lat"))
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]},
        "properties": {
            "id": patrol.pk,
            "distance_m": patrol.distance_m,
            "started_at": patrol.started_at.isoformat(),
            "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None,
        },
    }


# -- inspections ---------------------------------------------------------------------------
def target_get(user: Actor, kind: str, pk: Any) -> Target:
    """A hazard point ("hazard") or facility ("facility") in the user's scope; 404 otherwise."""
    if kind == "hazard":
        hazards = HazardPoint.objects.filter(area_q(user, "area")).select_related("area")
        return get_in(without_geometry(hazards), pk)
    if kind == "facility":
        facilities = Facility.objects.filter(area_q(user, "area")).select_related("area")
        return get_in(without_geometry(facilities), pk)
    raise _not_found()


def target_kind(target: Target) -> str:
    return "hazard" if isinstance(target, HazardPoint) else "facility"


def category_of(code: str) -> Category | None:
    """The active category with this code (None for no code); DomainError for an unknown one."""
    code = code.strip()
    if not code:
        return None
    found = Category.objects.filter(code=code, active=True).first()
    if found is None:
        raise DomainError.one(_("Unknown category."), field="category")
    return found
