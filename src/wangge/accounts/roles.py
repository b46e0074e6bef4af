"""An account's roles outside its posts: administrator (superuser), back-office staff,
active, and its groups (the auditor's, 审计员). Every change made in the back office is
told to the audit log (`accounts.audit`, which imports this module: it listens here, as
for lockouts)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wangge.accounts.actors import Actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class RoleChange:
    actor: Actor
    user_id: int
    username: str
    before: dict[str, Any]
    after: dict[str, Any]
    ip: str = ""


_listeners: list[Callable[[RoleChange], None]] = []


def listen(fn: Callable[[RoleChange], None]) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def roles_of(user: "User") -> dict[str, Any]:
    if user is None or user.pk is None:
        return {"superuser": False, "staff": False, "active": False, "groups": []}
    return {
        "superuser": bool(user.is_superuser),
        "staff": bool(user.is_staff),
        "active": bool(user.is_active),
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def role_change_record(*, actor: Actor, user: "User", before: dict[str, Any], ip: str = "") -> bool:
    """Tell the listeners (the audit log) when `user`'s roles differ from `before`."""
    after = roles_of(user)
    if after == before:
        return False
    change = RoleChange(actor, user.pk, user.get_username(), before, after, ip)
    for fn in _listeners:
        fn(change)
    return True
