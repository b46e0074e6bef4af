"""Review fixes on patrols: scoped inspection photos (1.3), bounded titles and keys (3.2), a
form key kept to its own form, a bad position on /today (3.3)."""

import io
import re

import pytest
from PIL import Image

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from wangge.errors import DomainError
from wangge.events.models import Category, Event
from wangge.fieldwork.models import Inspection
from wangge.fieldwork.patrols import services as patrols

pytestmark = pytest.mark.django_db

INSPECT = "/api/fieldwork/patrols/inspections"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 130, 30)).save(out, "JPEG")
    return out.getvalue()


def test_inspection_photo_served_through_scope_with_an_unguessable_name():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    made = a.post(
        INSPECT,
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "ok",
            "photo": io.BytesIO(_jpeg()),
        },
    )
    assert made.status_code == 201, made.content
    url = made.json()["inspection"]["photo"]
    assert "/media/" not in url
    got = a.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content)[:2] == b"\xff\xd8"
    assert a.get(url, {"size": "thumb"}).status_code == 200
    assert client_for(w.worker_b).get(url).status_code == 404
    assert client_for(w.people.admin).get(url).status_code == 200
    inspection = Inspection.objects.get()
    assert re.search(r"inspection-\d+-[0-9a-f]{12}\.jpg$", inspection.photo.name)
    listed = a.get(INSPECT).json()["items"]
    assert listed[0]["photo"] == url


def test_titles_and_keys_are_bounded():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    pid = a.post("/api/fieldwork/patrols", {}, content_type="application/json").json()["id"]
    category = Category.objects.filter(children__isnull=True).first()
    assert category is not None
    for body, field in (
        ({"title": "坑" * 201}, "title"),
        ({"title": "坑", "client_key": "k" * 101}, "client_key"),
    ):
        response = a.post(
            f"/api/fieldwork/patrols/{pid}/findings",
            {"category": category.code, **body},
            content_type="application/json",
        )
        assert response.status_code == 422 and field in response.content.decode()
    with pytest.raises(DomainError) as exc:
        patrols.finding_report(actor=w.worker_a, category=category, title="坑" * 201)
    assert exc.value.problems[0].field == "title"
    with pytest.raises(DomainError) as exc:
        patrols.finding_report(
            actor=w.worker_a, category=category, title="坑", client_key="k" * 101
        )
    assert exc.value.problems[0].field == "client_key"
    response = a.post(
        INSPECT,
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "problem",
            "category": category.code,
            "title": "坑" * 201,
        },
    )
    assert response.status_code == 400 and "title" in response.content.decode()
    assert not Event.objects.exists() and not Inspection.objects.exists()


def test_a_key_stored_by_the_page_is_refused_by_the_api_and_back():
    w = make_patrol_world()
    a = client_for(w.worker_a)
    page = f"/field/patrols/inspect/hazard/{w.hazard_a.pk}/"
    sent = a.post(page, {"result": "ok", "client_key": "page-key-0001", "on_patrol": "0"})
    assert sent.status_code == 302
    reused = a.post(
        INSPECT,
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "ok",
            "client_key": "page-key-0001",
        },
    )
    assert reused.status_code == 409, reused.content
    made = a.post(
        INSPECT,
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "ok",
            "client_key": "api-key-0002",
        },
    )
    assert made.status_code == 201
    again = a.post(
        INSPECT,
        {
            "target_kind": "hazard",
            "target_id": w.hazard_a.pk,
            "result": "ok",
            "client_key": "api-key-0002",
        },
    )
    assert again.status_code == 200
    assert again.json()["inspection"]["id"] == made.json()["inspection"]["id"]
    back = a.post(page, {"result": "ok", "client_key": "api-key-0002", "on_patrol": "0"})
    assert back.status_code == 409
    assert Inspection.objects.count() == 2


@pytest.mark.parametrize("query", ["lon=0&lat=inf", "lon=nan&lat=30", "lon=500&lat=30"])
def test_today_ignores_a_bad_position(query: str):
    w = make_patrol_world()
    a = client_for(w.worker_a)
    response = a.get(f"/api/fieldwork/today?{query}")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert items and all(i["distance_m"] is None for i in items)
