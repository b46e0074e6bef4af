"""Fieldwork lists and pages never load area geometry, and their query counts do not grow
with the number of households and tasks (issue 12)."""

import pytest
import time_machine

from tests.fieldwork.visits_factories import household, make_world, member, tag
from tests.sqlguard import get_lean
from wangge.fieldwork.visits import schedule

pytestmark = pytest.mark.django_db

URLS = [
    "/api/fieldwork/visits/tasks",
    "/api/fieldwork/visits/records",
    "/api/fieldwork/attend/tasks",
    "/api/fieldwork/patrols",
    "/api/fieldwork/patrols/inspections",
    "/api/fieldwork/today",
    "/api/fieldwork/campaigns",
    "/field/",
    "/field/visits/",
    "/field/visits/attend/",
    "/field/visits/figures/",
    "/field/campaigns/",
    "/field/patrols/",
]


def _grow(world, n: int) -> None:
    for _ in range(n):
        tag(member(household(world.micro_a1)), "living_alone")
    schedule.generate()


def _counts(client, user) -> dict[str, int]:
    client.force_login(user)
    return {url: get_lean(client, url)[1] for url in URLS}


@time_machine.travel("2026-11-10 10:00 +0800", tick=False)
def test_fieldwork_lists_load_no_geometry_and_constant_queries(client):
    world = make_world()
    _grow(world, 3)
    small = [_counts(client, world.worker_a), _counts(client, world.operator)]
    _grow(world, 27)
    assert [_counts(client, world.worker_a), _counts(client, world.operator)] == small
