"""Who sees and does what with personal data.

- Scope: residents (and every located record) in the areas under the user's live posts
  (`wangge.regions.scope`); anything else is "not found" (404), never "forbidden".
- Reveal (plaintext ID number or phone): the permission `people.reveal_resident`, or a post
  with a role in `REVEAL_ROLES` at or above the resident's micro-grid — the people who phone and
  visit residents. Part-time workers, micro-grid liaisons and command-centre operators see
  masked values only. A reveal always asks a reason and is audited.
- Sensitive tag kinds (重点人员): only with a live `TagGrant` for that kind (superusers: all).
- The audit log: the permission `people.read_audit` (the "auditor" group, 审计员, has it and
  nothing else). An auditor is a group, not a post: a post gives sight of its area's people
  and events, which an auditor must not have; the log they read spans the whole platform.
"""

from typing import Any

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from wangge.people.models import TagGrant, TagKind
from wangge.regions.models import Area, Post, Role
from wangge.regions.posts import posts_over

REVEAL_ROLES = (Role.GRID_LEADER, Role.FULL_TIME, Role.SECRETARY)
AUDITOR_GROUP = "auditor"


def active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def scope_q(user: Any, area_field: str = "area") -> Q:
    """Rows whose area lies under the user's live posts, as `area IN (areas under a post)`.

    One subquery does it all (the posts are read by the database, not by a round trip
    first), and the planner uses the rows' area index instead of joining the area table.
    It is written as SQL because every list and search of people builds it: composed from
    querysets it cost more to compile than the search it limits.
    """
    if not active(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()  # the whole tree
    today = timezone.localdate()
    sql = RawSQL(_SCOPE_SQL, [user.pk, today, today])  # noqa: S611 (constant text, bound values)
    return Q(**{f"{area_field}__in": sql})


_SCOPE_SQL = (
    f"SELECT a.id FROM {Area._meta.db_table} a WHERE EXISTS ("
    f"SELECT 1 FROM {Post._meta.db_table} p JOIN {Area._meta.db_table} pa ON pa.id = p.area_id"
    " WHERE p.user_id = %s AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on > %s)"
    # An exact prefix test: no LIKE, so no wildcard in a path can widen it.
    " AND substr(a.path, 1, length(pa.path)) = pa.path)"
)


def can_reveal(user: Any, area: Area) -> bool:
    if not active(user):
        return False
    if user.is_superuser or user.has_perm("people.reveal_resident"):
        return True
    return posts_over(user, area, REVEAL_ROLES)


def can_export_plain(user: Any) -> bool:
    return active(user) and (user.is_superuser or user.has_perm("people.reveal_resident"))


def is_auditor(user: Any) -> bool:
    return active(user) and (user.is_superuser or user.has_perm("people.read_audit"))


def visible_kind_ids(user: Any) -> set[int]:
    """Tag kinds the user may see: every ordinary kind, and the sensitive ones granted."""
    if not active(user):
        return set()
    kinds = TagKind.objects.all()
    if user.is_superuser:
        return set(kinds.values_list("pk", flat=True))
    today = timezone.localdate()
    granted = TagGrant.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    return set(
        kinds.filter(Q(sensitive=False) | Q(pk__in=granted.values("kind_id"))).values_list(
            "pk", flat=True
        )
    )
