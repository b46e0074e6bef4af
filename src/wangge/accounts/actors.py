"""Who acts: a user (signed in or not), or the platform itself on a schedule.

Every service and selector takes an `Actor`; there is no "no actor". The system is a named
actor (`SYSTEM`), so a check written for users cannot be skipped by passing nothing: the
checks name what the system may do (`wangge.accounts.permissions`), and `require_actor`
refuses `None` where it could still slip in from untyped code.
"""

from typing import TYPE_CHECKING, Any, TypeAlias, Union

from django.utils.functional import SimpleLazyObject

if TYPE_CHECKING:  # importable before Django is set up (the command line's modules are)
    from django.contrib.auth.models import AnonymousUser, User


class SystemActor:
    """The platform itself: the deadline sweep escalates overdue events; reports from a
    channel that skips acceptance are accepted on arrival; the resident portal records the
    rating (回访) a reporter gave through their private follow link; scheduled jobs (key
    rotation, campaign generation) write under it. It sees every area (`scope_of`) and holds
    no post and no permission: what it may do is named move by move."""

    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    username = "system"

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# Someone not signed in: a resident on the portal, a caller through a channel's key.
ANONYMOUS: "AnonymousUser" = SimpleLazyObject(_anonymous)  # type: ignore[assignment]

Actor: TypeAlias = Union["User", "AnonymousUser", SystemActor]


def is_system(actor: object) -> bool:
    return actor is SYSTEM


def is_user(actor: object) -> bool:
    """A signed-in, active person (not the system, not anonymous)."""
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def require_actor(actor: object) -> Actor:
    """The actor itself; `None` (or anything else) is a programming error, never "skip"."""
    from django.contrib.auth.models import AnonymousUser, User

    if isinstance(actor, (User, AnonymousUser, SystemActor)):
        return actor
    raise TypeError(f"an Actor is required, not {actor!r}")


def needs_check(actor: object) -> bool:
    """Are this actor's rights to be checked? Every actor's but the system's. `None` is
    refused (TypeError): leaving the actor out never skips a check."""
    return not is_system(require_actor(actor))


def author(actor: Actor) -> "User | None":
    """The user to record as having done something: None for the system or an anonymous one."""
    from django.contrib.auth.models import User

    return actor if isinstance(actor, User) and actor.pk is not None else None


def user_of(actor: Actor) -> "User":
    """The signed-in user behind an action only a person can take (a visit, a patrol, a
    signature). The permission checks before it have refused anyone else; reaching here
    with the system or an anonymous actor is a programming error."""
    from django.contrib.auth.models import User

    if isinstance(actor, User) and actor.pk is not None:
        return actor
    raise TypeError(f"a signed-in user is required, not {actor!r}")
