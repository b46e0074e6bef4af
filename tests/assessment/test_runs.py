"""Runs against a hand-computed world: scores, caps, grades, ranks, traceability, versioning,
manual items, scope, the API and the CLI."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from tests.assessment.helpers import fact, street_scheme
from tests.events.factories import make_world
from tests.factories import make_user, post
from wangge import cli
from wangge.errors import DomainError
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Result, RunStatus, SchemeItem
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 10)
NOW = timezone.make_aware(datetime(2026, 12, 3, 2, 0))


@pytest.fixture
def w():
    world = make_world()
    a, b = world.areas["330103001"], world.areas["330103002"]
    # Street A: 4 cases, 3 closed (75 % → 30 of 60), 2 called back both satisfied (40),
    # 3 ever overdue (−15, capped at −10): 60, grade D.
    world.a_closed = [
        fact(
            a, NOV, accepted=True, closed=True, overdue_ever=True, called_back=True, satisfied=True
        ),
        fact(
            a, NOV, accepted=True, closed=True, overdue_ever=True, called_back=True, satisfied=True
        ),
        fact(a, NOV, accepted=True, closed=True),
    ]
    world.a_open = fact(a, NOV, accepted=True, overdue_ever=True)
    # Street B: 2 cases, both closed, none called back (an empty 满意率 fails nothing): 100.
    fact(b, NOV, accepted=True, closed=True)
    fact(b, NOV, accepted=True, closed=True)
    # October's case, due and closed in October, is not November's.
    fact(a, date(2026, 10, 31), accepted=True, closed=True)
    world.scheme = street_scheme()
    return world


def _result(run, area):
    return run.results.get(target_id=area.id)


def test_scores_grades_and_ranks_by_hand(w):
    with translation.override("zh-hans"):
        run = services.run_period("street", "2026-11", now=NOW)
    a = _result(run, w.areas["330103001"])
    b = _result(run, w.areas["330103002"])
    assert (a.score, a.grade) == (Decimal("60.00"), "D")
    assert (b.score, b.grade) == (Decimal("100.00"), "A")
    streets = run.results.count()
    assert a.rank == streets  # everyone else has 100
    assert b.rank == 1
    close, satisfaction = a.detail["indicators"]
    assert (close["numerator"], close["denominator"], close["value"], close["points"]) == (
        3,
        4,
        "75.00",
        "30.00",
    )
    assert satisfaction["points"] == "40.00"
    assert a.detail["adjustments"][0]["points"] == "-10.00"
    assert a.detail["reasons"] == [
        "结案率：4 件中 3 件，扣 30.00 分",
        "超期案件：3 件，-10.00 分",
    ]


def test_every_number_is_traceable_to_its_cases(w):
    run = services.run_period("street", "2026-11", now=NOW)
    a = _result(run, w.areas["330103001"])
    close = a.detail["indicators"][0]
    assert len(close["numerator_events"]) == close["numerator"]
    assert set(close["numerator_events"]) == {f.event_id for f in w.a_closed}
    assert set(close["denominator_events"]) == {f.event_id for f in w.a_closed} | {
        w.a_open.event_id
    }
    overdue = a.detail["adjustments"][0]
    assert len(overdue["events"]) == overdue["count"] == 3


def test_a_published_run_is_frozen_and_a_scheme_edit_never_changes_it(w):
    run = services.run_period("street", "2026-11", publish=True, now=NOW)
    before = list(Result.objects.filter(run=run).values_list("target_id", "score", "detail"))
    SchemeItem.objects.filter(scheme=w.scheme, indicator__code="close").update(weight=10)
    again = services.run_period("street", "2026-11", now=NOW)
    assert again.pk == run.pk and again.status == RunStatus.PUBLISHED
    assert list(Result.objects.filter(run=run).values_list("target_id", "score", "detail")) == (
        before
    )
    assert run.snapshot == again.snapshot  # the scheme as computed with
    with pytest.raises(DomainError) as e:
        services.compute(run)
    assert e.value.status == 409


def test_a_draft_recomputes_with_the_edit_and_a_new_version_applies_from_its_period(w):
    services.run_period("street", "2026-11", now=NOW)
    SchemeItem.objects.filter(scheme=w.scheme, indicator__code="close").update(floor=0)
    run = services.run_period("street", "2026-11", now=NOW)
    assert _result(run, w.areas["330103001"]).score == Decimal("75.00")  # 45 + 40 − 10
    newer = street_scheme(valid_from=date(2026, 12, 1))
    SchemeItem.objects.filter(scheme=newer).update(weight=50)
    assert services.run_period("street", "2026-11", now=NOW).scheme_id == w.scheme.pk
    assert services.run_period("street", "2026-12", now=NOW).scheme_id == newer.pk
    with pytest.raises(DomainError):
        services.run_period("street", "2026-10")  # no version applies yet


def test_manual_items_need_a_reason_are_audited_and_refused_once_published(w):
    run = services.run_period("street", "2026-11", now=NOW)
    a = w.areas["330103001"]
    with pytest.raises(DomainError) as e:
        services.add_manual(run, target_id=a.id, points="-3", reason=" ", assessor=w.admin)
    assert e.value.status == 422 and e.value.problems[0].field == "reason"
    item = services.add_manual(
        run, target_id=a.id, points="-3", reason="上级督查: 台账不全", assessor=w.admin, now=NOW
    )
    assert (item.assessor, item.created_at) == (w.admin, NOW)
    result = _result(run, a)
    assert result.score == Decimal("57.00")
    assert result.detail["manual"][0]["assessor"] == "admin"
    services.publish_run(run)
    with pytest.raises(DomainError):
        services.add_manual(run, target_id=a.id, points="1", reason="x", assessor=w.admin)


def test_bad_periods_are_named():
    for bad in ("2026-13", "26-11", "2026-Q5", ""):
        with pytest.raises(DomainError) as e:
            services.period_bounds(bad)
        assert e.value.status == 422 and e.value.problems[0].field == "period"
    assert services.period_bounds("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert services.period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert [services.previous_period(p) for p in ("2026-01", "2026-11", "2026-Q1", "2026-Q3")] == [
        "2025-12",
        "2026-10",
        "2025-Q4",
        "2026-Q2",
    ]
    assert services.previous_period("2026") == "2025"


def test_ranking_shows_the_movement_against_the_last_period(w, client):
    a = w.areas["330103001"]
    SchemeItem.objects.filter(scheme=w.scheme).update(weight=50)
    w.scheme.valid_from = date(2026, 10, 1)
    w.scheme.save()
    fact(a, date(2026, 12, 2), accepted=True, closed=True)
    # November's open case, due in November, is closed in December (应结案 of both months).
    EventFact.objects.filter(event_id=w.a_open.event_id).update(
        closed_at=timezone.make_aware(datetime(2026, 12, 2, 10))
    )
    services.run_period("street", "2026-11", now=NOW)  # a is last
    december = services.run_period("street", "2026-12", now=NOW)  # a ties first
    client.force_login(w.admin)
    items = client.get(f"/api/assessment/runs/{december.pk}/ranking").json()["items"]
    row = next(r for r in items if r["code"] == a.code)
    assert (row["previous_rank"], row["rank"], row["movement"]) == (len(items), 1, len(items) - 1)


def test_api_ranking_drilldown_scope_and_manual(w, client):
    run = services.run_period("street", "2026-11", now=NOW)
    a, b = w.areas["330103001"], w.areas["330103002"]
    client.force_login(w.admin)
    body = client.get(f"/api/assessment/runs/{run.pk}/ranking?n=1").json()
    assert [r["code"] for r in body["black"]] == [a.code]
    assert body["red"][0]["score"] == "100.00"
    detail = client.get(f"/api/assessment/runs/{run.pk}/results/{a.id}").json()
    assert len(detail["indicators"][0]["numerator_cases"]) == 3
    # A street operator sees their street only.
    client.force_login(w.street_operator)
    body = client.get(f"/api/assessment/runs/{run.pk}/ranking").json()
    assert [r["code"] for r in body["items"]] == [a.code]
    assert client.get(f"/api/assessment/runs/{run.pk}/results/{b.id}").status_code == 404
    resp = client.post(
        f"/api/assessment/runs/{run.pk}/manual",
        {"target_id": a.id, "points": "2", "reason": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 403
    client.force_login(w.admin)
    resp = client.post(
        f"/api/assessment/runs/{run.pk}/manual",
        {"target_id": a.id, "points": "2", "reason": "上级督查加分"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["score"] == "62.00"
    resp = client.post(
        "/api/assessment/runs",
        {"scheme": "street", "period": "2026-13"},
        content_type="application/json",
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "period"


def test_cli_runs_and_publishes(w, capsys):
    assert cli.main(["assess", "run", "--period", "2026-11", "--publish"]) == 0
    assert "street 2026-11" in capsys.readouterr().out
    assert services.run_period("street", "2026-11").status == RunStatus.PUBLISHED
    assert cli.main(["assess", "run", "--period", "2026-13"]) == 2


def test_unused_user_has_no_results(w, client):
    run = services.run_period("street", "2026-11", now=NOW)
    nobody = make_user("nobody")
    assert not services.visible_results(nobody, run).exists()
    post(nobody, w.areas["330103002"], role="operator")
    assert [r.target_id for r in services.visible_results(nobody, run)] == [w.areas["330103002"].id]


def test_the_shipped_indicators_count_known_flags_and_are_edited_in_the_back_office(w, client):
    from wangge.stats.assessment.models import Indicator
    from wangge.stats.assessment.workers import WORKER_FLAGS

    shipped = Indicator.objects.all()
    assert {i.name for i in shipped} >= {"按时立案率", "准确派遣率", "回退率", "自处置率", "满意率"}
    assert {i.name for i in shipped} >= {"签收及时率", "有效上报率", "走访完成率", "五必到按时率"}
    assert {i.name for i in shipped} >= {"巡查次数", "核查按时率"}
    for i in shipped:
        allowed = WORKER_FLAGS if i.targets == ["worker"] else services.FACT_RUN_FLAGS
        services.check_flags(i.numerator, i.code, allowed)
        services.check_flags(i.denominator, i.code, allowed)
    w.admin.is_staff = True
    w.admin.save()
    client.force_login(w.admin)
    assert client.get("/admin/assessment/indicator/").status_code == 200
    resp = client.post(
        f"/admin/assessment/indicator/{shipped[0].pk}/change/",
        {
            "code": shipped[0].code,
            "name": shipped[0].name,
            "ratio": "on",
            "numerator": '["no_such_flag"]',
            "denominator": '["accepted"]',
            "higher_is_better": "on",
            "unit": "%",
            "targets": '["area"]',
        },
    )
    assert resp.status_code == 200 and "no_such_flag" in resp.content.decode()  # refused
    assert Indicator.objects.get(pk=shipped[0].pk).numerator != ["no_such_flag"]
