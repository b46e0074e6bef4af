"""The auditor (审计员, the `auditor` group): reads the whole platform's audit log and verifies
its chain, and nothing else — no residents, no reveals, no events, no transitions."""

from django.test import Client

from tests.factories import reseed
from wangge.accounts.policy import otp_expected
from wangge.events import workflow
from wangge.events.models import Category
from wangge.people import access


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _reveal(user, resident) -> int:
    url = f"/api/people/residents/{resident.pk}/reveal"
    return _client(user).post(url, {"reason": "入户走访核对"}, "application/json").status_code


def test_auditor_reads_the_audit_log_of_every_grid(people):
    assert _reveal(people.worker_a, people.resident_a) == 200
    assert _reveal(people.worker_b, people.resident_b) == 200
    auditor = _client(people.auditor)
    entries = auditor.get("/api/people/audit", {"action": "reveal"}).json()["items"]
    assert {(e["actor"], e["object_id"]) for e in entries} == {
        ("worker_a", str(people.resident_a.pk)),
        ("worker_b", str(people.resident_b.pk)),
    }
    assert auditor.get("/api/people/audit/verify").json()["ok"] is True
    page = auditor.get("/people/audit/", {"verify": "1"})
    assert page.status_code == 200
    assert "worker_a" in page.content.decode() and "worker_b" in page.content.decode()
    group = people.auditor.groups.get()
    assert group.name == access.AUDITOR_GROUP
    assert [p.codename for p in group.permissions.all()] == ["read_audit"]
    assert otp_expected(people.auditor)  # a second factor applies to auditors
    # A grid worker does not read the log, however much they see.
    worker = _client(people.worker_a)
    assert worker.get("/api/people/audit").status_code == 403
    assert worker.get("/people/audit/").status_code == 404


def test_auditor_sees_no_resident_and_acts_on_no_event(people):
    reseed()  # the event catalogue
    event = workflow.event_report(
        actor=people.worker_a,
        title="路边暴露垃圾",
        category=Category.objects.get(code="0102"),
        area=people.micro_a,
    )
    auditor = _client(people.auditor)
    assert not access.can_reveal(people.auditor, people.micro_a)
    assert _reveal(people.auditor, people.resident_a) == 404
    assert auditor.get(f"/api/people/residents/{people.resident_a.pk}").status_code == 404
    assert auditor.get(f"/people/households/{people.household_a.pk}/").status_code == 404
    assert auditor.get("/api/events").json()["items"] == []
    assert auditor.get(f"/api/events/{event.code}").status_code == 404
    accept = auditor.post(f"/api/events/{event.code}/accept", {}, "application/json")
    assert accept.status_code == 404
    event.refresh_from_db()
    assert event.status == "reported" and event.version == 1
    # Reading the log is read-only: the API offers no way to write or delete it.
    assert auditor.post("/api/people/audit", {}, "application/json").status_code == 405
    assert auditor.get("/").status_code in (200, 302)  # a home that does not fail
