"""Driving the loop for figure tests, and reading the derived tables back for comparing."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from tests.events.factories import World, report
from wangge.events import workflow as wf
from wangge.events.models import Event
from wangge.stats import fill
from wangge.stats.facts import FACT_COLUMNS
from wangge.stats.models import EventFact, Rollup
from wangge.stats.rollups import ROLLUP_COLUMNS


def close_path(w: World, e: Event, *, satisfaction: str = "satisfied", lead: Any = None) -> Event:
    """accept → dispatch → sign → feedback → verify → close → callback."""
    lead = lead or w.city
    handler = w.city_handler if lead == w.city else w.market_handler
    e = wf.event_accept(event=e, actor=w.operator)
    e = wf.event_dispatch(event=e, actor=w.operator, lead=lead)
    e = wf.event_sign(event=e, actor=handler)
    e = wf.event_feedback(event=e, actor=handler, note="已处理")
    e = wf.event_verify(event=e, actor=w.worker, passed=True)
    e = wf.event_close(event=e, actor=w.operator)
    if satisfaction:
        e = wf.event_callback(event=e, actor=w.operator, satisfaction=satisfaction)
    return e


def fill_now(now: datetime | None = None) -> fill.FillReport:
    return fill.fill(now=now or timezone.now())


def tables() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Facts and rollups as sorted tuples (rollups without their ids)."""
    facts = sorted(EventFact.objects.values_list(*FACT_COLUMNS))
    rows = sorted(Rollup.objects.values_list(*ROLLUP_COLUMNS))
    return facts, rows


__all__ = ["close_path", "fill_now", "report", "tables"]
