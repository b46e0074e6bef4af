"""Assessment indicators that count the grid activities (notices) of each target area: a
count scored like any other (floor → target), per street, frozen in the run's results."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.events.factories import make_world
from wangge.notices import activities
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Indicator, Scheme, SchemeItem, Source

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 10)


@pytest.fixture
def w(clock):
    clock("2026-12-03T10:00+08:00")
    world = make_world()
    activities.install_kinds()
    sessions = Indicator.objects.create(
        code="act_sessions",
        name="活动场次",
        ratio=False,
        unit="次",
        targets=["area"],
        source=Source.ACTIVITY_SESSIONS,
    )
    reached = Indicator.objects.create(
        code="act_people",
        name="服务人次",
        ratio=False,
        unit="人次",
        targets=["area"],
        source=Source.ACTIVITY_PEOPLE,
    )
    scheme = Scheme.objects.create(
        code="party", name="党建考核", target_type="area", level=2, valid_from=date(2026, 11, 1)
    )
    # 场次 50 points from 0 to 4 sessions; 服务人次 50 points from 0 to 200.
    SchemeItem.objects.create(scheme=scheme, indicator=sessions, weight=50, floor=0, target=4)
    SchemeItem.objects.create(scheme=scheme, indicator=reached, weight=50, floor=0, target=200)
    return world


def _record(w, code, reached, day=NOV):
    activities.activity_record(
        actor=w.admin,
        kind_code="xuanjiang",
        title="宣讲",
        held_on=day,
        area=w.areas[code],
        people_reached=reached,
    )


def test_activity_counts_score_each_street(w):
    _record(w, "330103001001001", 100)  # street A, grid
    _record(w, "330103001002001", 60)  # street A, another grid
    _record(w, "330103001", 40)  # street A itself
    _record(w, "330103002001001", 10)  # street B
    _record(w, "330103", 500)  # the district: no street's
    _record(w, "330103001001001", 900, day=date(2026, 10, 30))  # October
    run = services.run_period("party", "2026-11")
    results = {r.target_code: r for r in run.results.all()}
    a, b = results["330103001"], results["330103002"]
    items = {i["code"]: i for i in a.detail["indicators"]}
    assert (items["act_sessions"]["numerator"], items["act_people"]["numerator"]) == (3, 200)
    assert items["act_sessions"]["denominator"] is None
    # 3 of 4 sessions → 37.5; 200 of 200 people → 50
    assert a.score == Decimal("87.50")
    b_items = {i["code"]: i["numerator"] for i in b.detail["indicators"]}
    assert b_items == {"act_sessions": 1, "act_people": 10}
    assert b.score == Decimal("15.00")  # 12.50 + 2.50
    assert run.snapshot["items"][0]["source"] == Source.ACTIVITY_SESSIONS
    # Frozen once published: a later activity changes nothing.
    services.publish_run(run)
    _record(w, "330103002001001", 1000)
    assert run.results.get(target_code="330103002").score == Decimal("15.00")


def test_an_activity_indicator_is_a_count_not_a_ratio():
    bad = Indicator(
        code="x", name="x", ratio=True, targets=["area"], source=Source.ACTIVITY_SESSIONS
    )
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "ratio" in exc.value.message_dict
