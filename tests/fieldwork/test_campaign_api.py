"""Campaigns over HTTP (API and pages): the scope matrix, answers, coverage, export."""

import io
import json

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from tests.fieldwork import campaign_world as helpers
from tests.fieldwork.campaign_world import (
    FORM,
    World,
    data_url,
    jpeg_photo,
    opened,
    signature_png,
)
from wangge.accounts.models import AuditEntry
from wangge.fieldwork.models import CampaignFile, CampaignTarget

API = "/api/fieldwork/campaigns"

# The shared fixtures, by assignment (pytest finds them in the module).
world = helpers.world
_campaign_env = helpers._campaign_env


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def zh(message: str) -> str:
    """The pages and files speak zh-hans whatever the test's own language."""
    with translation.override("zh-hans"):
        return gettext(message)


def _target(campaign, household) -> CampaignTarget:
    return CampaignTarget.objects.get(campaign=campaign, household=household)


def test_define_open_and_list_over_the_api(world: World) -> None:
    admin = _client(world.people.admin)
    body = {
        "title": "流动人员信息排查",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "areas": ["330103"],
        "residence_types": ["floating"],
        "fields": FORM,
    }
    created = admin.post(API, body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    opened_ = admin.post(f"{API}/{pk}/open")
    assert opened_.json() == {"targets": 1}
    assert admin.post(f"{API}/{pk}/open").status_code == 400  # not a draft any more
    # A bad definition is refused with the field named.
    bad = admin.post(
        API,
        {**body, "fields": [{"name": "x", "label": "颜色", "type": "colour"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "fields[0].type"
    assert "颜色" in bad.json()["errors"][0]["message"]
    # Workers may not define.
    worker = _client(world.people.worker_a)
    assert worker.post(API, body, content_type="application/json").status_code == 403
    assert [c["id"] for c in worker.get(API).json()["items"]] == [pk]


def test_scope_matrix_grid_a_worker_gets_404_for_grid_b(world: World) -> None:
    p = world.people
    campaign = opened(world)
    mine, theirs = _target(campaign, p.household_a), _target(campaign, p.household_b)
    a = _client(p.worker_a)
    t = theirs.pk
    calls = [
        ("get", f"{API}/targets/{t}", None),
        ("post", f"{API}/targets/{t}/answer", {"answers": {"count": 1}}),
        ("post", f"{API}/targets/{t}/unreachable", {"reason": "无人"}),
        ("get", f"/field/campaigns/targets/{t}/", None),
        ("post", f"/field/campaigns/targets/{t}/", {"count": "1"}),
    ]
    for method, url, body in calls:
        if url.startswith("/api") and body is not None:
            response = getattr(a, method)(url, body, content_type="application/json")
        else:
            response = getattr(a, method)(url, body or {})
        assert response.status_code == 404, (method, url, response.status_code)
    upload = a.post(
        f"{API}/targets/{t}/files",
        {"field": "photo", "file": io.BytesIO(jpeg_photo())},
    )
    assert upload.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending" and not CampaignFile.objects.exists()
    # Lists never show grid B's targets; its area is 404 as a filter.
    listed = a.get(f"{API}/{campaign.pk}/targets").json()["items"]
    assert {i["id"] for i in listed} == set(
        CampaignTarget.objects.filter(campaign=campaign, area=p.micro_a).values_list(
            "pk", flat=True
        )
    )
    assert a.get(f"{API}/{campaign.pk}/targets", {"area": p.micro_b.code}).status_code == 404
    assert a.get(f"{API}/{campaign.pk}/coverage", {"area": p.micro_b.code}).status_code == 404
    assert (
        a.get(f"/field/campaigns/{campaign.pk}/coverage/", {"area": p.micro_b.code}).status_code
        == 404
    )
    page = a.get(f"/field/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert p.household_b.address not in page.content.decode()
    assert p.household_a.address in page.content.decode()
    # The own target is fine.
    assert a.get(f"{API}/targets/{mine.pk}").status_code == 200
    assert a.get(f"/field/campaigns/targets/{mine.pk}/").status_code == 200


def test_answer_over_the_api_with_uploaded_photo_and_drawn_signature(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = _target(campaign, p.household_a)
    a = _client(p.worker_a)
    up = a.post(
        f"{API}/targets/{target.pk}/files", {"field": "photo", "file": io.BytesIO(jpeg_photo())}
    )
    assert up.status_code == 201, up.content
    photo_id = up.json()["id"]
    bad = a.post(
        f"{API}/targets/{target.pk}/answer",
        {"answers": {"count": "x", "sign": "data:image/png;base64,AAAA"}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    errors = {e["field"]: e["message"] for e in bad.json()["errors"]}
    assert set(errors) == {"count", "sign"}
    assert "在住人数" in errors["count"] and "户主签名" in errors["sign"]
    ok = a.post(
        f"{API}/targets/{target.pk}/answer",
        {"answers": {"count": 2, "photo": photo_id, "sign": data_url(signature_png())}},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert data["status"] == "done" and data["answers"]["photo"] == photo_id
    kinds = {f["kind"] for f in data["files"]}
    assert kinds == {"photo", "signature"}
    assert data["history"][0]["by"] == "worker_a"


def test_phone_form_saves_answers_and_unreachable(world: World) -> None:
    p = world.people
    campaign = opened(world)
    a = _client(p.worker_a)
    target = _target(campaign, world.household_a2)
    url = f"/field/campaigns/targets/{target.pk}/"
    page = a.get(url)
    assert "data-offline-form" in page.content.decode()
    assert "signature.js" in page.content.decode()
    refused = a.post(url, {"action": "answer", "count": "abc", "needs": ["就业"]})
    assert refused.status_code == 422
    assert "在住人数" in refused.content.decode()
    # A broken location is refused by name, shown above the form, not ignored.
    bad_place = a.post(url, {"action": "answer", "count": "2", "lon": "east", "lat": "30"})
    assert bad_place.status_code == 422 and zh("Not a number.") in bad_place.content.decode()
    target.refresh_from_db()
    assert target.status == "pending"
    saved = a.post(
        url,
        {
            "action": "answer",
            "count": "2",
            "needs": ["就业", "就医"],
            "rented": "yes",
            "sign": data_url(signature_png()),
            "photo": io.BytesIO(jpeg_photo()),
        },
    )
    assert saved.status_code == 302
    target.refresh_from_db()
    assert target.answers["needs"] == ["就业", "就医"] and target.answers["rented"] is True
    assert CampaignFile.objects.get(pk=target.answers["sign"]).kind == "signature"
    # Re-submitting without a new signature keeps the stored one.
    sign_id = target.answers["sign"]
    again = a.post(url, {"action": "answer", "count": "3", "sign__keep": str(sign_id)})
    assert again.status_code == 302
    target.refresh_from_db()
    assert target.answers == {"count": 3, "sign": sign_id}
    other = _target(campaign, p.household_a)
    gone = a.post(
        f"/field/campaigns/targets/{other.pk}/", {"action": "unreachable", "reason": "外出务工"}
    )
    assert gone.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.reason) == ("unreachable", "外出务工")
    listing = a.get(f"/field/campaigns/{campaign.pk}/").content.decode()
    assert "外出务工" in listing
    assert a.get("/field/campaigns/").status_code == 200


def test_coverage_api_page_and_map(world: World) -> None:
    p = world.people
    campaign = opened(world)
    admin = _client(p.admin)
    admin.post(
        f"{API}/targets/{_target(campaign, p.household_a).pk}/unreachable",
        {"reason": "拒绝"},
        content_type="application/json",
    )
    cov = admin.get(f"{API}/{campaign.pk}/coverage").json()
    assert cov["total"] == {"total": 3, "done": 0, "unreachable": 1, "pending": 2, "rate": 0.0}
    assert [a["code"] for a in cov["areas"]] == ["330103"]
    grids = admin.get(f"{API}/{campaign.pk}/coverage", {"level": 4}).json()["areas"]
    assert len(grids) == 64  # 4 streets × 4 communities × 4 grids
    grid_a = next(g for g in grids if g["code"] == p.micro_a.code[:15])
    assert (grid_a["total"], grid_a["unreachable"], grid_a["pending"]) == (2, 1, 1)
    missing = admin.get(f"{API}/{campaign.pk}/missing").json()["items"]
    assert {m["address"] for m in missing} == {world.household_a2.address, p.household_b.address}
    page = admin.get(f"/field/campaigns/{campaign.pk}/coverage/", {"area": p.micro_a.code[:12]})
    assert page.status_code == 200
    html = page.content.decode()
    assert world.household_a2.address in html and p.household_b.address not in html
    geo = admin.get(
        f"/field/campaigns/{campaign.pk}/coverage.geojson", {"area": p.micro_a.code[:12]}
    )
    features = json.loads(geo.content)["features"]
    assert len(features) == 4
    assert sum(f["properties"]["total"] for f in features) == 2
    # Worker A's coverage is grid A only.
    mine = _client(p.worker_a).get(f"{API}/{campaign.pk}/coverage").json()
    assert mine["total"]["total"] == 2


def test_export_contents_masked_and_audited(world: World) -> None:
    p = world.people
    campaign = opened(world, target_kind="resident")
    t = CampaignTarget.objects.get(campaign=campaign, resident=p.resident_a)
    admin = _client(p.admin)
    admin.post(
        f"{API}/targets/{t.pk}/answer",
        {
            "answers": {
                "count": 1,
                "needs": ["就医"],
                "rented": False,
                "sign": data_url(signature_png()),
            }
        },
        content_type="application/json",
    )
    response = admin.get(f"{API}/{campaign.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "流动人员信息排查" and "admin" in rows[1][0]
    header = rows[2]
    for label in ("在住人数", "需求", "户主签名", zh("ID number"), zh("Filled by")):
        assert label in header
    by_name = {r[header.index(zh("Name"))]: r for r in rows[3:]}
    assert set(by_name) == {"张三", "李四", "王流动"}
    row = by_name["张三"]
    assert row[header.index(zh("ID number"))] == p.resident_a.id_number_masked
    assert "11010519491231002X" not in json.dumps(rows, ensure_ascii=False)
    assert row[header.index("在住人数")] == "1"
    assert row[header.index("需求")] == "就医"
    assert row[header.index("是否租住")] == zh("no")
    assert row[header.index("户主签名")].startswith("/field/campaigns/files/")
    status = header.index(zh("Status"))
    assert row[status] == zh("done") and row[header.index(zh("Filled by"))] == "admin"
    assert by_name["李四"][status] == zh("not yet done")
    assert AuditEntry.objects.filter(action="export", object_type="campaign").count() == 1
    # A worker's export holds their grid only.
    worker = _client(p.worker_a).get(f"{API}/{campaign.pk}/export.xlsx")
    names = [
        r[5]
        for r in load_workbook(io.BytesIO(worker.content)).active.iter_rows(
            min_row=4, values_only=True
        )
    ]
    assert sorted(names) == ["张三", "王流动"]


def test_centre_page_and_manage_buttons(world: World) -> None:
    campaign = opened(world)
    admin = _client(world.people.admin)
    page = admin.get("/field/campaigns/centre/")
    assert page.status_code == 200 and campaign.title in page.content.decode()
    assert admin.post(f"/field/campaigns/{campaign.pk}/refresh/").status_code == 302
    worker = _client(world.people.worker_a)
    worker.post(f"/field/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.status == "open"  # a worker cannot close it


@pytest.mark.parametrize("path", ["/field/campaigns/", "/field/campaigns/centre/"])
def test_pages_need_login(client, path) -> None:
    assert client.get(path).status_code == 302
