"""Review fixes on campaigns: who manages which campaign (1.1), sensitive groups (2.1), writes
re-checked under the row lock (4.3), positions range-checked (3.3), the nightly refresh (5.1)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user, post
from tests.fieldwork import campaign_world as helpers
from tests.fieldwork.campaign_world import World, define, opened
from tests.people.factories import household_at
from wangge.accounts.actors import SYSTEM
from wangge.errors import DomainError
from wangge.fieldwork import tasks
from wangge.fieldwork.campaigns import selectors as campaign_selectors
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.models import Campaign, CampaignTarget
from wangge.people.models import TagKind

world = helpers.world
_campaign_env = helpers._campaign_env

API = "/api/fieldwork/campaigns"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _community_operator(world: World):
    """An operator posted at community A (below the district campaign's scope)."""
    user = make_user("op_community")
    post(user, world.people.areas[world.people.micro_a.code[:12]], role="operator")
    return user


def test_operator_below_the_scope_cannot_manage_nor_see_the_draft(world: World) -> None:
    op = _community_operator(world)
    draft = define(world)  # district-wide
    assert draft not in campaign_selectors.campaigns(op, include_drafts=True)
    with pytest.raises(DomainError) as exc:
        campaign_selectors.campaign_get(op, draft.pk)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        campaigns.campaign_open(actor=op, campaign=draft)
    assert exc.value.status == 403
    running = opened(world)
    for act in (campaigns.campaign_refresh, campaigns.campaign_close):
        with pytest.raises(DomainError) as exc:
            act(actor=op, campaign=running)
        assert exc.value.status == 403
    client = _client(op)
    assert client.post(f"{API}/{draft.pk}/open").status_code == 404
    assert client.post(f"{API}/{running.pk}/close").status_code == 403
    client.post(reverse("fieldwork:campaign_manage", args=[running.pk, "close"]))
    running.refresh_from_db()
    assert running.status == Campaign.Status.OPEN


def test_operator_covering_the_scope_manages_it(world: World) -> None:
    p = world.people
    op = _community_operator(world)
    mine = define(world, area_codes=[p.micro_a.code[:12]])
    assert mine in campaign_selectors.campaigns(op, include_drafts=True)
    assert campaigns.campaign_open(actor=op, campaign=mine) == 2
    # A full-time grid worker at the district is no manager at all.
    worker = make_user("district_worker")
    post(worker, p.areas["330103"], role="full_time")
    with pytest.raises(DomainError) as exc:
        campaigns.campaign_close(actor=worker, campaign=mine)
    assert exc.value.status == 403


def test_sensitive_group_refused_in_campaign_filters(world: World) -> None:
    kind = TagKind.objects.get(code="community_correction")
    assert kind.sensitive
    with pytest.raises(DomainError) as exc:
        define(world, tag_codes=["community_correction"])
    (problem,) = exc.value.problems
    assert problem.field == "tags" and "community_correction" in problem.message
    response = _client(world.people.admin).post(
        API,
        {
            "title": "x",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "areas": ["330103"],
            "tags": ["community_correction"],
            "fields": helpers.FORM,
        },
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.content
    assert "tags" in response.content.decode()


def test_answer_and_unreachable_recheck_writability_under_the_lock(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = CampaignTarget.objects.select_related("campaign").get(
        campaign=campaign, household=p.household_a
    )
    stale = CampaignTarget.objects.select_related("campaign").get(pk=target.pk)
    campaigns.campaign_close(actor=p.admin, campaign=campaign)  # commits after `stale` was read
    with pytest.raises(DomainError) as exc:
        campaigns.target_answer(actor=SYSTEM, target=stale, answers={"count": 1})
    assert exc.value.status == 409
    with pytest.raises(DomainError) as exc:
        campaigns.target_unreachable(actor=SYSTEM, target=stale, reason="拒绝配合")
    assert exc.value.status == 409
    target.refresh_from_db()
    assert target.status == CampaignTarget.Status.PENDING


@pytest.mark.parametrize(("lon", "lat", "field"), [(1000.0, 30.0, "lon"), (120.0, 91.0, "lat")])
def test_position_is_range_checked(world: World, lon: float, lat: float, field: str) -> None:
    p = world.people
    target = CampaignTarget.objects.get(campaign=opened(world), household=p.household_a)
    for write in (
        lambda: campaigns.target_answer(
            actor=p.worker_a, target=target, answers={"count": 1}, lon=lon, lat=lat
        ),
        lambda: campaigns.target_unreachable(
            actor=p.worker_a, target=target, reason="无人", lon=lon, lat=lat
        ),
    ):
        with pytest.raises(DomainError) as exc:
            write()
        assert exc.value.problems[0].field == field
    client = _client(p.worker_a)
    response = client.post(
        f"{API}/targets/{target.pk}/unreachable",
        {"reason": "无人", "lon": lon, "lat": lat},
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.content


def test_nightly_task_refreshes_open_campaigns(world: World) -> None:
    p = world.people
    campaign = opened(world, starts_on=timezone.localdate() - dt.timedelta(days=1))
    newcomer = household_at(p.micro_b, "HB9")
    out = tasks.refresh_campaigns_daily.call_local()
    assert out[str(campaign.pk)]["added"] == 1
    assert CampaignTarget.objects.filter(campaign=campaign, household=newcomer).exists()


def test_campaign_files_download_through_scope(world: World) -> None:
    p = world.people
    campaign = opened(world)
    target = CampaignTarget.objects.get(campaign=campaign, household=p.household_a)
    campaigns.target_answer(
        actor=p.worker_a,
        target=target,
        answers={
            "count": 1,
            "photo": helpers.jpeg_photo(),
            "sign": helpers.data_url(helpers.signature_png()),
        },
    )
    a = _client(p.worker_a)
    files = {f["field"]: f["url"] for f in a.get(f"{API}/targets/{target.pk}").json()["files"]}
    assert set(files) == {"photo", "sign"}
    signed = a.get(files["sign"])
    assert signed.status_code == 200 and signed["Content-Type"] == "image/png"
    assert b"".join(signed.streaming_content).startswith(b"\x89PNG")
    assert a.get(files["photo"])["Content-Type"] == "image/jpeg"
    assert _client(p.worker_b).get(files["sign"]).status_code == 404  # another grid
    assert Client().get(files["sign"]).status_code == 302  # to the login page
    page = a.get(reverse("fieldwork:campaign_target", args=[target.pk])).content.decode()
    assert files["sign"] in page and "/media/" not in page


def test_campaign_title_is_bounded(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        define(world, title="排" * 201)
    assert [pr.field for pr in exc.value.problems] == ["title"]
    response = _client(world.people.admin).post(
        API,
        {
            "title": "排" * 201,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "areas": ["330103"],
            "fields": helpers.FORM,
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "title" in response.content.decode()
    assert not Campaign.objects.exists()


def test_odd_and_huge_page_numbers(world: World) -> None:
    campaign = opened(world)
    a = _client(world.people.worker_a)
    page = reverse("fieldwork:campaign_targets", args=[campaign.pk])
    for number in ("²", "9" * 25, "0", "-3"):
        assert a.get(page, {"page": number}).status_code == 200, number
    for endpoint in ("targets", "missing"):
        response = a.get(f"{API}/{campaign.pk}/{endpoint}", {"page": 10**19})
        assert response.status_code == 422, response.content  # named, never a 500
        assert response.json()["errors"][0]["field"] == "page"


def test_people_page_caps_the_number(world: World) -> None:
    from wangge.people import scoping
    from wangge.people.models import Household

    rows, more = scoping.page(Household.objects.order_by("pk"), 10**19, 50)
    assert (rows, more) == ([], False)
