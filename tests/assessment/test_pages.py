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
