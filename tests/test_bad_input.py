"""Bad input is refused at the edge in the API's one error shape, never a 500 (issue 13):
NUL bytes in paths and queries, text PostgreSQL or the code cannot take, impossible or
overflowing dates, numbers beyond the database's range, bodies that are not JSON, failed
CSRF checks. Nothing is written by a refused request."""

import json

import pytest
from django.test import Client

from tests.events.factories import make_world, report
from wangge.events.models import Category, Event, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def operator(world) -> Client:
    c = Client()
    c.force_login(world.operator)
    return c


def _problems(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}, body
    return body["errors"]


def _report(client: Client, raw: str):
    return client.post("/api/events", raw, content_type="application/json")


def test_nul_in_path_or_query_never_reaches_the_database(world, operator):
    anonymous = Client()
    assert anonymous.get("/r/status/?code=%00").status_code == 400
    assert anonymous.get("/r/status/%00/").status_code == 404
    assert anonymous.get("/open311/v2/requests/%00.json").status_code == 400  # its own format
    response = operator.get("/api/events?q=%00")
    assert response.status_code == 400
    assert _problems(response)[0]["code"] == "invalid_text"
    assert operator.get("/events/?q=a%00b").status_code == 400


@pytest.mark.parametrize(
    ("raw_field", "raw_value", "reason"),
    [
        ("title", r'"\u202e\u0001"', "方向控制符（U+202E）"),
        ("title", r'"\u0007\u0008"', "控制字符（U+0007）"),
        ("title", r'"\u200b "', "可见字符"),
        ("description", r'"ok \ud800"', "代理码位"),
        ("address", r'"a\u0000b"', "空字符（NUL）"),
    ],
)
def test_bad_text_is_a_422_naming_the_field(world, operator, raw_field, raw_value, reason):
    body = {"title": '"路灯不亮"', "category": '"0102"', "area": f'"{world.micro.code}"'}
    body[raw_field] = raw_value
    raw = "{" + ", ".join(f'"{k}": {v}' for k, v in body.items()) + "}"
    before = Event.objects.count()
    response = _report(operator, raw)
    assert response.status_code == 422, response.content
    [problem] = _problems(response)
    assert problem["field"] == raw_field
    assert reason in problem["message"]  # in the interface's language, zh-hans
    assert Event.objects.count() == before


def test_unparseable_body_and_csrf_answer_in_the_one_shape(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    response = _report(client, json.dumps({"title": "x", "category": "0102"}))
    assert response.status_code == 403
    assert _problems(response)[0]["code"] == "csrf"
    plain = Client()
    plain.force_login(world.operator)
    response = _report(plain, '{"title": ')
    assert response.status_code == 422
    assert _problems(response)[0]["code"] == "unparseable"


@pytest.mark.parametrize(
    "url",
    [
        "/api/events?date_from=9999-12-31",
        "/api/events?date_to=0000-01-01",
        "/api/events?date_from=2023-02-30",
        "/api/events?page=99999999999999999999",
        "/api/events?page_size=-1",
        "/api/events/figures?date_from=9999-12-31",
        "/api/people/residents?page=99999999999999999999",
        "/api/areas?page=9223372036854775808",
        "/api/fieldwork/patrols?since=9999-12-31",
    ],
)
def test_dates_and_numbers_out_of_range_are_422(operator, url):
    response = operator.get(url)
    assert response.status_code == 422, response.content
    assert _problems(response)


def test_supervision_and_extension_far_in_the_future_are_refused(world, operator):
    event = report(world)
    entries = TimelineEntry.objects.count()
    for action, body in [
        ("supervise", {"until": "9999-12-31T23:59:59+08:00"}),
        ("supervise", {"until": "2023-02-30T10:00:00"}),
    ]:
        response = operator.post(
            f"/api/events/{event.code}/{action}", body, content_type="application/json"
        )
        assert response.status_code == 422, response.content
        assert _problems(response)[0]["field"] == "until"
    assert TimelineEntry.objects.count() == entries
    event.refresh_from_db()
    assert not event.supervised


def test_a_title_of_control_characters_is_refused_on_the_web_form(world):
    client = Client()
    client.force_login(world.worker)
    before = Event.objects.count()
    form = {"category": Category.objects.get(code="0102").pk, "area": world.micro.code}
    response = client.post("/m/report/", {**form, "title": "\u202e\u0001"})
    assert response.status_code == 400
    assert "U+202E" in response.content.decode()
    assert Event.objects.count() == before


def test_portal_text_with_nul_or_only_invisible_characters(client):
    before = Event.objects.count()
    for text in ("a\x00b", "\u202e", "\u200b\u200b"):
        response = client.post("/r/", {"text": text, "lon": "120.12", "lat": "30.22"})
        assert response.status_code == 422
    assert Event.objects.count() == before


def test_nul_in_a_posted_form_never_reaches_the_database(world):
    client = Client()
    client.force_login(world.worker)
    response = client.post("/people/", "q=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
