"""One entry of a grid worker's to-do list (merged and ordered by `today`). It imports
nothing of the topic modules that make it, so they and `today` do not import each other."""

import datetime as dt
from dataclasses import dataclass


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
