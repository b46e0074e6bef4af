"""Mass reveals (issue 13, "Personal data"): past WANGGE_REVEAL_LIMIT reveals within an hour a
user is refused (429 with Retry-After; a clear message on the page) and the auditors are
alerted once per window; an auditor acknowledges the alert, and that is audited too."""

import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import reseed
from wangge.accounts import audit, reveals
from wangge.accounts.actors import ANONYMOUS
from wangge.accounts.models import AuditEntry, SecurityAlert
from wangge.events.models import BuiltinChannel, Category
from wangge.events.privacy import reveal_reporter_phone
from wangge.events.workflow import event_report
from wangge.people.residents import services

REASON = "入户走访核对"


def _client(user, **headers) -> Client:
    c = Client(**headers)
    c.force_login(user)
    return c


def test_the_31st_reveal_is_refused_and_the_auditors_alerted_once(people):
    assert settings.WANGGE_REVEAL_LIMIT == 30
    reseed()  # the event catalogue
    event = event_report(
        actor=ANONYMOUS,
        title="噪音扰民",
        category=Category.objects.get(code="0201"),
        channel=BuiltinChannel.HOTLINE,
        area=people.micro_a,
        reporter_phone="13998765432",
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(29):
            services.reveal(actor=people.worker_a, resident=people.resident_a, reason=REASON)
        # A reporter's phone is a reveal like a resident's: the 30th.
        assert reveal_reporter_phone(people.worker_a, event, reason=REASON) == "13998765432"
        clock.shift(dt.timedelta(minutes=10))

        api = _client(people.worker_a).post(
            f"/api/people/residents/{people.resident_a.pk}/reveal",
            {"reason": REASON},
            "application/json",
        )
        assert api.status_code == 429
        assert api.json()["errors"][0]["code"] == "reveal_limit"
        assert api["Retry-After"] == str(50 * 60)  # the first reveal leaves the window then
        page = _client(people.worker_a, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
            f"/people/residents/{people.resident_a.pk}/reveal/", {"reason": REASON}
        )
        assert page.status_code == 429
        html = page.content.decode()
        assert "审计员" in html
        phone = _client(people.worker_a).post(
            f"/api/events/{event.code}/reporter-phone", {"reason": REASON}, "application/json"
        )
        assert phone.status_code == 429
        assert AuditEntry.objects.filter(actor_id=people.worker_a.pk, action="reveal").count() == 30

        # One alert for the window, however many refusals; written to the audit log.
        [alert] = SecurityAlert.objects.all()
        assert (alert.username, alert.kind, alert.acknowledged_at) == (
            "worker_a",
            "mass_reveal",
            None,
        )
        [raised] = AuditEntry.objects.filter(action="alert")
        assert (raised.actor_name, raised.object_id) == ("worker_a", str(alert.pk))

        # The auditors (the group) and administrators see it; the worker does not.
        assert list(reveals.open_alerts(people.auditor)) == [alert]
        assert list(reveals.open_alerts(people.admin)) == [alert]
        assert not reveals.open_alerts(people.worker_a).exists()
        auditor = _client(people.auditor)
        log = auditor.get("/people/audit/").content.decode()
        assert f"/people/audit/alerts/{alert.pk}/acknowledge/" in log
        ack_url = f"/people/audit/alerts/{alert.pk}/acknowledge/"
        assert _client(people.worker_a).post(ack_url).status_code == 404
        assert auditor.post(ack_url).status_code == 302
        alert.refresh_from_db()
        assert alert.acknowledged_by == "auditor" and alert.acknowledged_at is not None
        [ack] = AuditEntry.objects.filter(action="acknowledge")
        assert (ack.actor_name, ack.object_type, ack.object_id) == (
            "auditor",
            "security_alert",
            str(alert.pk),
        )
        assert ack_url not in auditor.get("/people/audit/").content.decode()
        assert audit.verify().ok

        # An hour after the first reveals the user may reveal again; a new window, a new alert.
        clock.shift(dt.timedelta(minutes=51))
        services.reveal(actor=people.worker_a, resident=people.resident_a, reason=REASON)
        assert SecurityAlert.objects.count() == 1


def test_the_back_office_lists_alerts_for_auditors(people, settings):
    settings.WANGGE_REVEAL_LIMIT = 1
    services.reveal(actor=people.worker_a, resident=people.resident_a, reason=REASON)
    refused = _client(people.worker_a).post(
        f"/api/people/residents/{people.resident_a.pk}/reveal",
        {"reason": REASON},
        "application/json",
    )
    assert refused.status_code == 429
    office = _client(people.admin)
    people.admin.is_staff = True
    people.admin.save(update_fields=["is_staff"])
    page = office.get("/admin/accounts/securityalert/")
    assert page.status_code == 200 and "worker_a" in page.content.decode()
    alert = SecurityAlert.objects.get()
    done = office.post(
        "/admin/accounts/securityalert/",
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == "admin"
    assert AuditEntry.objects.filter(action="acknowledge", actor_name="admin").count() == 1
