"""The areas an actor sees, as a value: the subtrees under their live posts, or the whole tree.

What an actor sees is worked out in one place, `wangge.accounts.scope.scope_of`. Regions sits
left of accounts and may not import it, so accounts hands that function over when the app
loads (`AccountsConfig.ready` calls `provide`), and the area reads of this app ask through
`scope_of` below. Nothing here reads posts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from wangge.regions.models import Area


@dataclass(frozen=True)
class Scope:
    """Path prefixes of the subtrees seen; `paths is None` is the whole tree, `()` nothing."""

    paths: tuple[str, ...] | None

    @classmethod
    def everything(cls) -> "Scope":
        return cls(None)

    @classmethod
    def nothing(cls) -> "Scope":
        return cls(())

    @classmethod
    def of(cls, paths: Iterable[str]) -> "Scope":
        """The subtrees of `paths`, a path inside another one's subtree dropped."""
        kept: list[str] = []
        for path in sorted(set(paths)):
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return cls(tuple(kept))

    @property
    def whole(self) -> bool:
        return self.paths is None

    def path_list(self) -> list[str] | None:
        return None if self.paths is None else list(self.paths)

    def q(self, path_field: str = "path") -> Q:
        """A filter on a path field (e.g. "area__path") limiting rows to the scope."""
        if self.paths is None:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        q = Q()
        for path in self.paths:
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    def sees_path(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(p) for p in self.paths)

    def sees(self, area: Area) -> bool:
        return self.sees_path(area.path)


_resolver: Callable[[Any], Scope] | None = None


def provide(resolver: Callable[[Any], Scope]) -> None:
    global _resolver
    _resolver = resolver


def scope_of(actor: Any) -> Scope:
    if _resolver is None:
        raise ImproperlyConfigured("wangge.accounts is not loaded: no scope to ask")
    return _resolver(actor)
