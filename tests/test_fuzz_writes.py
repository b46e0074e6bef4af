"""Property test: arbitrary unicode (lone surrogates, NUL, controls), impossible and
overflowing dates, and numbers of any size thrown at the write endpoints of events, people,
fieldwork and the portal, and at the main list filters. No answer is a 5xx, and a refused
write leaves every table as it was (issue 13). Runs on SQLite and PostgreSQL alike."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.fieldwork.visits_factories import household, make_world, member
from tests.fuzzing import FORM_TEXT, FUZZ, bodies
from wangge.events import workflow
from wangge.events.api import EventFilters, ReasonIn, ReportIn, SuperviseIn
from wangge.events.models import Category, Event, TimelineEntry
from wangge.fieldwork.models import Patrol
from wangge.fieldwork.patrols.api import PointIn, StartIn
from wangge.people.models import Residence, Resident, ResidentTag
from wangge.people.residents.api import MoveIn, ResidentFilter, ResidentIn, ResidentPatch, TagIn

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Event, TimelineEntry, Resident, Residence, ResidentTag, Patrol)
    )


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    w = make_world()
    w.resident = member(household(w.micro_a1))
    w.category = Category.objects.get(code="0102")
    return w


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _send(client: Client, method: str, url: str, body) -> None:
    before = counts()
    raw = json.dumps(body)  # NaN, Infinity and \ud800 escapes as Python's json writes them
    response = getattr(client, method)(url, raw, content_type="application/json")
    assert response.status_code < 500, (url, raw, response.content[:300])
    if response.status_code >= 400:
        assert counts() == before, (url, raw, response.status_code)


@FUZZ
@given(data=st.data())
def test_event_writes_never_fail(world, data):
    client = _client(world.operator)
    event = workflow.event_report(
        actor=world.worker_a, title="路灯不亮", category=world.category, area=world.micro_a1
    )
    _send(client, "post", "/api/events", data.draw(bodies(ReportIn)))
    _send(client, "post", f"/api/events/{event.code}/supervise", data.draw(bodies(SuperviseIn)))
    _send(client, "post", f"/api/events/{event.code}/reject", data.draw(bodies(ReasonIn)))


@FUZZ
@given(data=st.data())
def test_people_writes_never_fail(world, data):
    client = _client(world.worker_a)
    rid = world.resident.pk
    body = data.draw(bodies(ResidentIn))
    _send(client, "post", "/api/people/residents", body)
    _send(client, "patch", f"/api/people/residents/{rid}", data.draw(bodies(ResidentPatch)))
    _send(client, "post", f"/api/people/residents/{rid}/tags", data.draw(bodies(TagIn)))
    _send(client, "post", f"/api/people/residents/{rid}/move", data.draw(bodies(MoveIn)))


@FUZZ
@given(data=st.data())
def test_fieldwork_writes_never_fail(world, data):
    client = _client(world.worker_a)
    _send(client, "post", "/api/fieldwork/patrols", data.draw(bodies(StartIn)))
    patrol = Patrol.objects.filter(worker=world.worker_a, ended_at__isnull=True).first()
    if patrol is None:
        patrol_response = client.post("/api/fieldwork/patrols", {}, content_type="application/json")
        assert patrol_response.status_code == 201
        patrol = Patrol.objects.get(pk=patrol_response.json()["id"])
    points = data.draw(st.lists(bodies(PointIn), max_size=3))
    _send(client, "post", f"/api/fieldwork/patrols/{patrol.pk}/points", {"points": points})


@FUZZ
@given(
    form=st.fixed_dictionaries(
        {},
        optional={
            f: FORM_TEXT for f in ("text", "category", "lon", "lat", "address", "name", "phone")
        },
    )
)
def test_portal_reports_never_fail(world, client, form):
    before = counts()
    response = client.post("/r/", form)
    assert response.status_code < 500, (form, response.status_code)
    if response.status_code >= 400:
        assert counts() == before


@FUZZ
@given(data=st.data())
def test_list_filters_never_fail(world, data):
    client = _client(world.operator)
    for url, schema in (("/api/events", EventFilters), ("/api/people/residents", ResidentFilter)):
        query = data.draw(
            st.dictionaries(st.sampled_from(sorted(schema.model_fields)), FORM_TEXT, max_size=3)
        )
        response = client.get(url, query)
        assert response.status_code < 500, (url, query, response.content[:300])
