"""In-service party members' report-ins to grids (在职党员到网格报到): recorded with what
they did, and the list of members below two report-ins this year."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.patrol_world import client_for
from tests.people.factories import make_people
from wangge.accounts.actors import SYSTEM
from wangge.errors import DomainError
from wangge.people.models import PartyMember, PartyReportIn
from wangge.people.party import selectors as party_selectors
from wangge.people.party import services as party_services

pytestmark = pytest.mark.django_db


def _members():
    p = make_people()
    grid_a = p.areas["330103001001001"]
    branch = party_services.party_branch_create(actor=SYSTEM, name="一支部", area=grid_a)
    members = {
        name: party_services.party_member_add(
            actor=SYSTEM, branch=branch, name=name, report_area=grid_a
        )
        for name in ("王一", "王二", "王三")
    }
    members["退休"] = party_services.party_member_add(
        actor=SYSTEM, branch=branch, name="退休", kind=PartyMember.Kind.RETIRED, report_area=grid_a
    )
    return p, members


def test_report_in_needs_what_the_member_did_and_refuses_mistakes():
    p, m = _members()
    with pytest.raises(DomainError) as blank:
        party_services.report_in_record(actor=p.worker_a, member=m["王一"], activity="  ")
    assert blank.value.problems[0].field == "activity"
    with pytest.raises(DomainError):
        party_services.report_in_record(
            actor=p.worker_a,
            member=m["王一"],
            activity="巡逻",
            on=timezone.localdate() + dt.timedelta(days=1),
        )
    with pytest.raises(DomainError):
        party_services.report_in_record(actor=p.worker_a, member=m["退休"], activity="巡逻")
    party_services.report_in_record(actor=p.worker_a, member=m["王一"], activity="环境整治")
    with pytest.raises(DomainError) as twice:
        party_services.report_in_record(actor=p.worker_a, member=m["王一"], activity="环境整治")
    assert twice.value.status == 409
    with pytest.raises(DomainError) as outside:
        party_services.report_in_record(actor=p.worker_b, member=m["王一"], activity="环境整治")
    assert outside.value.status == 403


def test_members_below_two_this_year():
    p, m = _members()
    today = timezone.localdate()
    last_year = today.replace(year=today.year - 1, day=1)

    def report(name: str, on: dt.date, grid: str = "") -> None:
        member = m[name]
        PartyReportIn.objects.create(
            member=member, area=member.report_area, reported_on=on, activity="环境整治"
        )

    report("王一", today)
    report("王一", today)  # e.g. two grids the same day: two report-ins
    report("王二", today)
    report("王三", last_year)
    below = party_selectors.report_in_below(p.worker_a, today.year)
    assert [(r["member"].name, r["count"]) for r in below] == [("王三", 0), ("王二", 1)]
    assert below[0]["last"] == last_year and below[0]["missing"] == 2
    assert party_selectors.report_in_below(p.worker_b, today.year) == []
    api = client_for(p.worker_a).get("/api/people/party/report-ins/below").json()["items"]
    assert [r["name"] for r in api] == ["王三", "王二"]


def test_phone_form_records_a_report_in_once():
    p, m = _members()
    a = client_for(p.worker_a)
    page = a.get("/field/party/").content.decode()
    assert "王三" in page
    url = f"/field/party/{m['王三'].pk}/report-in/"
    form = a.get(url).content.decode()
    assert "data-offline-form" in form
    data = {"client_key": "party-0000001", "activity": "帮助独居老人打扫"}
    assert a.post(url, data).status_code == 302
    assert a.post(url, data).status_code == 302  # the same form again: stored once
    r = PartyReportIn.objects.get(member=m["王三"])
    assert r.activity == "帮助独居老人打扫" and r.recorded_by == p.worker_a
    refused = a.post(url, {"client_key": "party-0000002", "activity": ""})
    assert refused.status_code == 400
    assert client_for(p.worker_b).get(url).status_code == 404
