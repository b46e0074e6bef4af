"""Who sees and does what with personal data.

- Scope: residents (and every located record) in the areas under the user's live posts
  (`wangge.accounts.scope.area_q`); anything else is "not found" (404), never "forbidden".
- Reveal (plaintext ID number or phone): the permission `people.reveal_resident`, or a post
  with a role in `REVEAL_ROLES` at or above the resident's micro-grid — the people who phone and
  visit residents. Part-time workers, micro-grid liaisons and command-centre operators see
  masked values only. A reveal always asks a reason and is audited.
- Sensitive tag kinds (重点人员): only with a live `TagGrant` for that kind (superusers: all).
- The audit log: the permission `accounts.read_audit` (the "auditor" group, 审计员, has it and
  nothing else). An auditor is a group, not a post: a post gives sight of its area's people
  and events, which an auditor must not have; the log they read spans the whole platform.
"""

from django.db.models import Q
from django.utils import timezone

from wangge.accounts.actors import Actor, author, is_system
from wangge.accounts.actors import is_user as active
from wangge.accounts.permissions import AUDITOR, REVEAL_PERMISSION, Action, may, roles_for
from wangge.people.models import TagGrant, TagKind
from wangge.regions.models import Area

REVEAL_ROLES = roles_for(Action.REVEAL)
AUDITOR_GROUP = AUDITOR


def can_reveal(user: Actor, area: Area) -> bool:
    if not active(user):
        return False
    return user.has_perm(REVEAL_PERMISSION) or may(user, Action.REVEAL, area)


def can_export_plain(user: Actor) -> bool:
    return active(user) and (may(user, Action.EXPORT_PLAIN) or user.has_perm(REVEAL_PERMISSION))


def is_auditor(user: Actor) -> bool:
    return may(user, Action.READ_AUDIT)


def visible_kind_ids(user: Actor) -> set[int]:
    """Tag kinds the user may see: every ordinary kind, and the sensitive ones granted."""
    kinds = TagKind.objects.all()
    if is_system(user):
        return set(kinds.values_list("pk", flat=True))
    if not active(user):
        return set()
    if user.is_superuser:
        return set(kinds.values_list("pk", flat=True))
    today = timezone.localdate()
    granted = TagGrant.objects.filter(user=author(user), revoked_at__isnull=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    return set(
        kinds.filter(Q(sensitive=False) | Q(pk__in=granted.values("kind_id"))).values_list(
            "pk", flat=True
        )
    )
