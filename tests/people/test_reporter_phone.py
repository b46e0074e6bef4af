"""Reporters' phones (hotline, portal, Open311, API): sealed at rest, masked on the staff page,
revealed with a reason by those who may reveal residents' phones (audited); numbers in the
event's free text masked for the others."""

import pytest
from django.test import Client

from tests.people.helpers import dump
from wangge.accounts.actors import ANONYMOUS
from wangge.accounts.models import AuditEntry
from wangge.events.models import BuiltinChannel, Category, Event
from wangge.events.privacy import events_by_reporter_phone
from wangge.events.workflow import event_report

PHONE = "13998765432"
OTHER_ID = "110105198001010018"


@pytest.fixture
def event(people) -> Event:
    return event_report(
        actor=ANONYMOUS,
        title="噪音扰民",
        category=Category.objects.get(code="0201"),
        channel=BuiltinChannel.HOTLINE,
        area=people.micro_a,
        description=f"来电人电话 {PHONE}，身份证 {OTHER_ID}，另一号码 0571-87654321",
        reporter_name="王五",
        reporter_phone=f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}",
    )


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_phone_is_sealed_and_found_by_its_index(people, event):
    row = Event.objects.get(pk=event.pk)
    assert (row.reporter_phone_masked, row.reporter_phone) == ("139****5432", PHONE)
    assert PHONE not in row.reporter_phone_enc and len(row.reporter_phone_index) == 64
    assert [e.pk for e in events_by_reporter_phone(people.worker_a, "139-9876-5432")] == [event.pk]
    assert not events_by_reporter_phone(people.worker_b, PHONE).exists()  # out of scope
    assert "139****5432" in dump()


def test_a_worker_without_reveal_sees_masks_only(people, event):
    page = _client(people.liaison_a).get(f"/events/{event.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "139****5432" in html and "110105********0018" in html and "0571****4321" in html
    for plain in (PHONE, OTHER_ID, "87654321"):
        assert plain not in html, plain
    assert "reporter-phone/" not in html  # no reveal form offered
    refused = _client(people.liaison_a).post(
        f"/events/{event.code}/reporter-phone/", {"reason": "回访核实"}
    )
    assert refused.status_code == 403 and PHONE not in refused.content.decode()
    api = _client(people.liaison_a).post(
        f"/api/events/{event.code}/reporter-phone",
        {"reason": "回访核实"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not AuditEntry.objects.filter(object_type="event", action="reveal").exists()


def test_reveal_needs_a_reason_and_is_audited(people, event):
    worker = _client(people.worker_a)
    html = worker.get(f"/events/{event.code}/").content.decode()
    assert "reporter-phone/" in html and PHONE in html  # may reveal: free text unmasked
    no_reason = worker.post(f"/events/{event.code}/reporter-phone/", {"reason": " "})
    assert no_reason.status_code == 400 and PHONE not in no_reason.content.decode()
    shown = worker.post(f"/events/{event.code}/reporter-phone/", {"reason": "回访核实"})
    assert shown.status_code == 200 and PHONE in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    api = worker.post(
        f"/api/events/{event.code}/reporter-phone",
        {"reason": "回访核实"},
        content_type="application/json",
    )
    assert api.json() == {"phone": PHONE}
    entries = AuditEntry.objects.filter(object_type="event", action="reveal", object_id=event.pk)
    assert [(e.actor_id, e.reason) for e in entries] == [(people.worker_a.pk, "回访核实")] * 2
    other = _client(people.worker_b).post(
        f"/events/{event.code}/reporter-phone/", {"reason": "回访核实"}
    )
    assert other.status_code == 404  # another grid's event is not found
