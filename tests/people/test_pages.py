"""The people pages over HTTP: scope, masking, reveal with a reason, tags, the audit viewer."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.people.factories import ID_A, ID_B, PHONE_A, People
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import AuditEntry
from wangge.people.models import ResidentTag, TagKind
from wangge.people.places import services as place_services
from wangge.people.residents import services


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(p: People, tag: ResidentTag | None = None) -> dict[str, tuple[str, str]]:
    """Every page about grid B's records: (method, url)."""
    house = p.household_b.house
    urls = {
        "building": ("get", reverse("people:building", args=[house.building_id])),
        "house": ("get", reverse("people:house", args=[house.pk])),
        "household": ("get", reverse("people:household", args=[p.household_b.pk])),
        "reveal form": ("get", reverse("people:reveal", args=[p.resident_b.pk])),
        "reveal": ("post", reverse("people:reveal", args=[p.resident_b.pk])),
        "tag add": ("post", reverse("people:tag_add", args=[p.resident_b.pk])),
    }
    if tag is not None:
        urls["tag end"] = ("post", reverse("people:tag_end", args=[tag.pk]))
    return urls


@pytest.mark.django_db
def test_worker_of_grid_a_gets_404_for_grid_b_on_every_page(people: People) -> None:
    tag = services.tag_add(
        actor=SYSTEM, resident=people.resident_b, kind=TagKind.objects.get(code="veteran")
    )
    a, b = client_for(people.worker_a), client_for(people.worker_b)
    for name, (method, url) in pages(people, tag).items():
        data = {"reason": "回访", "kind": "veteran"}
        response = getattr(a, method)(url, data) if method == "post" else a.get(url)
        assert response.status_code == 404, name
        if method == "get":
            assert b.get(url).status_code == 200, name
    assert not AuditEntry.objects.filter(action="reveal").exists()
    tag.refresh_from_db()
    assert tag.valid_to is None


@pytest.mark.django_db
def test_search_finds_within_scope_only(people: People) -> None:
    a = client_for(people.worker_a)
    url = reverse("people:search")
    masked_b = people.resident_b.id_number_masked
    # The results partial (htmx), so the echoed query does not count as a hit.
    hx = {"HTTP_HX_REQUEST": "true"}
    for query in (
        {"q": "张三"},
        {"q": ID_A},
        {"id_number": ID_A[-4:]},
        {"q": PHONE_A},
        {"phone": PHONE_A[-4:]},
        {"address": "HA路"},
        {"id_number": people.resident_a.id_number_masked},
    ):
        body = a.post(url, query, **hx).content.decode()
        assert "张三" in body, query
    for query in (
        {"q": "李四"},
        {"q": ID_B},
        {"id_number": ID_B[-4:]},
        {"address": "HB路"},
        {"id_number": masked_b},
    ):
        body = a.post(url, query, **hx).content.decode()
        assert "李四" not in body, query
        assert "没有找到" in body or "No resident" in body, query


@pytest.mark.django_db
def test_search_by_tag_and_sensitive_tags_need_a_grant(people: People) -> None:
    services.tag_add(
        actor=SYSTEM, resident=people.resident_a, kind=TagKind.objects.get(code="veteran")
    )
    services.tag_add(
        actor=SYSTEM, resident=people.resident_a, kind=TagKind.objects.get(code="drug_user")
    )
    a = client_for(people.worker_a)
    hx = {"HTTP_HX_REQUEST": "true"}
    body = a.post(reverse("people:search"), {"tag": "veteran"}, **hx).content.decode()
    assert "张三" in body
    sensitive = TagKind.objects.get(code="drug_user").name
    assert (
        sensitive
        not in a.get(reverse("people:household", args=[people.household_a.pk])).content.decode()
    )
    response = a.post(reverse("people:search"), {"tag": "drug_user"}, **hx)
    assert "张三" not in response.content.decode()
    services.tag_grant(
        actor=people.admin, user=people.worker_a, kind=TagKind.objects.get(code="drug_user")
    )
    assert (
        sensitive
        in a.get(reverse("people:household", args=[people.household_a.pk])).content.decode()
    )


@pytest.mark.django_db
def test_household_page_shows_masked_values_never_plaintext(people: People) -> None:
    a = client_for(people.worker_a)
    body = a.get(reverse("people:household", args=[people.household_a.pk])).content.decode()
    assert "张三" in body
    assert people.resident_a.id_number_masked in body
    assert people.resident_a.phone_masked in body
    assert ID_A not in body and PHONE_A not in body
    # The search echoes a whole number masked: the page holds the hit, never the plaintext.
    for q in (ID_A, PHONE_A):
        search = a.post(reverse("people:search"), {"q": q}).content.decode()
        assert "张三" in search and ID_A not in search and PHONE_A not in search


@pytest.mark.django_db
def test_reveal_asks_a_reason_shows_plaintext_once_and_audits(people: People) -> None:
    a = client_for(people.worker_a)
    url = reverse("people:reveal", args=[people.resident_a.pk])
    form = a.get(url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert ID_A not in form.content.decode()
    refused = a.post(url, {"reason": ""})
    assert refused.status_code == 400 and ID_A not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()
    shown = a.post(url, {"reason": "入户走访核实身份"})
    assert shown.status_code == 200
    assert ID_A in shown.content.decode() and PHONE_A in shown.content.decode()
    assert "no-store" in shown["Cache-Control"] or "max-age=0" in shown["Cache-Control"]
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.reason == "入户走访核实身份"
    assert entry.actor_name == "worker_a" and entry.object_id == str(people.resident_a.pk)
    # Once: the household page still shows the masked values only.
    again = a.get(reverse("people:household", args=[people.household_a.pk])).content.decode()
    assert ID_A not in again


@pytest.mark.django_db
def test_liaison_may_not_reveal(people: People) -> None:
    liaison = client_for(people.liaison_a)
    page = liaison.get(reverse("people:household", args=[people.household_a.pk])).content.decode()
    assert reverse("people:reveal", args=[people.resident_a.pk]) not in page
    response = liaison.post(
        reverse("people:reveal", args=[people.resident_a.pk]), {"reason": "看看"}
    )
    assert response.status_code == 403 and ID_A not in response.content.decode()


@pytest.mark.django_db
def test_tag_add_and_end(people: People) -> None:
    a = client_for(people.worker_a)
    household = reverse("people:household", args=[people.household_a.pk])
    response = a.post(
        reverse("people:tag_add", args=[people.resident_a.pk]),
        {
            "kind": "disabled",
            "data_category": "肢体",
            "data_grade": "二级",
            "valid_from": "2026-01-01",
            "valid_to": "2027-01-01",
        },
    )
    assert response.status_code == 302 and response["Location"] == household
    tag = ResidentTag.objects.get(resident=people.resident_a)
    assert tag.data == {"category": "肢体", "grade": "二级"}
    assert str(tag.valid_to) == "2027-01-01"
    # Missing required details: an error message, nothing written.
    a.post(reverse("people:tag_add", args=[people.resident_a.pk]), {"kind": "disabled"})
    assert ResidentTag.objects.filter(resident=people.resident_a).count() == 1
    assert a.post(reverse("people:tag_end", args=[tag.pk])).status_code == 302
    tag.refresh_from_db()
    assert tag.valid_to is not None
    assert ResidentTag.objects.filter(pk=tag.pk).exists()  # ended, not deleted


@pytest.mark.django_db
def test_drill_down_links(people: People) -> None:
    a = client_for(people.worker_a)
    house = people.household_a.house
    body = a.get(reverse("people:buildings")).content.decode()
    assert reverse("people:building", args=[house.building_id]) in body
    assert "HB幢" not in body
    body = a.get(reverse("people:building", args=[house.building_id])).content.decode()
    assert reverse("people:house", args=[house.pk]) in body
    body = a.get(reverse("people:house", args=[house.pk])).content.decode()
    assert reverse("people:household", args=[people.household_a.pk]) in body


@pytest.mark.django_db
def test_audit_viewer_only_for_auditors(people: People) -> None:
    services.reveal(actor=people.worker_a, resident=people.resident_a, reason="核实")
    url = reverse("people:audit")
    assert client_for(people.worker_a).get(url).status_code == 404
    response = client_for(people.auditor).get(url, {"verify": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "核实" in body and "worker_a" in body
    assert "verification ok" in body
    filtered = client_for(people.auditor).get(url, {"user": "nobody"}).content.decode()
    assert "核实" not in filtered
    record = client_for(people.auditor).get(url, {"record": f"resident:{people.resident_a.pk}"})
    assert "核实" in record.content.decode()


@pytest.mark.django_db
def test_places_map_features_are_scoped(people: People) -> None:
    lon, lat = people.micro_b.centroid_lon, people.micro_b.centroid_lat
    place_services.hazard_save(actor=SYSTEM, name="B河沟", kind="waterway", lon=lon, lat=lat)
    a, b = client_for(people.worker_a), client_for(people.worker_b)
    url = reverse("people:places_features")
    assert a.get(url).json()["features"] == []
    names = [f["properties"]["name"] for f in b.get(url).json()["features"]]
    assert names == ["B河沟"]
    assert b.get(reverse("people:places")).status_code == 200


def test_pages_need_login(client) -> None:
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and "/login/" in response["Location"]
