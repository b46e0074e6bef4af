"""Resident writes refuse nulls, over-long values, bad text and dates out of range with a 422
naming the field, before anything reaches the database (issue 13)."""

import pytest
from django.test import Client

from wangge.people.models import Resident

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "\u202e"}, "name"),
        ({"ethnicity": "汉" * 21}, "ethnicity"),
        ({"workplace": "a\x00b"}, "workplace"),
        ({"note": "\ud800"}, "note"),
        ({"birth_date": "9999-12-31"}, "birth_date"),
        ({"birth_date": "0000-01-01"}, "birth_date"),
        ({"relation": None}, "relation"),
    ],
)
def test_resident_patch_refuses_bad_values(people, body, field):
    client = _client(people.worker_a)
    resident = people.resident_a
    before = Resident.objects.filter(pk=resident.pk).values().get()
    response = client.patch(
        f"/api/people/residents/{resident.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert [p["field"] for p in response.json()["errors"]] == [field]
    assert Resident.objects.filter(pk=resident.pk).values().get() == before


def test_resident_ids_and_pages_beyond_range(people):
    client = _client(people.worker_a)
    assert client.get("/api/people/residents/99999999999999999999").status_code == 422
    assert client.get("/api/people/residents?page_size=0").status_code == 422
