"""No plaintext ID number or phone in the database, the logs, or a response without reveal."""

import json
import logging
import re

import pytest
from django.db import connection
from django.test import Client

from tests.people.factories import ID_A, ID_B, PHONE_A, PHONE_B, make_people
from tests.people.helpers import dump
from wangge.accounts.actors import ANONYMOUS
from wangge.events.models import BuiltinChannel, Category, Event
from wangge.events.workflow import event_report

REPORTER_PHONE = "13998765432"
SECRETS = [ID_A, ID_B, PHONE_A, PHONE_B, REPORTER_PHONE]


def _reported(people) -> Event:
    """A hotline event whose caller left a phone (sealed like residents')."""
    return event_report(
        actor=ANONYMOUS,
        title="路灯不亮",
        category=Category.objects.get(code="0201"),
        channel=BuiltinChannel.HOTLINE,
        area=people.micro_a,
        reporter_name="王五",
        reporter_phone=REPORTER_PHONE,
    )


def _fragments() -> list[str]:
    # The hidden middle of each value must not show up either (e.g. a birth date + sequence).
    return SECRETS + [s[6:14] for s in (ID_A, ID_B)] + [s[3:7] + s[7:] for s in (PHONE_A,)]


def _exercise(people) -> list[str]:
    """Use every read endpoint as a worker without reveal rights; return the bodies."""
    c = Client()
    c.force_login(people.liaison_a)
    rid, hid = people.resident_a.pk, people.household_a.pk
    bodies = []
    for url, params in [
        ("/api/people/residents", {}),
        ("/api/people/residents", {"tag": ""}),
        (f"/api/people/residents/{rid}", {}),
        (f"/api/people/households/{hid}", {}),
        (f"/api/people/houses/{people.household_a.house_id}", {}),
        ("/api/people/organizations", {}),
        ("/api/people/party/members", {}),
    ]:
        response = c.get(url, params)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    for params in ({"q": ID_A}, {"phone": PHONE_A}, {"id_number": "1237"}):
        # By number: POST only, so the number never lands in a URL or an access log.
        refused_get = c.get("/api/people/residents", params)
        assert refused_get.status_code == 422, params
        bodies.append(refused_get.content.decode())
    search = "/api/people/residents/search"
    found = c.post(search, {"q": ID_A}, content_type="application/json").json()["items"]
    assert [r["id_number"] for r in found] == ["110105********002X"]
    by_phone = c.post(search, {"phone": PHONE_A}, content_type="application/json").json()
    assert by_phone["items"][0]["phone"] == "138****5678"
    bodies.append(json.dumps(by_phone, ensure_ascii=False))
    event = _reported(people)
    for url in (f"/events/{event.code}/", f"/api/events/{event.code}", "/people/"):
        response = c.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    assert "139****5432" in bodies[-3]
    refused = c.post(
        f"/api/people/residents/{rid}/reveal", {"reason": "看看"}, content_type="application/json"
    )
    assert refused.status_code == 403
    bodies.append(refused.content.decode())
    return bodies


def test_database_holds_no_plaintext(people):
    _reported(people)
    text = dump()
    assert "139****5432" in text  # and the events table too
    assert "110105********002X" in text  # the dump does see the people tables
    for secret in _fragments():
        assert secret not in text, secret


@pytest.mark.django_db(transaction=True)
def test_sqlite_file_holds_no_plaintext(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the table dump covers PostgreSQL")
    _reported(make_people())
    target = tmp_path / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(target)])
    raw = target.read_bytes()
    assert "张三".encode() in raw
    for secret in _fragments():
        assert secret.encode() not in raw, secret


def test_responses_and_logs_hold_no_plaintext(people, caplog):
    with caplog.at_level(logging.DEBUG):
        bodies = _exercise(people)
    text = "\n".join(bodies) + "\n" + caplog.text + "\n" + dump()
    for secret in _fragments():
        assert not re.search(re.escape(secret), text), secret
