"""When the demo's reports come in: over ninety days, at their own time of day or a daytime
hour, never after now."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from wangge.dev import history

NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _report(i: int, of_day: dt.time | None = None) -> history.Report:
    return history.Report(f"k{i}", "0102", "t", "d", "grid_app", time_of_day=of_day)


def test_report_times_spread_over_ninety_days_at_their_hours(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    reports = [_report(i) for i in range(300)] + [
        _report(300 + i, dt.time(23, 5)) for i in range(50)
    ]
    times = history.report_times(np.random.default_rng(1), reports, NOW)
    local = [t.astimezone(NOW.tzinfo) for t in times]
    assert all(NOW - dt.timedelta(days=91) < t <= NOW for t in local)
    assert all(7 <= t.hour < 22 for t in local[:300])
    assert {(t.hour, t.minute) for t in local[300:]} == {(23, 5)}
    assert len({t.date() for t in local}) > 60
    # A busier recent fortnight: today's queues have something in them.
    assert sum(t > NOW - dt.timedelta(days=14) for t in local) > 350 * 0.3
    assert times == history.report_times(np.random.default_rng(1), reports, NOW)
