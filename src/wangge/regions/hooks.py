"""What regions tells, and asks of, the apps to its right, which it may not import.

Posts live in `accounts`, right of regions. Two things about them still start here:

- Ending an area ends the posts in its subtree. `area_end` is the one write path for that
  (the back office's action and every other caller use it), so instead of asking each
  caller to also end the posts (one forgetting would leave posts giving sight of an ended
  area), regions keeps a list of callables told in the same transaction, and accounts puts
  its post-ending in it when it loads (`AccountsConfig.ready`).
- The area API shows an area's staff and the grids short of "1+1+N": accounts hands over
  the two readers (`provide_staff`), as it hands over `scope_of` (`regions.scope`).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from wangge.regions.models import Area

AreaEnded = Callable[[Area, dt.date], None]  # the top area ended (its live subtree with it)
StaffOf = Callable[[Area], list[dict[str, str]]]
Shortfalls = Callable[[Any], list[dict[str, Any]]]

_area_ended: list[AreaEnded] = []
_staff: dict[str, Any] = {}


def on_area_ended(fn: AreaEnded) -> None:
    if fn not in _area_ended:
        _area_ended.append(fn)


def area_ended(area: Area, day: dt.date) -> None:
    for fn in _area_ended:
        fn(area, day)


def provide_staff(*, staff_of: StaffOf, shortfalls: Shortfalls) -> None:
    _staff.update(staff_of=staff_of, shortfalls=shortfalls)


def _reader(name: str) -> Any:
    if name not in _staff:
        raise ImproperlyConfigured("wangge.accounts is not loaded: no posts to read")
    return _staff[name]


def staff_of(area: Area) -> list[dict[str, str]]:
    """The live posts at the area: username, name, role, role_name."""
    fn: StaffOf = _reader("staff_of")
    return fn(area)


def shortfalls(user: Any) -> list[dict[str, Any]]:
    """Grids in the user's scope lacking a grid leader or a full-time worker."""
    fn: Shortfalls = _reader("shortfalls")
    return fn(user)
