"""The phone pages (visit form, attendance form, lists) and the coverage page, over HTTP."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.fieldwork.attend_world import report
from tests.fieldwork.visits_factories import client, make_world, world_with_tasks
from wangge.events.models import Event
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.models import AttendTask, VisitRecord

pytestmark = pytest.mark.django_db


def form(**over):
    data = {
        "client_key": "page-1",
        "a_family": "家中二人,身体尚可",
        "a_groups": ["独居老人"],
        "a_facilities": "yes",
        "a_hazards": "no",
        "a_disputes": "no",
        "notes": "",
        "lon": "",
        "lat": "",
    }
    data.update(over)
    return data


def photo():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def test_visit_form_flow():
    w, ta, tb = world_with_tasks()
    c = client(w.worker_a)
    page = c.get("/field/visits/")
    assert page.status_code == 200 and f'data-task="{ta.pk}"' in page.content.decode()
    assert f'data-task="{tb.pk}"' not in page.content.decode()
    body = c.get(f"/field/visits/task/{ta.pk}/").content.decode()
    assert "data-offline-form" in body and 'name="a_family"' in body and "家庭情况" in body
    # Each checklist type has its control: text, yes_no, multi_choice.
    assert '<textarea name="a_family"' in body and 'type="radio" name="a_facilities"' in body
    assert 'type="checkbox" name="a_groups"' in body
    assert c.get(f"/field/visits/task/{tb.pk}/").status_code == 404
    bad = c.post(f"/field/visits/task/{ta.pk}/", form(a_family="", a_facilities=""))
    assert bad.status_code == 422
    assert "家庭情况" in bad.content.decode() and "独居老人" in bad.content.decode()
    hh = ta.household
    ok = c.post(
        f"/field/visits/task/{ta.pk}/",
        form(
            lon=str(hh.lon),
            lat=str(hh.lat + 0.01),
            photo=photo(),
            finding_title="窗户破损",
            finding_category="1204",
        ),
    )
    assert ok.status_code == 302
    record = VisitRecord.objects.get()
    assert record.far and record.photos.count() == 1 and record.findings.count() == 1
    assert record.answers["groups"] == ["独居老人"] and record.answers["facilities"] is True
    again = c.post(f"/field/visits/task/{ta.pk}/", form())  # the draft sent twice
    assert again.status_code == 302 and VisitRecord.objects.count() == 1
    # A done task: a new draft is refused (409, on the page) unless ticked as a correction.
    done = c.get(f"/field/visits/task/{ta.pk}/").content.decode()
    assert 'name="correction"' in done
    second = c.post(f"/field/visits/task/{ta.pk}/", form(client_key="page-2"))
    assert second.status_code == 409 and str(ta.pk) in second.content.decode()
    assert VisitRecord.objects.count() == 1
    fix = c.post(f"/field/visits/task/{ta.pk}/", form(client_key="page-3", correction="1"))
    assert fix.status_code == 302 and VisitRecord.objects.count() == 2
    shown = c.get(ok["Location"]).content.decode()
    assert "窗户破损" in shown and Event.objects.get().code in shown
    p = record.photos.get()
    assert c.get(f"/field/visits/photo/{p.pk}/?size=thumb").status_code == 200
    assert client(w.worker_b).get(f"/field/visits/photo/{p.pk}/").status_code == 404
    fragment = c.get(f"/field/visits/household/{hh.pk}/").content.decode()
    assert ta.period in fragment
    assert client(w.worker_b).get(f"/field/visits/household/{hh.pk}/").status_code == 404
    household_page = c.get(f"/people/households/{hh.pk}/").content.decode()
    assert f"/field/visits/household/{hh.pk}/" in household_page


def test_coverage_page_and_map():
    w, _ta, _tb = world_with_tasks()
    c = client(w.operator)
    page = c.get("/field/visits/figures/?area=330103").content.decode()
    assert 'data-code="330103001"' in page and 'id="visit-map"' in page
    features = c.get("/field/visits/figures/map.json?area=330103").json()["features"]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert by_code["330103001"]["due"] == 1 and by_code["330103002"]["due"] == 1
    assert client(w.worker_a).get("/field/visits/figures/?area=330103").status_code == 404
    grid = client(w.worker_a).get("/field/visits/figures/").content.decode()
    assert "330103001001001001" in grid  # its micro-grids


def test_attendance_form():
    w = make_world()
    event = report(w)
    attend.sync()
    task = AttendTask.objects.get()
    c = client(w.worker_a)
    assert f'data-task="{task.pk}"' in c.get("/field/visits/attend/").content.decode()
    assert client(w.worker_b).get(f"/field/visits/attend/{task.pk}/").status_code == 404
    assert c.post(f"/field/visits/attend/{task.pk}/", {"note": ""}).status_code == 422
    ok = c.post(
        f"/field/visits/attend/{task.pk}/",
        {"note": "已到场", "lon": str(event.lon), "lat": str(event.lat), "client_key": "a1"},
    )
    assert ok.status_code == 302
    assert event.timeline.filter(action="attend", comment="已到场").exists()
    event_page = client(w.operator).get(f"/events/{event.code}/")
    assert event_page.status_code == 200
    assert 'data-action="attend"' in event_page.content.decode()
