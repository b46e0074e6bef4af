"""Periods of each frequency across calendar edges (no database)."""

import datetime as dt

import pytest

from wangge.errors import DomainError
from wangge.fieldwork.visits.schedule import period_of

D = dt.date


@pytest.mark.parametrize(
    ("frequency", "day", "key", "start", "end"),
    [
        ("yearly", D(2026, 1, 1), "2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("yearly", D(2026, 12, 31), "2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("quarterly", D(2026, 3, 31), "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("quarterly", D(2026, 4, 1), "2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("quarterly", D(2026, 12, 31), "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("monthly", D(2026, 2, 28), "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("monthly", D(2028, 2, 29), "2028-02", D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        ("monthly", D(2026, 1, 31), "2026-01", D(2026, 1, 1), D(2026, 1, 31)),
        ("monthly", D(2026, 4, 30), "2026-04", D(2026, 4, 1), D(2026, 4, 30)),
        # ISO weeks: 2026-01-01 is a Thursday of week 1; 2027-01-01 (Friday) is in 2026-W53.
        ("weekly", D(2026, 1, 1), "2026-W01", D(2025, 12, 29), D(2026, 1, 4)),
        ("weekly", D(2027, 1, 1), "2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
    ],
)
def test_calendar_periods(frequency, day, key, start, end):
    p = period_of(frequency, day)
    assert (p.key, p.start, p.end) == (key, start, end)


def test_every_n_days_across_leap_day():
    anchor = D(2028, 2, 20)
    # Every 14 days from Feb 20 2028: Feb 20 – Mar 4 holds Feb 29 (15 days would be wrong).
    p = period_of("days", D(2028, 2, 29), 14, anchor)
    assert (p.start, p.end) == (D(2028, 2, 20), D(2028, 3, 4))
    nxt = period_of("days", D(2028, 3, 5), 14, anchor)
    assert (nxt.start, nxt.end, nxt.key) == (D(2028, 3, 5), D(2028, 3, 18), "D14-2028-03-05")
    # Every 10 days from Feb 19: Feb 29 is the 11th day, so it starts the next period.
    assert period_of("days", D(2028, 2, 29), 10, D(2028, 2, 19)).start == D(2028, 2, 29)
    # Before the anchor the periods count backwards.
    assert period_of("days", D(2028, 2, 19), 14, anchor).start == D(2028, 2, 6)


def test_periods_tile_the_calendar():
    """Consecutive days never skip or overlap a period, for every frequency, over 2027–2029."""
    for frequency, n in [("yearly", None), ("quarterly", None), ("monthly", None),
                         ("weekly", None), ("days", 9)]:  # fmt: skip
        day = D(2027, 1, 1)
        prev = period_of(frequency, day, n, D(2028, 2, 29))
        while day < D(2029, 12, 31):
            day += dt.timedelta(days=1)
            p = period_of(frequency, day, n, D(2028, 2, 29))
            assert p.start <= day <= p.end
            if p != prev:
                assert p.start == prev.end + dt.timedelta(days=1), (frequency, day)
                assert p.key != prev.key
            prev = p


def test_every_n_days_needs_n():
    with pytest.raises(DomainError):
        period_of("days", D(2026, 1, 1), None, D(2026, 1, 1))
