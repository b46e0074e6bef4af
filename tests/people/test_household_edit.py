"""一户一档 kept on the page: a grid worker adds a member to a household and records a move
out (history kept); another grid's worker reaches neither; mistakes are named, nothing saved."""

import pytest
from django.test import Client

from tests.fieldwork.visits_factories import id_number
from tests.people.factories import make_people
from wangge.people.models import Resident, ResidentStatus

pytestmark = pytest.mark.django_db

NEW_ID = id_number()


@pytest.fixture(autouse=True)
def _pii_key_file(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_is_added_and_moves_out(settings):
    people = make_people()
    hh = people.household_a
    worker = client_for(people.worker_a)
    page = worker.get(f"/people/households/{hh.pk}/").content.decode()
    assert 'id="member-form"' in page
    data = {
        "name": "王小明",
        "id_number": NEW_ID,
        "relation": "child",
        "residence_type": "registered",
    }
    response = worker.post(f"/people/households/{hh.pk}/residents/", data)
    assert response.status_code == 302
    new = Resident.objects.get(name="王小明")
    assert new.household_id == hh.pk and new.relation == "child"
    # A second time with the same ID number: refused, named, nothing more saved.
    response = worker.post(f"/people/households/{hh.pk}/residents/", data, follow=True)
    assert Resident.objects.filter(name="王小明").count() == 1
    assert "已登记" in response.content.decode() or "already" in response.content.decode()
    # Moving out ends the residence; the record stays.
    response = worker.post(f"/people/residents/{new.pk}/move-out/", {"status": "moved_out"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.household_id is None and new.status == ResidentStatus.MOVED_OUT


def test_another_grid_reaches_neither(settings):
    people = make_people()
    other = client_for(people.worker_b)
    data = {"name": "外人", "id_number": NEW_ID}
    assert (
        other.post(f"/people/households/{people.household_a.pk}/residents/", data).status_code
        == 404
    )
    assert other.post(f"/people/residents/{people.resident_a.pk}/move-out/").status_code == 404
    assert not Resident.objects.filter(name="外人").exists()
    assert Resident.objects.get(pk=people.resident_a.pk).household_id == people.household_a.pk
