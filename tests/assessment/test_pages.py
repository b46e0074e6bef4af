"""The pages: ranking with red and black lists, drill-down to the cases, scope; constant
query counts whatever the number of targets."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.assessment.helpers import fact, street_scheme
from tests.events.factories import make_world, report
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Scheme
from wangge.stats.models import EventFact

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime(2026, 12, 3, 2, 0))


@pytest.fixture
def w():
    world = make_world()
    street_scheme()
    return world


def test_ranking_and_drilldown_pages_link_the_cases(w, client):
    event = report(w)
    a = w.areas["330103001"]
    f = fact(a, date(2026, 11, 5), accepted=True)
    EventFact.objects.filter(pk=f.pk).update(event_id=event.pk)
    run = services.run_period("street", "2026-11", now=NOW)
    client.force_login(w.admin)
    assert run.period in client.get("/assessment/").content.decode()
    page = client.get(f"/assessment/{run.pk}/").content.decode()
    assert 'id="black"' in page and a.name in page
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert f"/events/{event.code}/" in page
    client.force_login(w.street_operator)
    other = w.areas["330103002"]
    assert client.get(f"/assessment/{run.pk}/{other.id}/").status_code == 404
    assert client.get(f"/assessment/{run.pk}/{a.id}/").status_code == 200


def test_ranking_queries_do_not_grow_with_the_targets(w, client):
    streets = services.run_period("street", "2026-11", now=NOW)
    s = Scheme.objects.get(code="street")
    s.pk, s.code, s.level = None, "community", 3
    s.save()
    communities = services.run_period("community", "2026-11", now=NOW)
    assert communities.results.count() > streets.results.count()
    client.force_login(w.street_operator)
    counts = []
    for run in (streets, communities):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/assessment/runs/{run.pk}/ranking").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_xlsx_holds_the_scores_as_numbers_in_scope(w, client):
    import io

    from openpyxl import load_workbook

    a = w.areas["330103001"]
    fact(a, date(2026, 11, 5), accepted=True, closed=True)
    fact(a, date(2026, 11, 6), accepted=True)  # 结案率 50 % → 0 of 60
    run = services.run_period("street", "2026-11", now=NOW)
    client.force_login(w.street_operator)
    resp = client.get(f"/assessment/{run.pk}/xlsx/")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert ws.freeze_panes == "A2"
    assert len(rows) == 2  # the header and the operator's street only
    rank, code, _name, score, grade, close_value, close_points = rows[1][:7]
    assert (code, score, grade, close_value, close_points) == (a.code, 40.0, "E", 50.0, 0.0)
    assert isinstance(rank, int)
