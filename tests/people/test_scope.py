"""Scope matrix: a worker of grid A gets 404 for grid B's records through every endpoint."""

import pytest
from django.test import Client

from tests.people.factories import ID_B
from wangge.accounts.actors import SYSTEM
from wangge.people.models import TagKind
from wangge.people.residents import services


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def b_records(people):
    tag = services.tag_add(
        actor=SYSTEM, resident=people.resident_b, kind=TagKind.objects.get(code="veteran")
    )
    house = people.household_b.house
    return {
        "resident": people.resident_b.pk,
        "household": people.household_b.pk,
        "house": house.pk,
        "building": house.building_id,
        "tag": tag.pk,
    }


def test_every_endpoint_is_404_outside_scope(people, b_records):
    a = _client(people.worker_a)
    r, hh = b_records["resident"], b_records["household"]
    calls = [
        ("get", f"/api/people/residents/{r}", None),
        ("patch", f"/api/people/residents/{r}", {"note": "x"}),
        ("post", f"/api/people/residents/{r}/reveal", {"reason": "核实"}),
        ("post", f"/api/people/residents/{r}/move", {"household_id": people.household_a.pk}),
        ("post", f"/api/people/residents/{people.resident_a.pk}/move", {"household_id": hh}),
        ("post", f"/api/people/residents/{r}/tags", {"kind": "veteran"}),
        ("post", f"/api/people/tags/{b_records['tag']}/end", {}),
        ("get", f"/api/people/households/{hh}", None),
        ("get", f"/api/people/houses/{b_records['house']}", None),
        ("get", f"/api/people/buildings/{b_records['building']}", None),
        (
            "post",
            "/api/people/residents",
            {"name": "王五", "id_number": "330103199003071237", "household_id": hh},
        ),
    ]
    for method, url, body in calls:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = getattr(a, method)(url, body, **kwargs) if body is not None else a.get(url)
        assert response.status_code == 404, (method, url, response.content)
    # … while worker B reaches the same records.
    b = _client(people.worker_b)
    assert b.get(f"/api/people/residents/{r}").status_code == 200
    assert b.get(f"/api/people/households/{hh}").status_code == 200


def test_lists_and_searches_stay_in_scope(people, b_records):
    a = _client(people.worker_a)
    names = {x["name"] for x in a.get("/api/people/residents").json()["items"]}
    assert names == {"张三"}
    found = a.post("/api/people/residents/search", {"q": ID_B}, content_type="application/json")
    assert found.json()["items"] == []
    assert a.get("/api/people/residents", {"tag": "veteran"}).json()["items"] == []
    assert [b["code"] for b in a.get("/api/people/buildings").json()["items"]] == ["B-HA"]
    export = a.get("/api/people/residents/export.xlsx")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == ["张三"]
    # The operator of the whole district sees both.
    assert len(_client(people.admin).get("/api/people/residents").json()["items"]) == 2


def test_reveal_needs_a_role_that_needs_it_and_a_reason(people):
    url = f"/api/people/residents/{people.resident_a.pk}/reveal"
    liaison = _client(people.liaison_a)
    assert liaison.get(f"/api/people/residents/{people.resident_a.pk}").status_code == 200
    assert liaison.post(url, {"reason": "走访"}, content_type="application/json").status_code == 403
    worker = _client(people.worker_a)
    assert worker.post(url, {"reason": " "}, content_type="application/json").status_code == 400
    ok = worker.post(url, {"reason": "入户走访核对"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json() == {"id_number": "11010519491231002X", "phone": "13812345678"}
    entries = _client(people.auditor).get("/api/people/audit", {"action": "reveal"}).json()["items"]
    assert [(e["actor"], e["reason"], e["object_id"]) for e in entries] == [
        ("worker_a", "入户走访核对", str(people.resident_a.pk))
    ]
    assert entries[0]["ip"] == "127.0.0.1"


def test_plaintext_needs_a_real_reason_and_is_never_cached(people):
    url = f"/api/people/residents/{people.resident_a.pk}/reveal"
    worker = _client(people.worker_a)
    for junk in (".", "..", "-_-", "。，"):
        refused = worker.post(url, {"reason": junk}, content_type="application/json")
        assert refused.status_code == 400, junk
        assert refused.json()["errors"][0]["field"] == "reason"
    ok = worker.post(url, {"reason": "核对"}, content_type="application/json")
    assert ok.status_code == 200 and "no-store" in ok["Cache-Control"]

    admin = _client(people.admin)
    export = "/api/people/residents/export.xlsx"
    refused = admin.post(export, {"reason": "."}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reason"
    plain = admin.post(export, {"reason": "年度核查"}, content_type="application/json")
    assert plain.status_code == 200 and "no-store" in plain["Cache-Control"]
    assert "no-store" in admin.get(export)["Cache-Control"]


def test_sensitive_tags_only_with_a_grant(people):
    kind = TagKind.objects.get(code="community_correction")
    services.tag_add(
        actor=SYSTEM, resident=people.resident_a, kind=kind, data={"until": "2030-01-01"}
    )
    worker = _client(people.worker_a)
    detail = worker.get(f"/api/people/residents/{people.resident_a.pk}").json()
    assert detail["tags"] == []
    assert worker.get("/api/people/residents", {"tag": kind.code}).status_code == 404
    assert kind.code not in {k["code"] for k in worker.get("/api/people/tag-kinds").json()}
    adding = worker.post(
        f"/api/people/residents/{people.resident_a.pk}/tags",
        {"kind": kind.code},
        content_type="application/json",
    )
    assert adding.status_code == 404
    services.tag_grant(actor=people.admin, user=people.worker_a, kind=kind)
    detail = worker.get(f"/api/people/residents/{people.resident_a.pk}").json()
    assert [t["kind"] for t in detail["tags"]] == [kind.code]
    found = worker.get("/api/people/residents", {"tag": kind.code}).json()["items"]
    assert [r["name"] for r in found] == ["张三"]


def test_audit_log_is_for_auditors_only(people):
    assert _client(people.worker_a).get("/api/people/audit").status_code == 403
    assert _client(people.worker_a).get("/api/people/audit/verify").status_code == 403
    verified = _client(people.auditor).get("/api/people/audit/verify").json()
    assert verified["ok"] is True and verified["checked"] > 0
