"""The phone pages of patrols, and the idempotent form posts behind offline drafts."""

import pytest

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from wangge.events.models import Event
from wangge.fieldwork import offline
from wangge.fieldwork.models import Inspection, OfflineSubmission, Patrol

pytestmark = pytest.mark.django_db


def test_start_and_end_a_patrol_on_the_phone():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    page = a.get("/field/patrols/")
    assert page.status_code == 200 and "patrol-start-form" in page.content.decode()
    assert a.post("/field/patrols/start/").status_code == 302
    patrol = Patrol.objects.get(worker=w.worker_a)
    page = a.get("/field/patrols/").content.decode()
    assert f'data-patrol="{patrol.pk}"' in page and "河道A" in page
    ended = a.post(f"/field/patrols/{patrol.pk}/end/", {"client_key": "end-key-0001"})
    assert ended.status_code == 302
    patrol.refresh_from_db()
    assert patrol.ended_at is not None
    assert a.get(f"/field/patrols/{patrol.pk}/").status_code == 200


def test_inspection_form_is_stored_once_per_client_key():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    url = f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/"
    form = a.get(url).content.decode()
    assert "data-offline-form" in form and 'name="client_key"' in form
    data = {"client_key": "insp-abcdef12", "result": "ok", "note": "正常"}
    first = a.post(url, data, HTTP_X_OFFLINE_FORM="1")
    assert first.status_code == 200 and first["X-Stored"] == "1"
    assert first.json() == {"stored": True, "url": "/field/"}
    second = a.post(url, data, HTTP_X_OFFLINE_FORM="1")
    assert second.json() == first.json()
    assert Inspection.objects.count() == 1
    assert OfflineSubmission.objects.get(key="insp-abcdef12").kind == "inspection"
    # Another user cannot use (or learn about) the key.
    other = client_for(w.people.admin).post(url, data, HTTP_X_OFFLINE_FORM="1")
    assert other.status_code == 409
    assert Inspection.objects.count() == 1


def test_a_refused_form_shows_its_errors_and_stores_nothing():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    url = f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/"
    resp = a.post(
        url,
        {"client_key": "insp-refused1", "result": "problem", "note": ""},
        HTTP_X_OFFLINE_FORM="1",
    )
    assert resp.status_code == 400 and "X-Stored" not in resp
    assert 'role="alert"' in resp.content.decode()
    assert not Inspection.objects.exists() and not OfflineSubmission.objects.exists()


def test_a_problem_reported_from_the_form_opens_an_event():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    resp = a.post(
        f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/",
        {
            "client_key": "insp-event001",
            "result": "problem",
            "note": "护栏缺失",
            "report": "1",
            "category": "0102",
        },
    )
    event = Event.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/events/{event.code}/"
    assert event.patrol_finding.inspection == Inspection.objects.get()


def test_finding_form():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    a.post("/field/patrols/start/")
    assert a.get("/field/patrols/finding/").status_code == 200
    lon, lat = w.hazard_a.lon, w.hazard_a.lat
    resp = a.post(
        "/field/patrols/finding/",
        {
            "client_key": "find-0000001",
            "category": "0102",
            "title": "路面坑洼",
            "lon": lon,
            "lat": lat,
        },
    )
    event = Event.objects.get()
    assert resp.status_code == 302 and event.patrol_finding.patrol.worker == w.worker_a
    missing = a.post("/field/patrols/finding/", {"client_key": "find-0000002", "title": "x"})
    assert missing.status_code == 400


def test_keys_are_checked():
    assert offline.clean_key("abc-DEF_123.x") == "abc-DEF_123.x"
    from wangge.errors import DomainError

    with pytest.raises(DomainError):
        offline.clean_key("bad key with spaces")
