"""Bulletins (通报): the closed day, week and month; generated once, when the figures reach
the close (also after the worker was down); the dashboard's numbers; the xlsx; the print
view, the archive, subscribers' inboxes and scope."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.assessment.helpers import fact, filled_to, street_scheme
from tests.events.factories import make_world
from wangge.events.models import Notification
from wangge.stats import dashboard, rollups, selectors
from wangge.stats.assessment import bulletins, services
from wangge.stats.assessment.models import Bulletin, Subscription

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def w(settings, clock):
    settings.WANGGE_BULLETIN_LEVELS = 1
    settings.WANGGE_BULLETIN_SATISFACTION_FLOOR = 90
    settings.WANGGE_ASSESS_CATCHUP_PERIODS = 2  # the last two days, weeks, months
    clock("2026-12-01T00:00:20+08:00")  # posts start today: before the world is made
    world = make_world()
    a, b = world.areas["330103001"], world.areas["330103002"]
    days = [date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 30)]
    # Street A: every case closed, all satisfied; street B: half closed, one in two satisfied.
    for d in days:
        fact(a, d, accepted=True, closed=True, called_back=True, satisfied=True)
        fact(b, d, accepted=True, closed=True, called_back=True, satisfied=True)
        fact(b, d, accepted=True, called_back=True, overdue_ever=True)
    fact(b, date(2026, 11, 30))  # reported only
    rollups.refill(days)
    world.district = world.areas["330103"]
    return world


def test_the_closed_periods_at_month_and_year_ends():
    assert bulletins.closed_periods(date(2026, 12, 1)) == [
        ("daily", "2026-11-30", date(2026, 11, 30), date(2026, 11, 30)),
        ("weekly", "2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("monthly", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ]
    assert bulletins.closed_periods(date(2027, 1, 1)) == [
        ("daily", "2026-12-31", date(2026, 12, 31), date(2026, 12, 31)),
        ("weekly", "2026-W52", date(2026, 12, 21), date(2026, 12, 27)),
        ("monthly", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ]
    monday = bulletins.closed_periods(date(2026, 12, 7))[1]
    assert monday[1:] == ("2026-W49", date(2026, 11, 30), date(2026, 12, 6))


def test_generated_once_when_the_figures_reach_the_close(w):
    now = at("2026-12-01T00:00:30+08:00")
    filled_to(at("2026-11-30T23:59:50+08:00"))
    # The fill has not passed midnight yet: not November 30th's day nor the month (the
    # day and the weeks before are made: the missed ones are caught up).
    made = {(b.kind, b.period) for b in bulletins.generate_due(now=now)}
    assert ("weekly", "2026-W48") in made and ("daily", "2026-11-29") in made
    assert not {("daily", "2026-11-30"), ("monthly", "2026-11")} & made
    filled_to(at("2026-12-01T00:00:25+08:00"))
    made = bulletins.generate_due(now=now)
    assert sorted((b.kind, b.period, b.area_id) for b in made) == [
        ("daily", "2026-11-30", w.district.id),
        ("monthly", "2026-11", w.district.id),
    ]
    assert bulletins.generate_due(now=at("2026-12-01T00:01:30+08:00")) == []
    assert Bulletin.objects.filter(kind="daily").count() == 2


def test_a_worker_down_over_the_close_catches_up(w, settings):
    settings.WANGGE_ASSESS_CATCHUP_PERIODS = 3
    filled_to(at("2026-12-01T09:00+08:00"))
    made = {(b.kind, b.period) for b in bulletins.generate_due(now=at("2026-12-01T09:00:10+08:00"))}
    assert {("daily", "2026-11-30"), ("weekly", "2026-W48"), ("monthly", "2026-11")} <= made
    # Down for three days: the days missed are made at the next tick, once.
    filled_to(at("2026-12-04T08:00+08:00"))
    made = bulletins.generate_due(now=at("2026-12-04T08:00:10+08:00"))
    assert sorted(b.period for b in made) == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert bulletins.generate_due(now=at("2026-12-04T08:01+08:00")) == []


PERIODS = {"daily": "2026-11-30", "weekly": "2026-W48", "monthly": "2026-11"}


def _bulletin(w, kind: str) -> Bulletin:
    filled_to(at("2026-12-01T00:00:25+08:00"))
    bulletins.generate_due(now=at("2026-12-01T00:00:30+08:00"))
    return Bulletin.objects.get(kind=kind, period=PERIODS[kind])


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_the_numbers_are_the_dashboards(w, kind):
    b = _bulletin(w, kind)
    f = selectors.Filters(area=w.district, date_from=b.date_from, date_to=b.date_to)
    board = {x["key"]: x for x in dashboard.overview(f)["figures"]}
    for x in b.data["figures"]:
        assert x["value"] == board[x["key"]]["value"], x["key"]
        assert x.get("denominator") == board[x["key"]].get("denominator")
    assert b.data["counts"] == dashboard.overview(f)["counts"]


def test_daily_weekly_and_monthly_content(w):
    a, b = w.areas["330103001"], w.areas["330103002"]
    daily = _bulletin(w, "daily").data
    assert daily["counts"]["reported"] == 4 and daily["counts"]["closed"] == 2
    assert [u["code"] for u in daily["hot_units"]][:2] == [b.code, a.code]
    weekly = Bulletin.objects.get(kind="weekly", period="2026-W48").data
    assert weekly["changes"]["reported"] == 6  # 6 this week (23rd and 29th), none before
    assert [u["code"] for u in weekly["units_full"]] == [a.code]
    assert [(u["code"], u["satisfaction_rate"]) for u in weekly["units_below_floor"]] == [
        (b.code, 0.5)
    ]
    assert weekly["top_categories"][0]["share"] == 1.0
    monthly = Bulletin.objects.get(kind="monthly", period="2026-11").data["monthly"]
    assert (monthly["reported"], monthly["accepted"], monthly["closed"]) == (10, 9, 6)
    assert monthly["close_rate_text"] == "66.7%"


def test_monthly_bulletin_holds_the_published_scores_and_reasons(w):
    street_scheme()
    run = services.run_period("street", "2026-11", now=at("2026-12-01T00:00:10+08:00"))
    services.publish_run(run, now=at("2026-12-01T00:00:15+08:00"))
    data = _bulletin(w, "monthly").data
    scores = data["scores"][0]
    assert scores["scheme"] == "street"
    by_code = {r["code"]: r for r in scores["results"]}
    b = w.areas["330103002"]
    last = max(r["rank"] for r in scores["results"])  # the streets without cases score 100
    assert by_code[b.code]["rank"] == last and by_code[b.code]["reasons"]


def test_a_run_published_after_the_bulletin_fills_in_its_scores(w):
    bulletin = _bulletin(w, "monthly")
    assert bulletin.data["scores"] == []
    street_scheme()
    run = services.run_period("street", "2026-11", now=at("2026-12-04T00:00:10+08:00"))
    bulletin.refresh_from_db()
    assert bulletin.data["scores"] == []  # a draft is not in it
    services.publish_run(run)
    bulletin.refresh_from_db()
    assert bulletin.data["scores"][0]["scheme"] == "street"
    assert Bulletin.objects.get(kind="daily", period="2026-11-30").data.get("scores") is None


def test_xlsx_opens_with_the_numbers_as_numbers(w, client):
    b = _bulletin(w, "monthly")
    client.force_login(w.admin)
    resp = client.get(f"/assessment/bulletins/{b.pk}/xlsx/")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.content))
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2"
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    figures = {x["label"]: x for x in b.data["figures"]}
    for label, x in figures.items():
        assert rows[label][1] == x["value"]
        assert isinstance(rows[label][1], int | float | type(None))
    rate_row = next(r for r in ws.iter_rows(min_row=2) if "denominator" in figures[r[0].value])
    assert rate_row[1].number_format == "0.0%"
    units = book.worksheets[1]
    assert units.freeze_panes == "A2"
    assert all(isinstance(r[2], int) for r in units.iter_rows(min_row=2, values_only=True))


def test_archive_print_view_scope_and_subscribers(w, client):
    Subscription.objects.create(user=w.admin, kind="monthly")
    Subscription.objects.create(user=w.street_operator, kind="monthly")
    b = _bulletin(w, "monthly")
    links = Notification.objects.filter(kind="bulletin", user=w.admin).values_list(
        "link", flat=True
    )
    assert f"/assessment/bulletins/{b.pk}/" in links  # October's too (caught up)
    # The street operator cannot see the district: no inbox row, no page.
    assert not Notification.objects.filter(kind="bulletin", user=w.street_operator).exists()
    client.force_login(w.admin)
    assert f"/assessment/bulletins/{b.pk}/" in client.get("/assessment/bulletins/").content.decode()
    page = client.get(f"/assessment/bulletins/{b.pk}/").content.decode()
    assert "size:A4" in page and "应结案" in page and w.areas["330103002"].name in page
    body = client.get("/api/assessment/bulletins?kind=monthly").json()
    assert [x["period"] for x in body["items"]] == ["2026-11", "2026-10"]  # newest first
    assert client.get(f"/api/assessment/bulletins/{b.pk}").json()["data"]["monthly"]["closed"] == 6
    client.force_login(w.street_operator)
    assert client.get(f"/assessment/bulletins/{b.pk}/").status_code == 404
    assert client.get(f"/assessment/bulletins/{b.pk}/xlsx/").status_code == 404
    assert client.get("/api/assessment/bulletins").json()["items"] == []
    resp = client.put(
        "/api/assessment/bulletins/subscription",
        {"kinds": ["daily", "hourly"]},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "kinds"
    resp = client.put(
        "/api/assessment/bulletins/subscription",
        {"kinds": ["daily"]},
        content_type="application/json",
    )
    assert resp.json() == {"kinds": ["daily"]}
    assert list(
        Subscription.objects.filter(user=w.street_operator).values_list("kind", flat=True)
    ) == ["daily"]
