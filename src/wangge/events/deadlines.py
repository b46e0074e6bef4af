"""Stage deadlines from the category × priority table, on the working calendar."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from wangge.events import calendar
from wangge.events.models import Category, CategoryDeadline, DeadlineUnit, Priority, Stage
from wangge.process_cache import ProcessCache

# Used where neither a category nor its parent sets a stage's deadline.
DEFAULTS: dict[str, dict[str, tuple[int, str]]] = {
    Priority.NORMAL: {
        Stage.ACCEPT: (2, DeadlineUnit.WORK_HOURS),
        Stage.SIGN: (4, DeadlineUnit.WORK_HOURS),
        Stage.HANDLE: (5, DeadlineUnit.WORK_DAYS),
    },
    Priority.URGENT: {
        Stage.ACCEPT: (1, DeadlineUnit.HOURS),
        Stage.SIGN: (2, DeadlineUnit.HOURS),
        Stage.HANDLE: (24, DeadlineUnit.HOURS),
    },
    Priority.CRITICAL: {
        Stage.ACCEPT: (1, DeadlineUnit.HOURS),
        Stage.SIGN: (1, DeadlineUnit.HOURS),
        Stage.HANDLE: (4, DeadlineUnit.HOURS),
    },
}


# The catalogue and its deadline table are small and read on every transition and report:
# kept per process, re-read after CACHE_SECONDS (back-office edits reach every other process
# within that; this process forgets them at once: see EventsConfig.ready).
CACHE_SECONDS = 60.0
_Table = dict[tuple[int, str, str], tuple[int, str]]
_Catalogue = tuple[_Table, dict[int, Category], dict[str, Category]]


def _read_catalogue() -> _Catalogue:
    rows = CategoryDeadline.objects.values_list(
        "category_id", "priority", "stage", "amount", "unit"
    )
    table = {(c, p, s): (a, u) for c, p, s, a, u in rows}
    by_id = Category.objects.in_bulk()
    return table, by_id, {c.code: c for c in by_id.values()}


_catalogue: ProcessCache[_Catalogue] = ProcessCache(_read_catalogue, seconds=lambda: CACHE_SECONDS)


def _load() -> _Catalogue:
    return _catalogue.get()


def category(category_id: int) -> Category:
    """A category from the same per-process cache (the catalogue changes rarely); shared,
    to read only."""
    found = _load()[1].get(category_id)
    if found is None:  # added since the cache was filled
        found = _catalogue.reload()[1][category_id]
    return found


def category_by_code(code: str) -> Category | None:
    """The category `code` (active or not) from the per-process cache; None when unknown."""
    found = _load()[2].get(code)
    if found is None:  # added since the cache was filled?
        found = _catalogue.reload()[2].get(code)
    return found


def forget() -> None:
    _catalogue.forget()


def forget_on_change(sender: Any = None, using: str | None = None, **kwargs: Any) -> None:
    """A category or deadline row changed (save/delete signals): forget now, and again after
    the commit, as a thread may have read the old rows meanwhile."""
    _catalogue.forget_now_and_on_commit(using)


def rule(category: Category, priority: str, stage: str) -> tuple[int, str]:
    """(amount, unit) for a stage: the category's own row, its parent's, or the default."""
    table = _load()[0]
    own = table.get((category.pk, priority, stage))
    inherited = table.get((category.parent_id or 0, priority, stage))
    return own or inherited or DEFAULTS[priority][stage]


def stage_deadline(
    category: Category, priority: str, stage: str, start: datetime
) -> tuple[datetime, datetime]:
    """The stage's deadline and when its yellow alert starts (a set share of the time)."""
    amount, unit = rule(category, priority, stage)
    due = calendar.deadline_after(start, amount, unit)
    share = settings.WANGGE_YELLOW_SHARE
    if unit == DeadlineUnit.HOURS:
        yellow = start + timedelta(seconds=(due - start).total_seconds() * share)
    else:
        yellow = calendar.add_working_hours(
            start, calendar.working_hours_between(start, due) * share
        )
    return due, calendar.whole_minute(yellow)
