"""Campaign lists, pages and the export never load area geometry, and their query counts do
not grow with the number of targets (issue 12)."""

import pytest

from tests.fieldwork import campaign_world as helpers
from tests.people.factories import household_at
from tests.sqlguard import get_lean
from wangge.accounts.actors import SYSTEM
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import CampaignTarget
from wangge.people.identity import check_digit
from wangge.people.residents import services

pytestmark = pytest.mark.django_db

# The shared fixtures, by assignment (pytest finds them in the module).
world = helpers.world
_campaign_env = helpers._campaign_env


def _grow(world, campaign, start: int, n: int) -> None:
    for i in range(start, start + n):
        first17 = f"33010319850101{i:03d}"
        services.resident_create(
            actor=SYSTEM,
            name=f"居民{i}",
            id_number=first17 + check_digit(first17),
            household=household_at(world.people.micro_a, f"C{i:03d}"),
            relation="head",
        )
    campaigns.campaign_refresh(actor=world.people.admin, campaign=campaign)


def _counts(client, world, pk: int) -> dict[str, int]:
    out = {}
    for user, urls in (
        (
            world.people.worker_a,
            [
                f"/api/fieldwork/campaigns/{pk}/targets",
                f"/api/fieldwork/campaigns/{pk}/missing",
                f"/field/campaigns/{pk}/",
                "/api/fieldwork/campaigns",
            ],
        ),
        (
            world.people.admin,
            [
                f"/api/fieldwork/campaigns/{pk}/export.xlsx",
                f"/field/campaigns/{pk}/coverage/",
                "/field/campaigns/centre/",
            ],
        ),
    ):
        client.force_login(user)
        out |= {url: get_lean(client, url)[1] for url in urls}
    return out


def test_campaign_lists_load_no_geometry_and_constant_queries(client, world):
    campaign = helpers.opened(world)
    _grow(world, campaign, 0, 3)
    small = _counts(client, world, campaign.pk)
    _grow(world, campaign, 3, 27)
    assert CampaignTarget.objects.filter(campaign=campaign).count() >= 30
    assert _counts(client, world, campaign.pk) == small
