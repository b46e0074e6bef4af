"""The computations of issue 16 against hand-built worlds: 应结案 (due to close) of a period
in runs and the monthly bulletin, 签收及时率 over every lead order, the daily bulletin's new
hot spots, and the bounded catch-up of the worker's schedules."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from tests.assessment.helpers import fact, filled_to, street_scheme
from tests.events.factories import make_world, report
from wangge import cli
from wangge.events import workflow as wf
from wangge.events.models import Category, WorkOrder
from wangge.stats import fill
from wangge.stats.assessment import bulletins, due, services
from wangge.stats.assessment.models import Bulletin, Indicator, Run, Scheme, SchemeItem
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local(y: int, m: int, d: int, h: int = 12) -> datetime:
    return timezone.make_aware(datetime(y, m, d, h))


# -- 应结案 -----------------------------------------------------------------------------


@pytest.fixture
def owed():
    """Street A's cases and where they stand in November 2026 (due · closed):"""
    w = make_world()
    a = w.areas["330103001"]

    def case(reported, deadline, closed_at=None):
        return fact(
            a,
            reported,
            accepted=True,
            closed=closed_at is not None,
            handle_deadline=deadline,
            closed_at=closed_at,
        ).event_id

    w.cases = {
        # due in November, closed early in it: due · closed
        "in_closed": case(date(2026, 11, 10), local(2026, 11, 15), local(2026, 11, 12)),
        # reported in November, due in December: neither
        "due_later": case(date(2026, 11, 20), local(2026, 12, 2)),
        # due in October, still open: carried into November, due · not closed
        "carried_open": case(date(2026, 10, 20), local(2026, 10, 25)),
        # due in October, closed on 3 November: still open at the start, due · closed
        "carried_closed": case(date(2026, 10, 20), local(2026, 10, 28), local(2026, 11, 3)),
        # due and closed in October: neither
        "october": case(date(2026, 10, 1), local(2026, 10, 5), local(2026, 10, 6)),
        # due in November, closed on 1 December: due · not closed
        "closed_late": case(date(2026, 11, 25), local(2026, 11, 28), local(2026, 12, 1)),
        # a merged duplicate due in November: neither
        "merged": case(date(2026, 11, 11), local(2026, 11, 20)),
    }
    EventFact.objects.filter(event_id=w.cases["merged"]).update(status="merged", accepted=False)
    w.due = sorted(
        w.cases[k] for k in ("in_closed", "carried_open", "carried_closed", "closed_late")
    )
    w.closed = sorted(w.cases[k] for k in ("in_closed", "carried_closed"))
    return w


def test_due_to_close_by_the_fields_definition_and_its_cases(owed):
    a = owed.areas["330103001"]
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert due.cases(a, *nov) == {"due": owed.due, "closed": owed.closed}
    assert due.counts(a, *nov) == {"due": 4, "closed": 2}
    assert due.counts(owed.areas["330103"], *nov) == {"due": 4, "closed": 2}
    assert due.by_child(owed.areas["330103"], *nov) == {a.pk: {"due": 4, "closed": 2}}
    # December: the case due in December, and the two still open at its start
    december = due.cases(a, date(2026, 12, 1), date(2026, 12, 31))
    assert december["due"] == sorted(
        owed.cases[k] for k in ("due_later", "carried_open", "closed_late")
    )
    assert december["closed"] == [owed.cases["closed_late"]]


def test_the_close_rate_indicator_counts_the_due_cases(owed):
    street_scheme()
    run = services.run_period("street", "2026-11")
    close = run.results.get(target_id=owed.areas["330103001"].pk).detail["indicators"][0]
    assert (close["numerator"], close["denominator"], close["value"]) == (2, 4, "50.00")
    assert close["numerator_events"] == owed.closed
    assert close["denominator_events"] == owed.due


def test_the_close_rate_counts_cases_reported_before_the_month(owed):
    """December's run: every due case was reported earlier (due in December; due earlier
    and still open; due earlier and closed since its start), each read by its own part."""
    street_scheme()
    run = services.run_period("street", "2026-12")
    close = run.results.get(target_id=owed.areas["330103001"].pk).detail["indicators"][0]
    due_ = sorted(owed.cases[k] for k in ("due_later", "carried_open", "closed_late"))
    assert (close["numerator"], close["denominator"]) == (1, 3)
    assert close["numerator_events"] == [owed.cases["closed_late"]]
    assert close["denominator_events"] == due_


def test_the_monthly_bulletin_counts_the_due_cases(owed):
    district, a = owed.areas["330103"], owed.areas["330103001"]
    b = bulletins.generate("monthly", "2026-11", date(2026, 11, 1), date(2026, 11, 30), district)
    m = b.data["monthly"]
    assert (m["due"], m["closed"], m["close_rate_text"]) == (4, 2, "50.0%")
    unit = next(u for u in b.data["units"] if u["code"] == a.code)
    assert (unit["due"], unit["closed"], unit["closed_rate"]) == (4, 2, 0.5)
    listed = due.cases(district, date(2026, 11, 1), date(2026, 11, 30))
    assert (len(listed["due"]), len(listed["closed"])) == (m["due"], m["closed"])


# -- 签收及时率 ---------------------------------------------------------------------------


def _sign_scheme():
    scheme = Scheme.objects.create(
        code="dep", name="部门考核", target_type="department", valid_from="2026-11-01"
    )
    SchemeItem.objects.create(
        scheme=scheme, indicator=Indicator.objects.get(code="sign_on_time"), weight=100
    )


def _deadline(event, department, due_in):
    WorkOrder.objects.filter(event=event, department=department, role="lead").exclude(
        status="returned"
    ).update(sign_deadline=timezone.now() + due_in)


def test_every_lead_order_a_department_received_counts(clock):
    clock("2026-11-10T09:00+08:00")
    w = make_world()
    hour = timedelta(hours=1)
    # e1: the city signs late and returns it; dispatched again, the market signs on time.
    e1 = wf.event_accept(event=report(w), actor=w.operator)
    e1 = wf.event_dispatch(event=e1, actor=w.operator, lead=w.city)
    _deadline(e1, w.city, -hour)
    e1 = wf.event_sign(event=e1, actor=w.city_handler)
    e1 = wf.event_return(event=e1, actor=w.city_handler, reason="不属本部门")
    e1 = wf.event_dispatch(event=e1, actor=w.operator, lead=w.market)
    _deadline(e1, w.market, hour)
    e1 = wf.event_sign(event=e1, actor=w.market_handler)
    # e2: joint dispatch, the city leads and signs on time (the market's assist order does
    # not count: 签收 is the lead's).
    e2 = wf.event_accept(event=report(w), actor=w.operator)
    e2 = wf.event_dispatch(event=e2, actor=w.operator, lead=w.city, assists=[w.market])
    _deadline(e2, w.city, hour)
    e2 = wf.event_sign(event=e2, actor=w.city_handler)
    # e3: the market has not signed, its deadline passed.
    e3 = wf.event_accept(event=report(w), actor=w.operator)
    e3 = wf.event_dispatch(event=e3, actor=w.operator, lead=w.market)
    _deadline(e3, w.market, -hour)
    fill.rebuild(now=timezone.now())
    _sign_scheme()
    run = services.run_period("dep", "2026-11")

    def item(dep):
        return run.results.get(target_id=dep.pk).detail["indicators"][0]

    city, market = item(w.city), item(w.market)
    assert (city["numerator"], city["denominator"], city["value"]) == (1, 2, "50.00")
    assert city["numerator_events"] == [e2.pk]
    assert city["denominator_events"] == [e1.pk, e2.pk]
    assert (market["numerator"], market["denominator"]) == (1, 2)
    assert market["numerator_events"] == [e1.pk]
    assert market["denominator_events"] == [e1.pk, e3.pk]


# -- new hot spots ---------------------------------------------------------------------


@pytest.fixture
def hot(settings):
    settings.WANGGE_BULLETIN_HOT_DAYS = 7
    settings.WANGGE_BULLETIN_HOT_FACTOR = 2
    settings.WANGGE_BULLETIN_HOT_MIN = 3
    w = make_world()
    a, b = w.areas["330103001"], w.areas["330103002"]
    one, two = Category.objects.filter(parent__isnull=True).order_by("code")[:2]
    day = date(2026, 11, 30)

    def facts(area, cls, d, n):
        for _i in range(n):
            fact(area, d, category_class=cls.pk)

    for back in range(1, 8):
        facts(a, one, day - timedelta(days=back), 1)  # average 1 …
        facts(b, one, day - timedelta(days=back), 2)  # average 2 …
        facts(b, two, day - timedelta(days=back), 3)  # average 3 …
    facts(a, two, day - timedelta(days=8), 14)  # before the window: not in the average
    facts(a, one, day, 5)  # … 5 on the day: +4, hot
    facts(a, two, day, 3)  # none before: +3, hot
    facts(b, one, day, 4)  # … 4: twice the average but only +2, not hot
    facts(b, two, day, 6)  # … 6: +3, hot
    w.one, w.two, w.day = one, two, day
    return w


def test_new_hot_spots_against_the_days_before(hot):
    a, b = hot.areas["330103001"], hot.areas["330103002"]
    with translation.override("zh-hans"):
        spots = bulletins.hot_spots(hot.areas["330103"], hot.day)
    assert [(s["unit"], s["category"], s["reported"], s["average"]) for s in spots] == [
        (a.name, hot.one.name, 5, 1.0),
        (a.name, hot.two.name, 3, 0.0),
        (b.name, hot.two.name, 6, 3.0),
    ]
    assert spots[0]["text"] == "5 件，较前7日日均 +4"
    assert spots[2]["text"] == "6 件，较前7日日均 +3"


def test_hot_spots_in_the_daily_bulletin_and_the_rule_is_a_setting(hot, settings):
    district = hot.areas["330103"]
    b = bulletins.generate("daily", "2026-11-30", hot.day, hot.day, district)
    assert len(b.data["hot_spots"]) == 3
    settings.WANGGE_BULLETIN_HOT_MIN = 4
    assert [s["reported"] for s in bulletins.hot_spots(district, hot.day)] == [5]
    settings.WANGGE_BULLETIN_HOT_DAYS = 8  # a's 14 cases of the 8th day back now count
    settings.WANGGE_BULLETIN_HOT_MIN = 3
    assert [(s["reported"], s["average"]) for s in bulletins.hot_spots(district, hot.day)] == [
        (5, 0.88),  # a, first class: 7 / 8
        (6, 2.62),  # b, second class: 21 / 8 (a's second class: 3 against 14 / 8, not hot)
    ]


# -- catch-up limits -------------------------------------------------------------------


@pytest.fixture
def schedule(settings):
    settings.WANGGE_ASSESS_WAIT_HOURS = 72
    settings.WANGGE_ASSESS_PERIODS = ["month"]
    settings.WANGGE_ASSESS_CATCHUP_PERIODS = 3
    w = make_world()
    street_scheme(valid_from=date(2026, 1, 1))
    return w


def test_runs_fire_once_per_period_and_catch_up_at_most_the_limit(schedule, clock, capsys):
    made = services.run_due(now=at("2026-03-05T00:00+08:00"))
    assert [r.period for r in made] == ["2026-01", "2026-02"]  # none applies to December
    assert services.run_due(now=at("2026-03-05T00:01+08:00")) == []
    # The worker is down from March to October: July, August, September are caught up, once;
    # March to June are skipped (with a warning), not run.
    made = services.run_due(now=at("2026-10-05T00:00+08:00"))
    assert [r.period for r in made] == ["2026-07", "2026-08", "2026-09"]
    assert services.run_due(now=at("2026-10-05T00:01+08:00")) == []
    assert services.skipped_periods(at("2026-10-05T00:01+08:00")) == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    assert not Run.objects.filter(period="2026-03").exists()
    clock("2026-10-05T00:02+08:00")
    filled_to(timezone.now())
    cli.main(["stats", "status"])
    assert "2026-03, 2026-04, 2026-05, 2026-06" in capsys.readouterr().err
    services.run_period("street", "2026-06")  # made by hand: the ones before stay skipped
    assert services.skipped_periods() == ["2026-03", "2026-04", "2026-05"]


def test_bulletins_catch_up_at_most_the_limit(schedule):
    filled_to(at("2026-12-01T00:00:25+08:00"))
    made = {(b.kind, b.period) for b in bulletins.generate_due(now=at("2026-12-01T00:00:30+08:00"))}
    assert {p for k, p in made if k == "daily"} == {"2026-11-28", "2026-11-29", "2026-11-30"}
    assert {p for k, p in made if k == "monthly"} == {"2026-09", "2026-10", "2026-11"}
    # Down until 20 December: the last three days and the two weeks missed, once.
    filled_to(at("2026-12-20T09:00+08:00"))
    made = bulletins.generate_due(now=at("2026-12-20T09:00:10+08:00"))
    assert sorted((b.kind, b.period) for b in made) == [
        ("daily", "2026-12-17"),
        ("daily", "2026-12-18"),
        ("daily", "2026-12-19"),
        ("weekly", "2026-W49"),
        ("weekly", "2026-W50"),
    ]
    assert bulletins.generate_due(now=at("2026-12-20T09:01+08:00")) == []
    skipped = bulletins.skipped_periods(date(2026, 12, 20))
    assert skipped == [("daily", f"2026-12-{d:02d}") for d in range(1, 17)]
    assert not Bulletin.objects.filter(period="2026-12-01").exists()
