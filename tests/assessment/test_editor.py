"""The scheme editor: a preview of the last closed month's scores under an edit (nothing
saved, scoped), saving it (assessors only), bad values named, published runs unchanged."""

from datetime import date
from decimal import Decimal

import pytest

from tests.assessment.helpers import fact, street_scheme
from tests.events.factories import make_world
from tests.factories import make_user, post
from wangge.stats.assessment import services
from wangge.stats.assessment.models import SchemeItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(clock):
    clock("2026-12-02T10:00+08:00")  # the last closed month is November
    world = make_world()
    a = world.areas["330103001"]
    # Street A: 1 of 2 closed (50 % → 0 of 60 linear 50 → 100), satisfaction empty (40).
    fact(a, date(2026, 11, 5), accepted=True, closed=True)
    fact(a, date(2026, 11, 6), accepted=True)
    world.scheme = street_scheme()
    return world


def _score(body, code):
    return next(r for r in body["items"] if r["code"] == code)


def test_preview_shows_the_edit_beside_the_current_scores_without_saving(w, client):
    a = w.areas["330103001"]
    client.force_login(w.admin)
    url = f"/api/assessment/schemes/{w.scheme.pk}/preview"
    edit = {"items": [{"code": "close", "floor": "0"}], "grades": [["优", 60], ["差", 0]]}
    body = client.post(url, edit, content_type="application/json").json()
    assert body["period"] == "2026-11"
    row = _score(body, a.code)
    # 50 % between 0 and 100: 30 of 60, plus 40: 70 (was 40).
    assert (row["score"], row["current_score"], row["grade"]) == ("70.00", "40.00", "优")
    assert SchemeItem.objects.get(scheme=w.scheme, indicator__code="close").floor == 50
    # A street operator previews their street only.
    client.force_login(w.street_operator)
    body = client.post(url, edit, content_type="application/json").json()
    assert [r["code"] for r in body["items"]] == [a.code]


def test_saving_needs_an_assessor_and_leaves_published_runs(w, client):
    a = w.areas["330103001"]
    run = services.publish_run(services.run_period("street", "2026-11"))
    url = f"/api/assessment/schemes/{w.scheme.pk}"
    edit = {"items": [{"code": "close", "floor": "0", "bands": []}]}
    client.force_login(w.street_operator)
    assert client.put(url, edit, content_type="application/json").status_code == 403
    client.force_login(w.admin)
    resp = client.put(url, edit, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["items"][0]["floor"] == "0.00"
    assert run.results.get(target_id=a.id).score == Decimal("40.00")
    bad = {"items": [{"code": "close", "weight": "x"}]}
    resp = client.put(url, bad, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "items.close.weight"
    bad = {"items": [{"code": "satisfaction", "bands": [[90, 2]]}]}
    resp = client.put(url, bad, content_type="application/json")
    assert resp.json()["errors"][0]["field"] == "items.satisfaction.bands"
    resp = client.put(url, {"grades": [["A", 60], ["B", 80]]}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "grades"
    resp = client.put(url, {"items": [{"code": "nope"}]}, content_type="application/json")
    assert resp.json()["errors"][0]["field"] == "items"


def test_the_editor_page_previews_and_saves(w, client):
    a = w.areas["330103001"]
    client.force_login(w.admin)
    assert (
        f"/assessment/schemes/{w.scheme.pk}/" in client.get("/assessment/schemes/").content.decode()
    )
    page = client.get(f"/assessment/schemes/{w.scheme.pk}/").content.decode()
    assert 'name="weight_close"' in page and "2026-11" in page and a.name in page
    resp = client.post(
        f"/assessment/schemes/{w.scheme.pk}/",
        {"action": "preview", "floor_close": "0", "bands_satisfaction": "[[90, 1]]"},
    )
    assert "70.00" in resp.content.decode()
    assert SchemeItem.objects.get(scheme=w.scheme, indicator__code="close").floor == 50
    resp = client.post(f"/assessment/schemes/{w.scheme.pk}/", {"action": "save", "grades": "{"})
    assert resp.status_code == 422 and "grades" in resp.content.decode()
    resp = client.post(
        f"/assessment/schemes/{w.scheme.pk}/", {"action": "save", "floor_close": "0"}
    )
    assert resp.status_code == 302
    assert SchemeItem.objects.get(scheme=w.scheme, indicator__code="close").floor == 0
    nobody = make_user("viewer")
    post(nobody, a, role="operator")
    client.force_login(nobody)
    resp = client.post(f"/assessment/schemes/{w.scheme.pk}/", {"action": "save"})
    assert resp.status_code == 403
