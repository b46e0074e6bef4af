"""The demo population: deterministic, valid fake ID numbers, realistic densities and shares."""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from tests.factories import make_tree, make_user, post, shared_world
from wangge.dev import people as demo
from wangge.people import pii
from wangge.people.identity import parse_id_number
from wangge.people.models import Household, PartyBranch, Resident, ResidentTag
from wangge.regions.models import Area


def _snapshot() -> list[tuple]:
    return list(
        Resident.objects.order_by("id_number_index").values_list(
            "name", "id_number_index", "phone_index", "household__code", "sex", "birth_date"
        )
    )


def _district() -> dict[str, Area]:
    areas = make_tree()
    operator = make_user("demo-operator-330103")
    post(operator, areas["330103"], role="operator")
    return areas


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pii") / "pii.key"


@pytest.fixture(autouse=True)
def _pii_key_file(settings, key_file, monkeypatch):
    """One key ring for the module (tests/people/conftest.py gives each test its own): the
    shared population was sealed with it."""
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = key_file


@pytest.fixture(scope="module")
def population(django_db_setup, django_db_blocker, key_file) -> Iterator[demo.DemoPeople]:
    """The district's whole population, built once (the costliest set-up of the suite)."""
    with (
        pytest.MonkeyPatch.context() as env,
        override_settings(WANGGE_PII_KEY_FILE=key_file),
        shared_world(django_db_blocker),
    ):
        env.delenv("WANGGE_PII_KEY", raising=False)
        _district()
        yield demo.build(seed=7)


@pytest.mark.django_db
def test_population_densities_ids_and_shares(population) -> None:
    result = population
    micros = Area.objects.filter(level=5)
    per_micro = Counter(Household.objects.values_list("area_id", flat=True))
    assert set(per_micro) == set(micros.values_list("pk", flat=True))
    assert all(50 <= n <= 80 for n in per_micro.values()), per_micro
    assert result.households == sum(per_micro.values())
    residents = list(Resident.objects.all())
    assert len(residents) == result.residents
    assert 2.2 <= len(residents) / result.households <= 3.3  # urban household size
    for r in residents[:2000]:
        number = pii.open_sealed(r, "id_number", pii.ID_CONTEXT)
        parsed = parse_id_number(number)  # raises on a wrong check digit
        assert number.startswith("3399")  # the obviously fake region
        assert (parsed.birth_date, parsed.sex) == (r.birth_date, r.sex)
        assert r.id_number_masked == number[:6] + "********" + number[-4:]
    today = dt.date(2026, 6, 1)
    tags = Counter(ResidentTag.objects.values_list("kind__code", flat=True))
    lonely = tags["living_alone"] + tags["empty_nest"]
    assert 0.07 <= lonely / len(residents) <= 0.17, lonely / len(residents)
    assert 0.005 <= tags["subsistence"] / result.households <= 0.03
    assert all(
        (today - r.birth_date).days >= 60 * 365
        for r in Resident.objects.filter(tags__kind__code="living_alone")
    )
    assert PartyBranch.objects.count() == Area.objects.filter(level=4).count()
    assert result.organizations and result.facilities and result.members


@pytest.mark.django_db
def test_population_is_deterministic(population) -> None:
    # One street's population (a quarter of the district) shows it as well as the whole.
    demo.reset()
    assert not Resident.objects.exists()
    demo.build(seed=7, everywhere=False)
    first = _snapshot()
    assert first
    demo.reset()
    demo.build(seed=7, everywhere=False)
    assert _snapshot() == first


@pytest.mark.django_db
def test_demo_accounts_can_reveal_and_audit(population) -> None:
    result = population
    usernames = [u for u, _n, _w in result.accounts]
    assert usernames == ["demo-operator-330103", "demo-auditor"]
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    operator = users.get(username="demo-operator-330103")
    assert operator.has_perm("people.reveal_resident")
    auditor = users.get(username="demo-auditor")
    assert auditor.groups.filter(pk=Group.objects.get(name="auditor").pk).exists()
    assert auditor.has_perm("accounts.read_audit")
