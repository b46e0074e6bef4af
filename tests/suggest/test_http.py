"""The suggestions over HTTP: the API scoped like event reads, the panel on the event page."""

import re

import pytest
from django.test import Client

from tests.events.factories import report
from wangge.events import workflow as wf
from wangge.suggest.models import SuggestionModel

pytestmark = pytest.mark.django_db


def accepted(trained, code: str, title: str):
    event = report(trained.world, code, title=title)
    return wf.event_accept(event=event, actor=trained.world.operator)


def selected_lead(html: str) -> str:
    select = re.search(r'<select name="lead".*?</select>', html, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="(\w+)" selected', select.group(0))
    assert len(chosen) == 1
    return chosen[0]


def test_api_ranks_categories_and_departments(trained, client: Client):
    event = report(trained.world, "1204", title="无证经营的小吃店卫生差")
    client.force_login(trained.world.operator)
    r = client.get(f"/api/events/{event.code}/suggestions")
    assert r.status_code == 200
    body = r.json()
    assert body["event"] == event.code and body["basis"] == "model"
    assert body["model_version"] == 1 and 0 < body["department_accuracy"] <= 1
    assert body["categories"][0]["code"] == "1001"
    assert body["departments"][0]["code"] == "sj"
    assert body["lead"] == "sj" and body["routing_lead"] is None
    assert body["departments"][0]["name"] == "市场监管"
    assert 0 < body["departments"][0]["confidence"] <= 1


def test_api_is_scoped_like_event_reads(trained, client: Client):
    event = report(trained.world, "0102", title="路边垃圾")
    assert client.get(f"/api/events/{event.code}/suggestions").status_code == 401
    client.force_login(trained.world.other_worker)  # another street's grid
    r = client.get(f"/api/events/{event.code}/suggestions")
    assert r.status_code == 404
    assert r.json()["errors"][0]["code"] == "not_found"
    client.force_login(trained.world.worker)  # the reporting grid's own worker
    assert client.get(f"/api/events/{event.code}/suggestions").status_code == 200


def test_api_without_a_model_says_so(trained, client: Client):
    SuggestionModel.objects.all().delete()
    event = report(trained.world, "0102", title="路边垃圾")
    client.force_login(trained.world.operator)
    body = client.get(f"/api/events/{event.code}/suggestions").json()
    assert body["basis"] == "no_model" and body["model_version"] is None
    assert body["categories"] == body["departments"] == []
    assert body["lead"] == body["routing_lead"] == "sj"


def test_event_page_shows_the_panel_and_proposes_the_models_lead(trained, client: Client):
    event = accepted(trained, "1204", "楼道里有人给电动车充电")
    client.force_login(trained.world.operator)
    html = client.get(f"/events/{event.code}/").content.decode()
    assert 'id="suggestions"' in html and 'data-basis="model"' in html
    assert re.search(r'class="suggested-departments"><li data-code="xf"', html)
    assert selected_lead(html) == "xf"  # the model's first (no routing rule for 1204)


def test_event_page_with_low_confidence_proposes_the_routing_rule(
    trained, client: Client, settings
):
    settings.WANGGE_SUGGEST_MIN_CONFIDENCE = 0.999
    event = accepted(trained, "0102", "楼道里有人给电动车充电")
    client.force_login(trained.world.operator)
    html = client.get(f"/events/{event.code}/").content.decode()
    assert 'data-basis="low_confidence"' in html
    assert 'class="routing-lead"' in html
    assert selected_lead(html) == "sj"


def test_the_panel_is_for_those_who_accept_or_dispatch(trained, client: Client):
    event = report(trained.world, "0102", title="路边垃圾")
    client.force_login(trained.world.worker)  # the reporter may read, not accept
    html = client.get(f"/events/{event.code}/").content.decode()
    assert client.get(f"/events/{event.code}/").status_code == 200
    assert 'id="suggestions"' not in html
    client.force_login(trained.world.operator)
    assert 'id="suggestions"' in client.get(f"/events/{event.code}/").content.decode()
