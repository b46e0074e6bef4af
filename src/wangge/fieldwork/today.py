"""A grid worker's to-do list for today: visits, attendances, inspections and campaign
targets in one list, nearest first.

Each topic module offers `todo(user, today) -> list[TodoItem]` for the work assigned to the
user; this module only merges and orders them.
"""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TodoItem:
    kind: str  # "visit" | "attend" | "inspection" | "campaign"
    pk: int
    title: str
    address: str
    lon: float | None
    lat: float | None
    due: dt.datetime | dt.date | None
    overdue: bool
    url: str  # the mobile page that does the work


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    # Equirectangular approximation: plenty for ordering a worker's nearby tasks.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def todo(
    user: Any, today: dt.date, lon: float | None = None, lat: float | None = None
) -> list[TodoItem]:
    from wangge.fieldwork import attend, campaigns, patrols, visits

    items = [
        *visits.todo(user, today),
        *attend.todo(user, today),
        *patrols.todo(user, today),
        *campaigns.todo(user, today),
    ]
    if lon is None or lat is None:
        return sorted(items, key=lambda i: (not i.overdue, str(i.due or "")))

    def distance(item: TodoItem) -> float:
        if item.lon is None or item.lat is None:
            return math.inf
        return _metres(lon, lat, item.lon, item.lat)

    return sorted(items, key=distance)
