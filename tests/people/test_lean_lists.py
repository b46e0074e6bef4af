"""People lists, pages and exports never load area geometry, and their query counts do not
grow with the number of households (issue 12)."""

import pytest

from tests.people.factories import household_at
from tests.sqlguard import get_lean
from wangge.accounts.actors import SYSTEM
from wangge.people.identity import check_digit
from wangge.people.residents import services

pytestmark = pytest.mark.django_db

URLS = [
    "/api/people/residents",
    "/api/people/residents?q=居民",
    "/api/people/residents/export.xlsx",
    "/api/people/buildings",
    "/api/people/organizations",
    "/api/people/party/branches",
    "/api/people/party/members",
    "/api/people/hazards",
    "/api/people/facilities",
    "/people/?q=居民",
    "/people/buildings/",
    "/people/places/",
]


def _grow(people, start: int, n: int) -> None:
    for i in range(start, start + n):
        household = household_at(people.micro_a, f"G{i:03d}")
        services.resident_create(
            actor=SYSTEM, name=f"居民{i}", id_number=_id(i), household=household, relation="head"
        )


def _id(i: int) -> str:
    first17 = f"33010319800101{i:03d}"
    return first17 + check_digit(first17)


def _counts(client, people) -> dict[str, int]:
    client.force_login(people.worker_a)
    return {url: get_lean(client, url)[1] for url in URLS}


def test_people_lists_load_no_geometry_and_constant_queries(client, people):
    _grow(people, 0, 3)
    small = _counts(client, people)
    _grow(people, 3, 27)
    assert _counts(client, people) == small


def test_people_record_pages_load_no_geometry(client, people):
    client.force_login(people.worker_a)
    household = people.household_a
    get_lean(client, f"/people/households/{household.pk}/")
    get_lean(client, f"/people/houses/{household.house_id}/")
    get_lean(client, f"/people/buildings/{household.house.building_id}/")
    get_lean(client, f"/api/people/residents/{people.resident_a.pk}")
