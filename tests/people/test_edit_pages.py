"""Residents and households edited on the page: a resident's details (the document and phone
sealed, never echoed in clear), a move to another household or into a house as head of a new
household (history kept), a new household with its head, a household's details and the move of
a whole household. Mistakes are named by field in Chinese with nothing written; another grid's
worker gets 404; every write leaves its audit row."""

import datetime as dt
import re

import pytest
from django.test import Client

from tests.fieldwork.visits_factories import id_number
from tests.people.factories import ID_A, ID_B, PHONE_A, People, household_at
from wangge.accounts.models import AuditEntry
from wangge.errors import DomainError
from wangge.people import pii
from wangge.people.models import House, Household, Residence, Resident
from wangge.people.residents import services

pytestmark = pytest.mark.django_db

NEW_PHONE = "13700001111"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def audit_rows(object_type: str, pk: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type, object_id=str(pk)))


def second_household(people: People) -> Household:
    """A household in the other micro-grid of grid A (in worker A's scope)."""
    return household_at(people.areas["330103001001001002"], "HA2")


# ---- services -------------------------------------------------------------------------------


def test_resident_edit_service_seals_and_reports_every_problem(people: People):
    r = people.resident_a
    with pytest.raises(DomainError) as caught:
        services.resident_edit(
            actor=people.worker_a, resident=r, name="", phone="123", id_number="110105194912310021"
        )
    assert {p.field for p in caught.value.problems} == {"name", "phone", "id_number"}
    r.refresh_from_db()
    assert r.name == "张三" and pii.open_sealed(r, "phone", pii.PHONE_CONTEXT) == PHONE_A
    # Another resident's number is refused as a duplicate.
    with pytest.raises(DomainError) as caught:
        services.resident_edit(actor=people.admin, resident=r, name="张三", id_number=ID_B)
    assert caught.value.problems[0].code == "duplicate"
    new_id = id_number()
    services.resident_edit(
        actor=people.worker_a, resident=r, name="张三丰", phone=NEW_PHONE, id_number=new_id
    )
    r.refresh_from_db()
    assert pii.open_sealed(r, "id_number", pii.ID_CONTEXT) == new_id
    assert pii.open_sealed(r, "phone", pii.PHONE_CONTEXT) == NEW_PHONE
    assert r.birth_date is not None and r.birth_date.year < 2000  # read from the new number
    last = audit_rows("resident", r.pk)[0]
    assert {"name", "phone", "id_number", "birth_date"} <= set(last.detail["fields"])
    assert new_id not in str(last.detail) and NEW_PHONE not in str(last.detail)
    # Outside the worker's scope: refused.
    with pytest.raises(DomainError):
        services.resident_edit(actor=people.worker_b, resident=r, name="x")


def test_household_services_keep_the_history(people: People):
    other = second_household(people)
    house = other.house
    hh = services.household_create(
        actor=people.worker_a,
        house=house,
        code="HA3",
        head_name="赵六",
        head_id_number=id_number(),
        head_phone=NEW_PHONE,
    )
    head = hh.members.get()
    assert head.relation == "head" and head.area_id == house.area_id
    with pytest.raises(DomainError) as caught:
        services.household_create(actor=people.worker_a, house=house, code="HA3", head_name="")
    assert {p.field for p in caught.value.problems} == {"code", "head_name", "head_id_number"}
    # The whole household A moves into the other micro-grid's house: residences restart.
    start = dt.date(2020, 1, 1)
    Residence.objects.filter(resident=people.resident_a).update(started_on=start)
    services.household_move(actor=people.worker_a, household=people.household_a, house=house)
    stays = list(Residence.objects.filter(resident=people.resident_a).order_by("started_on"))
    assert [s.area_id for s in stays] == [people.micro_a.pk, house.area_id]
    assert stays[0].ended_on is not None and stays[1].ended_on is None
    moved = audit_rows("household", people.household_a.pk)[0]
    assert moved.detail["move"]["to"] == house.pk
    # A house outside scope: refused, nothing moved.
    with pytest.raises(DomainError):
        services.household_move(
            actor=people.worker_a, household=people.household_a, house=people.household_b.house
        )
    # The edit makes another member head; the old head becomes "other".
    services.resident_move(
        actor=people.worker_a, resident=head, household=people.household_a, relation="spouse"
    )
    services.household_edit(
        actor=people.worker_a, household=people.household_a, kind="family", head=head
    )
    assert Resident.objects.get(pk=head.pk).relation == "head"
    assert Resident.objects.get(pk=people.resident_a.pk).relation == "other"


# ---- pages ----------------------------------------------------------------------------------


def test_a_worker_edits_a_resident_on_the_page(people: People):
    r = people.resident_a
    worker = client_for(people.worker_a)
    household = worker.get(f"/people/households/{r.household_id}/").content.decode()
    assert f"/people/residents/{r.pk}/edit/" in household
    assert f"/people/residents/{r.pk}/move/" in household
    page = worker.get(f"/people/residents/{r.pk}/edit/")
    text = page.content.decode()
    assert page.status_code == 200 and r.id_number_masked in text
    assert ID_A not in text and PHONE_A not in text
    # Wrong phone and ID number: 422, named in Chinese, nothing written, nothing echoed.
    bad_id = "110105194912310021"
    response = worker.post(
        f"/people/residents/{r.pk}/edit/",
        {"name": "张三", "id_type": "id_card", "phone": "12345", "id_number": bad_id},
    )
    text = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="phone"' in text and 'data-field="id_number"' in text
    for field in ("phone", "id_number"):  # each problem names its field in Chinese
        assert re.search(f'data-field="{field}"><strong class="field-name">[\u4e00-\u9fff]+<', text)
    assert "校验码" in text  # GB 11643 check digit, in Chinese
    assert bad_id not in text
    assert Resident.objects.get(pk=r.pk).phone_index == r.phone_index
    before = AuditEntry.objects.count()
    response = worker.post(
        f"/people/residents/{r.pk}/edit/",
        {"name": "张三", "id_type": "id_card", "phone": NEW_PHONE, "id_number": ""},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert pii.open_sealed(r, "phone", pii.PHONE_CONTEXT) == NEW_PHONE
    assert pii.open_sealed(r, "id_number", pii.ID_CONTEXT) == ID_A  # left as it was
    assert AuditEntry.objects.count() == before + 1
    assert audit_rows("resident", r.pk)[0].detail == {"fields": ["phone"]}


def test_a_worker_moves_a_resident_and_a_household(people: People):
    other = second_household(people)
    r = people.resident_a
    worker = client_for(people.worker_a)
    # A household of another grid is "not found" on the form, not moved into.
    response = worker.post(
        f"/people/residents/{r.pk}/move/",
        {"mode": "household", "household_code": "HB", "relation": "child"},
    )
    assert response.status_code == 422
    assert 'data-field="household_code"' in response.content.decode()
    response = worker.post(
        f"/people/residents/{r.pk}/move/",
        {"mode": "household", "household_code": "HA2", "relation": "child", "on": "2026-01-05"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.household_id == other.pk and r.relation == "child"
    assert Residence.objects.filter(resident=r).count() == 2
    assert audit_rows("resident", r.pk)[0].detail["move"]["to"] == other.pk
    # Into a house as the head of a new household.
    response = worker.post(
        f"/people/residents/{r.pk}/move/",
        {"mode": "house", "house_code": people.household_a.house.code, "code": "HA9"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.household.code == "HA9" and r.relation == "head"
    # The whole household HA2 moves to household A's house.
    response = worker.post(
        f"/people/households/{other.pk}/move/", {"house_code": "H-HB"}
    )  # grid B's house: not found
    assert response.status_code == 422
    response = worker.post(
        f"/people/households/{other.pk}/move/", {"house_code": people.household_a.house.code}
    )
    assert response.status_code == 302
    assert Household.objects.get(pk=other.pk).house_id == people.household_a.house_id


def test_a_household_is_created_and_edited_on_the_page(people: People):
    house = people.household_a.house
    worker = client_for(people.worker_a)
    assert (
        f"/people/houses/{house.pk}/households/new/"
        in worker.get(f"/people/houses/{house.pk}/").content.decode()
    )
    response = worker.post(
        f"/people/houses/{house.pk}/households/new/",
        {"code": "HA", "head_name": "", "head_id_number": "123"},
    )
    text = response.content.decode()
    assert response.status_code == 422
    for field in ("code", "head_name", "head_id_number"):
        assert f'data-field="{field}"' in text
    assert "户主姓名" in text
    assert not Household.objects.filter(house=house).exclude(pk=people.household_a.pk).exists()
    response = worker.post(
        f"/people/houses/{house.pk}/households/new/",
        {"code": "HA5", "kind": "family", "head_name": "钱七", "head_id_number": id_number()},
    )
    assert response.status_code == 302
    created = Household.objects.get(code="HA5")
    assert created.members.get().name == "钱七"
    assert audit_rows("household", created.pk)[0].action == "create"
    response = worker.post(
        f"/people/households/{created.pk}/edit/", {"kind": "collective", "note": "集体宿舍"}
    )
    assert response.status_code == 302
    assert Household.objects.get(pk=created.pk).kind == "collective"
    assert audit_rows("household", created.pk)[0].detail == {"fields": ["kind", "note"]}


def test_another_grid_gets_404_everywhere(people: People):
    other = client_for(people.worker_b)
    r, hh = people.resident_a, people.household_a
    for url in (
        f"/people/residents/{r.pk}/edit/",
        f"/people/residents/{r.pk}/move/",
        f"/people/households/{hh.pk}/edit/",
        f"/people/households/{hh.pk}/move/",
        f"/people/houses/{hh.house_id}/households/new/",
    ):
        assert other.get(url).status_code == 404, url
        assert other.post(url, {"name": "外人", "code": "X1", "kind": "family"}).status_code == 404
    assert Resident.objects.get(pk=r.pk).name == "张三"
    assert not Household.objects.filter(code="X1").exists()
    assert House.objects.filter(pk=hh.house_id).exists()


@pytest.mark.parametrize("junk", ["a\x00b", "9" * 400, "2026-02-30", "-1e309"])
def test_junk_in_any_field_is_refused_never_a_500(people: People, junk: str):
    r, hh = people.resident_a, people.household_a
    worker = client_for(people.worker_a)
    fields = [
        "name",
        "id_type",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "clear_phone",
        "mode",
        "household_code",
        "relation",
        "house_code",
        "code",
        "kind",
        "note",
        "head",
        "head_name",
        "head_id_number",
        "head_phone",
        "residence_type",
        "on",
    ]
    before = (Resident.objects.count(), Household.objects.count(), Residence.objects.count())
    for url in (
        f"/people/residents/{r.pk}/edit/",
        f"/people/residents/{r.pk}/move/",
        f"/people/households/{hh.pk}/edit/",
        f"/people/households/{hh.pk}/move/",
        f"/people/houses/{hh.house_id}/households/new/",
    ):
        for field in fields:
            response = worker.post(url, {field: junk})
            assert response.status_code < 500, (url, field)
        # Every field at once, with the two ways of moving.
        for mode in ("household", "house"):
            response = worker.post(url, {f: junk for f in fields} | {"mode": mode})
            assert response.status_code < 500, (url, mode)
    after = (Resident.objects.count(), Household.objects.count(), Residence.objects.count())
    assert after == before
