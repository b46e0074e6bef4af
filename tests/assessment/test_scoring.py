"""Points, bands, caps, grades and ranks against hand-computed values (no database)."""

from decimal import Decimal as D

import pytest

from wangge.stats.assessment import scoring

LINEAR = {"higher_is_better": True, "bands": [], "floor": "50", "target": "100"}
LOWER = {"higher_is_better": False, "bands": [], "floor": "20", "target": "0"}
BANDS = {"higher_is_better": True, "bands": [[90, 1], [80, "0.5"]], "floor": "0", "target": "0"}


@pytest.mark.parametrize(
    ("item", "value", "share"),
    [
        (LINEAR, D(75), D("0.5")),
        (LINEAR, D(40), D(0)),
        (LINEAR, D(100), D(1)),
        (LINEAR, None, D(1)),  # empty denominator: nothing failed
        (LOWER, D(5), D("0.75")),  # 返工率 5 %: floor 20 %, target 0 %
        (LOWER, D(30), D(0)),
        (BANDS, D(95), D(1)),
        (BANDS, D(85), D("0.5")),
        (BANDS, D("79.99"), D(0)),
    ],
)
def test_share(item, value, share):
    assert scoring.share(item, value) == share


def test_value_rounds_a_ratio_and_keeps_a_count():
    assert scoring.value(2, 3, True) == D("66.67")
    assert scoring.value(0, 0, True) is None
    assert scoring.value(4, 0, False) == D(4)


def test_adjustments_are_capped_both_ways():
    assert scoring.adjustment_points(3, D(-5), D(-10)) == D(-10)
    assert scoring.adjustment_points(1, D(-5), D(-10)) == D(-5)
    assert scoring.adjustment_points(7, D(1), D(5)) == D(5)


@pytest.mark.parametrize(
    ("score", "grade"),
    [(D(100), "A"), (D(90), "A"), (D("89.99"), "B"), (D(70), "C"), (D(60), "D"), (D(0), "E")],
)
def test_default_grades(score, grade):
    assert scoring.grade(score, []) == grade


def test_competition_ranks():
    assert scoring.ranks([D(60), D(100), D(100), D(80)]) == [4, 1, 1, 3]


def test_matches_negated_flags():
    row = {"dispatched": True, "dispatched_accurately": False}
    assert scoring.matches(["dispatched", "!dispatched_accurately"], row)
    assert not scoring.matches(["dispatched_accurately"], row)
