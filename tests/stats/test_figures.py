"""Figures against a small world counted by hand; rates' rounding and empty denominators."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from tests.stats.helpers import close_path, fill_now
from wangge.events import workflow as wf
from wangge.events.models import Category
from wangge.stats import selectors
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    return make_world()


def test_rate_text_rounds_half_up_and_handles_empty_denominators():
    assert selectors.rate_text(20997, 21140) == "20,997 / 21,140 = 99.3%"
    assert selectors.rate_text(1, 16) == "1 / 16 = 6.3%"  # 6.25 half up, not to even
    assert selectors.rate_text(0, 0) == "0 / 0 = —"
    assert selectors.rate(0, 0) is None
    assert selectors.rate(2, 3) == 0.6667


def test_small_world_figures(w):
    # Four events in grid 330103001001001's micro-grid, one in the other street.
    closed = close_path(w, report(w), satisfaction="satisfied")
    unhappy = close_path(w, report(w), satisfaction="unsatisfied", lead=w.market)
    returned = wf.event_accept(event=report(w), actor=w.operator)
    returned = wf.event_dispatch(event=returned, actor=w.operator, lead=w.city)
    returned = wf.event_return(event=returned, actor=w.city_handler, reason="不归我管")
    waiting = report(w)
    other = wf.event_report(
        actor=w.other_worker,
        title="井盖缺失",
        category=Category.objects.get(code="0102"),
        area=w.areas["330103002001001"].children.first(),
    )
    # A duplicate: merged into the first (counted once, through its parent).
    dup = wf.event_merge(event=report(w), actor=w.operator, into=waiting)
    fill_now()

    f = selectors.resolve(w.operator, area="330103", period="today")
    counts = selectors.totals(f)
    assert counts["reported"] == 5  # closed, unhappy, returned, waiting, other (not dup)
    assert counts["accepted"] == 3
    assert counts["closed"] == 2
    assert counts["called_back"] == 2 and counts["satisfied"] == 1
    assert counts["dispatched"] == 3 and counts["dispatched_accurately"] == 2
    assert counts["open_reported"] == 2 and counts["open_accepted"] == 1
    assert counts["settled_5"] == 2  # both closed at the micro-grid
    figs = {x["key"]: x for x in selectors.figures(counts)}
    assert figs["closed_rate"]["text"] == "2 / 3 = 66.7%"
    assert figs["satisfaction_rate"]["text"] == "1 / 2 = 50.0%"
    assert figs["rework_rate"]["text"] == "0 / 2 = 0.0%"

    # Drill down: the two streets.
    kids = {a.code: c for a, c in selectors.children(f)}
    assert kids["330103001"]["reported"] == 4 and kids["330103002"]["reported"] == 1
    # The grid worker sees only their grid; the other grid's event never counts.
    mine = selectors.totals(selectors.resolve(w.worker, period="today"))
    assert mine["reported"] == 4
    assert selectors.totals(selectors.resolve(w.other_worker, period="today"))["reported"] == 1
    # By department (lead), by channel.
    deps = {r["key"]: r for r in selectors.breakdown(f, "department")}
    assert deps["cg"]["dispatched"] == 2 and deps["sj"]["closed"] == 1
    assert {r["key"] for r in selectors.breakdown(f, "channel")} == {"grid_app"}
    assert EventFact.objects.get(event_id=dup.pk).reported is False
    assert EventFact.objects.get(event_id=closed.pk).closed_on_time is True
    assert unhappy.status == "closed" and other.status == "reported"


def test_empty_period_gives_zero_over_zero(w):
    fill_now()
    f = selectors.resolve(
        w.operator,
        area="330103",
        period="custom",
        date_from=timezone.localdate() - timedelta(days=40),
        date_to=timezone.localdate() - timedelta(days=35),
    )
    figs = {x["key"]: x for x in selectors.figures(selectors.totals(f))}
    assert figs["closed_rate"]["text"] == "0 / 0 = —" and figs["closed_rate"]["value"] is None
    assert figs["accepted"]["value"] == 0


def test_rollups_and_facts_give_the_same_figures(w, settings):
    """Levels past WANGGE_STATS_ROLLUP_LEVELS and combined filters are counted from the
    facts: the same numbers as from the rollups."""
    close_path(w, report(w))
    close_path(w, report(w, "0101"), lead=w.market, satisfaction="unsatisfied")
    wf.event_accept(event=report(w), actor=w.operator)
    settings.WANGGE_STATS_ROLLUP_LEVELS = 5  # every level rolled up (a change needs a rebuild)
    fill_now()
    asks = [
        {},
        {"category": "01"},
        {"channel": "grid_app"},
        {"department": "cg"},
        {"department": "sj"},
    ]

    def figures_now():
        result = []
        for area in ("330103", "330103001", "330103001001001"):
            for ask in asks:
                f = selectors.resolve(w.operator, area=area, period="7d", **ask)
                result.append(
                    (
                        selectors.totals(f),
                        [(a.code, c) for a, c in selectors.children(f)],
                        selectors.trend(f),
                        [selectors.breakdown(f, d) for d in ("category", "channel", "department")],
                    )
                )
        return result

    rolled = figures_now()
    settings.WANGGE_STATS_ROLLUP_LEVELS = 0
    assert figures_now() == rolled
    assert rolled[0][0]["reported"] == 3
    # Combined filters (from the facts) count what both ask for.
    f = selectors.resolve(w.operator, area="330103", period="7d", department="sj", category="01")
    assert selectors.totals(f)["closed"] == 1


@pytest.mark.parametrize(
    ("start", "end", "months", "before"),
    [
        ("2026-12-01", "2026-12-07", 1, ("2026-11-01", "2026-11-07")),  # this month to date
        ("2026-03-01", "2026-03-31", 1, ("2026-02-01", "2026-02-28")),  # a whole month
        ("2026-03-01", "2026-03-30", 1, ("2026-02-01", "2026-02-28")),  # to a day Feb lacks
        ("2026-11-01", "2026-11-30", 1, ("2026-10-01", "2026-10-31")),  # to the month's end
        ("2026-10-01", "2026-12-07", 3, ("2026-07-01", "2026-09-07")),  # a quarter to date
        ("2026-01-01", "2026-02-15", 12, ("2025-01-01", "2025-02-15")),  # a year to date
        ("2026-01-01", "2026-02-15", 3, ("2025-10-01", "2025-11-15")),  # … a quarter's
        ("2026-12-01", "2026-12-07", 0, ("2026-11-24", "2026-11-30")),  # a run of days
    ],
)
def test_a_period_is_compared_with_the_one_before(start, end, months, before):
    from datetime import date

    from wangge.regions.models import Area
    from wangge.stats.selectors import Filters

    f = Filters(Area(code="x"), date.fromisoformat(start), date.fromisoformat(end), months=months)
    previous = f.previous()
    assert (previous.date_from.isoformat(), previous.date_to.isoformat()) == before
