"""Bulletin subscriptions (订阅): a user takes the daily, weekly or monthly bulletin of an
area in their scope into their inbox, or gives it up. (`bulletins.subscribe` sets the kinds
of every area at once, as before; both live side by side and a user is told once.)"""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor, author, user_of
from wangge.accounts.scope import visible_paths
from wangge.errors import DomainError
from wangge.regions.models import Area
from wangge.stats.assessment import bulletins, services
from wangge.stats.assessment.models import BulletinKind, Subscription


def areas(user: Actor) -> list[Area]:
    """The bulletin areas the user may subscribe to: those in their scope (code and name
    read only)."""
    qs = (
        Area.objects.live()
        .filter(level__lte=settings.WANGGE_BULLETIN_LEVELS)
        .order_by("level", "code")
        .only("id", "code", "name", "level", "path")
    )
    paths = visible_paths(user)
    if paths is None:
        return list(qs)
    if not paths:
        return []
    return list(qs.filter(services._path_any(paths)))


def _kind(kind: str) -> str:
    if kind not in BulletinKind.values:
        raise services.invalid(
            _("Unknown kind of bulletin: %(k)s (daily, weekly or monthly).") % {"k": kind},
            field="kind",
        )
    return kind


def _area(user: Actor, code: str) -> Area:
    area = Area.objects.live().filter(code=(code or "").strip()).first()
    if area is None or not bulletins._sees(user, area):
        raise services.invalid(
            _("Area %(c)s is not one you may see.") % {"c": code or "–"}, field="area"
        )
    if area.level > settings.WANGGE_BULLETIN_LEVELS:
        raise services.invalid(
            _("Area %(c)s has no bulletins (only the top levels have).") % {"c": code},
            field="area",
        )
    return area


def subscription_add(*, user: Actor, kind: str, area_code: str) -> Subscription:
    """Subscribe to a kind of bulletin of an area (a no-op when subscribed already)."""
    kind = _kind(kind)
    area = _area(user, area_code)
    me = user_of(user)
    try:
        with transaction.atomic():
            sub, _created = Subscription.objects.get_or_create(user=me, kind=kind, area=area)
    except IntegrityError:  # a double submit raced
        sub = Subscription.objects.get(user=me, kind=kind, area=area)
    return sub


def subscription_remove(*, user: Actor, pk: int) -> None:
    """Give up one of the user's own subscriptions."""
    deleted, _rows = Subscription.objects.filter(user=author(user), pk=pk).delete()
    if not deleted:
        raise DomainError.one(
            _("No such subscription of yours."), field="subscription", code="not_found", status=404
        )


def of(user: Actor) -> list[Subscription]:
    return list(
        Subscription.objects.filter(user=author(user))
        .select_related("area")
        .only("id", "kind", "user_id", "area__id", "area__code", "area__name")
        .order_by("kind", "area_id")
    )


def as_dict(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.pk,
        "kind": s.kind,
        "kind_display": s.get_kind_display(),
        "area": s.area.code if s.area else None,
        "area_name": s.area.name if s.area else _("every area you may see"),
    }
