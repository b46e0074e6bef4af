"""A campaign and its form defined on the command centre's page (not only the API): a draft
with its fields; every mistake named by its field; only campaign managers reach the page."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.campaign_world import world  # noqa: F401 (fixture)
from tests.fieldwork.patrol_world import client_for
from wangge.fieldwork.models import Campaign

pytestmark = pytest.mark.django_db


def test_the_centre_defines_a_campaign_on_the_page(world):  # noqa: F811
    admin = world.people.admin
    client = client_for(admin)
    centre = client.get("/field/campaigns/centre/").content.decode()
    assert 'id="campaign-new"' in centre and "/api/fieldwork/campaigns" not in centre
    page = client.get("/field/campaigns/new/")
    assert page.status_code == 200 and 'name="label_0"' in page.content.decode()
    day = timezone.localdate()
    data = {
        "title": "燃气安全排查",
        "starts_on": day.isoformat(),
        "ends_on": (day + dt.timedelta(days=30)).isoformat(),
        "areas": ["330103"],
        "target_kind": "household",
        "label_0": "是否使用燃气",
        "type_0": "yes_no",
        "required_0": "1",
        "label_1": "燃气类型",
        "type_1": "choice",
        "choices_1": "管道气，瓶装气, 无",
        "label_2": "",
    }
    response = client.post("/field/campaigns/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(title="燃气安全排查")
    assert campaign.status == Campaign.Status.DRAFT
    assert [(f["label"], f["type"]) for f in campaign.fields] == [
        ("是否使用燃气", "yes_no"),
        ("燃气类型", "choice"),
    ]
    assert campaign.fields[1]["choices"] == ["管道气", "瓶装气", "无"]
    assert list(campaign.areas.values_list("code", flat=True)) == ["330103"]


def test_mistakes_are_named_and_nothing_is_saved(world):  # noqa: F811
    client = client_for(world.people.admin)
    response = client.post(
        "/field/campaigns/new/",
        {"title": "", "starts_on": "2026-13-01", "label_0": "类型", "type_0": "choice"},
    )
    assert response.status_code in (400, 422)
    page = response.content.decode()
    assert 'data-field="title"' in page and 'name="label_0"' in page and "类型" in page
    assert not Campaign.objects.exists()


def test_a_grid_worker_does_not_reach_the_page(world):  # noqa: F811
    assert client_for(world.people.worker_a).get("/field/campaigns/new/").status_code == 404
