"""Disputes (申诉): a published result, a reason, within the set days; the assessor's
decision recorded once; the assessed see their own; scope holds."""

from datetime import date, datetime

import pytest

from tests.assessment.helpers import fact, street_scheme
from tests.events.factories import make_world
from wangge.errors import DomainError
from wangge.stats.assessment import disputes, services
from wangge.stats.assessment.models import Dispute, DisputeStatus

pytestmark = pytest.mark.django_db
PUBLISHED = datetime.fromisoformat("2026-12-05T10:00+08:00")


@pytest.fixture
def w(settings, clock):
    settings.WANGGE_ASSESS_DISPUTE_DAYS = 7
    clock("2026-12-06T09:00+08:00")  # posts start today: before the world is made
    world = make_world()
    fact(world.areas["330103001"], date(2026, 11, 5), accepted=True)
    street_scheme()
    world.run = services.run_period("street", "2026-11", now=PUBLISHED)
    return world


def test_only_a_published_result_within_the_days_can_be_disputed(w):
    a = w.areas["330103001"]
    with pytest.raises(DomainError) as e:
        disputes.raise_dispute(w.run, target_id=a.id, user=w.street_operator, reason="x")
    assert e.value.status == 409
    run = services.publish_run(w.run, now=PUBLISHED)
    late = datetime.fromisoformat("2026-12-12T10:00:01+08:00")
    with pytest.raises(DomainError) as e:
        disputes.raise_dispute(run, target_id=a.id, user=w.street_operator, reason="x", now=late)
    assert e.value.status == 409
    last = datetime.fromisoformat("2026-12-12T10:00+08:00")
    d = disputes.raise_dispute(
        run, target_id=a.id, user=w.street_operator, reason="  回访未接通  ", now=last
    )
    assert (d.reason, d.status) == ("回访未接通", DisputeStatus.OPEN)


def test_api_dispute_decide_and_scope(w, client):
    run = services.publish_run(w.run, now=PUBLISHED)
    a, b = w.areas["330103001"], w.areas["330103002"]
    url = f"/api/assessment/runs/{run.pk}/results/{{}}/disputes"
    client.force_login(w.street_operator)
    resp = client.post(url.format(a.id), {"reason": " "}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "reason"
    resp = client.post(url.format(b.id), {"reason": "x"}, content_type="application/json")
    assert resp.status_code == 404  # not under the operator's posts
    resp = client.post(url.format(a.id), {"reason": "案件已结"}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    did = resp.json()["id"]
    resp = client.post(url.format(a.id), {"reason": "again"}, content_type="application/json")
    assert resp.status_code == 409  # one open dispute per result
    decide = f"/api/assessment/disputes/{did}/decide"
    body = {"upheld": True, "decision": "核实属实", "new_score": "85"}
    assert client.post(decide, body, content_type="application/json").status_code == 403
    assert [x["id"] for x in client.get("/api/assessment/disputes").json()["items"]] == [did]
    client.force_login(w.admin)
    resp = client.post(decide, {"upheld": True, "decision": ""}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "decision"
    resp = client.post(decide, body, content_type="application/json")
    assert resp.status_code == 200
    got = resp.json()
    assert (got["status"], got["decided_by"], got["decision"]) == ("upheld", "admin", "核实属实")
    assert client.post(decide, body, content_type="application/json").status_code == 409
    assert Dispute.objects.get(pk=did).decided_by == w.admin
    # The result keeps its frozen score; the dispute is shown with it.
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert "案件已结" in page and "核实属实" in page
    detail = client.get(f"/api/assessment/runs/{run.pk}/results/{a.id}").json()
    assert detail["disputes"][0]["status"] == "upheld"


def test_the_result_page_form_raises_a_dispute(w, client):
    run = services.publish_run(w.run, now=PUBLISHED)
    a = w.areas["330103001"]
    client.force_login(w.street_operator)
    page = client.get(f"/assessment/{run.pk}/{a.id}/").content.decode()
    assert f"/assessment/{run.pk}/{a.id}/dispute/" in page
    resp = client.post(f"/assessment/{run.pk}/{a.id}/dispute/", {"reason": "漏计一件"})
    assert resp.status_code == 302
    assert Dispute.objects.get().reason == "漏计一件"
    resp = client.post(f"/assessment/{run.pk}/{a.id}/dispute/", {"reason": ""})
    assert resp.status_code == 422


def test_the_back_office_shows_disputes_and_bulletins_read_only(w, client):
    run = services.publish_run(w.run, now=PUBLISHED)
    a = w.areas["330103001"]
    d = disputes.raise_dispute(run, target_id=a.id, user=w.street_operator, reason="漏计")
    w.admin.is_staff = True
    w.admin.save()
    client.force_login(w.admin)
    assert "漏计" in client.get("/admin/assessment/dispute/").content.decode()
    assert client.get("/admin/assessment/bulletin/").status_code == 200
    client.post(f"/admin/assessment/dispute/{d.pk}/change/", {"status": "upheld"})
    assert Dispute.objects.get(pk=d.pk).status == DisputeStatus.OPEN
