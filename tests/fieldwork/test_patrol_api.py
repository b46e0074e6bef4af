"""Patrols over HTTP (real requests through the test client): lifecycle, scope, inspections
with photos, figures."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from tests.people.factories import centre
from wangge.fieldwork.models import Finding, Inspection, Patrol

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _points(start: dt.datetime, lon: float, lat: float, n: int) -> list[dict]:
    return [
        {
            "at": (start + dt.timedelta(seconds=30 * i)).isoformat(),
            "lon": lon,
            "lat": lat + 0.0005 * i,
        }
        for i in range(n)
    ]


def test_patrol_lifecycle_over_the_api():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    started = a.post("/api/fieldwork/patrols", {}, content_type="application/json")
    assert started.status_code == 201, started.content
    pid = started.json()["id"]
    again = a.post("/api/fieldwork/patrols", {}, content_type="application/json")
    assert again.status_code == 409
    lon, lat = centre(w.people.micro_a)
    patrol = Patrol.objects.get(pk=pid)
    sent = a.post(
        f"/api/fieldwork/patrols/{pid}/points",
        {"points": _points(patrol.started_at, lon, lat - 0.002, 3)},
        content_type="application/json",
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["added"] == 3 and sent.json()["distance_m"] > 100
    bad = a.post(
        f"/api/fieldwork/patrols/{pid}/points",
        {"points": [{"at": patrol.started_at.isoformat(), "lon": 181, "lat": 30}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["item"]
    track = a.get(f"/api/fieldwork/patrols/{pid}/track").json()
    assert len(track["geometry"]["coordinates"]) == 3
    ended = a.post(f"/api/fieldwork/patrols/{pid}/end", {}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_at"]
    late = a.post(
        f"/api/fieldwork/patrols/{pid}/points",
        {"points": _points(timezone.now() - dt.timedelta(seconds=1), lon, lat, 1)},
        content_type="application/json",
    )
    assert late.status_code == 409
    assert [p["id"] for p in a.get("/api/fieldwork/patrols").json()["items"]] == [pid]


def test_another_grids_worker_gets_404():
    w = make_patrol_world()
    a, b = client_for(w.worker_a), client_for(w.worker_b)
    pid = a.post("/api/fieldwork/patrols", {}, content_type="application/json").json()["id"]
    assert b.get(f"/api/fieldwork/patrols/{pid}").status_code == 404
    assert b.get(f"/api/fieldwork/patrols/{pid}/track").status_code == 404
    assert (
        b.post(
            f"/api/fieldwork/patrols/{pid}/points",
            {"points": []},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        b.post(f"/api/fieldwork/patrols/{pid}/end", {}, content_type="application/json").status_code
        == 404
    )
    assert b.get("/api/fieldwork/patrols").json()["items"] == []
    hidden = b.post(
        "/api/fieldwork/patrols/inspections",
        {"target_kind": "hazard", "target_id": w.hazard_a.pk, "result": "ok"},
    )
    assert hidden.status_code == 404
    assert b.get(f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/").status_code == 404
    assert b.get(f"/field/patrols/{pid}/").status_code == 404


def test_inspection_with_photo_and_event_over_the_api():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    pid = a.post("/api/fieldwork/patrols", {}, content_type="application/json").json()["id"]
    resp = a.post(
        "/api/fieldwork/patrols/inspections",
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "problem",
            "note": "堤岸塌方",
            "patrol": pid,
            "category": "0102",
            "client_key": "api-key-0001",
            "photo": io.BytesIO(_jpeg()),
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["event"] and body["inspection"]["photo"].endswith("/photo/")
    assert body["inspection"]["events"] == [body["event"]]
    # The same key again: the first result, nothing new.
    again = a.post(
        "/api/fieldwork/patrols/inspections",
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "problem",
            "note": "堤岸塌方",
            "category": "0102",
            "client_key": "api-key-0001",
        },
    )
    assert again.status_code == 200 and again.json()["event"] == body["event"]
    assert Inspection.objects.count() == 1 and Finding.objects.count() == 1
    listed = a.get("/api/fieldwork/patrols/inspections").json()["items"]
    assert [i["id"] for i in listed] == [body["inspection"]["id"]]
    assert client_for(w.worker_b).get("/api/fieldwork/patrols/inspections").json()["items"] == []


def test_due_inspections_and_figures():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    due = a.get("/api/fieldwork/patrols/inspections/due").json()["items"]
    assert [d["name"] for d in due] == ["河道A"]
    pid = a.post("/api/fieldwork/patrols", {}, content_type="application/json").json()["id"]
    patrol = Patrol.objects.get(pk=pid)
    lon, lat = centre(w.people.micro_a)
    a.post(
        f"/api/fieldwork/patrols/{pid}/points",
        {"points": _points(patrol.started_at, lon, lat - 0.002, 3)},
        content_type="application/json",
    )
    a.post(
        "/api/fieldwork/patrols/inspections",
        {"target_kind": "hazard", "target_id": w.hazard_a.pk, "result": "ok", "patrol": pid},
    )
    assert a.get("/api/fieldwork/patrols/inspections/due").json()["items"] == []
    operator = w.people.admin
    day = timezone.localdate().isoformat()
    figures = (
        client_for(operator)
        .get(f"/api/fieldwork/patrols/figures?area=330103001&since={day}&until={day}")
        .json()
    )
    total = figures["total"]
    assert total["patrols"] == 1 and total["inspections"] == 1
    assert total["distance_km"] == pytest.approx(0.11, abs=0.01)
    # Due today in street 330103001: 河道A (never checked), done; 井盖A is due in 20 days.
    assert (total["due"], total["due_done"]) == (1, 1)
    assert [r["name"] for r in figures["workers"]] == ["worker_a"]
    by_area = {r["key"]: r for r in figures["areas"]}
    assert by_area["330103001001"]["patrols"] == 1
    # Worker B's scope: nothing of grid A.
    b_figures = (
        client_for(w.worker_b).get(f"/api/fieldwork/patrols/figures?since={day}&until={day}").json()
    )
    assert b_figures["total"]["patrols"] == 0 and b_figures["total"]["due"] == 2
    assert (
        client_for(w.worker_b).get("/api/fieldwork/patrols/figures?area=330103001").status_code
        == 404
    )
    page = client_for(operator).get("/field/patrols/figures/?area=330103001")
    assert page.status_code == 200 and "worker_a" in page.content.decode()
