"""The phone home page gathers every kind of fieldwork: visit tasks, attendance tasks,
inspections and campaign targets — each for its own worker, none across grids."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.fieldwork.patrol_world import client_for, make_patrol_world
from wangge.events import workflow
from wangge.events.models import Category
from wangge.fieldwork import today
from wangge.fieldwork.attend import services as attend
from wangge.fieldwork.campaigns import services as campaigns
from wangge.fieldwork.visits import schedule

pytestmark = pytest.mark.django_db


def test_every_kind_of_task_reaches_the_right_workers_list(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("WANGGE_PII_KEY", raising=False)
    settings.WANGGE_PII_KEY_FILE = tmp_path / "pii.key"
    w = make_patrol_world()
    p = w.people
    day = timezone.localdate()
    schedule.generate(on=day)
    campaign = campaigns.campaign_define(
        actor=p.admin,
        title="流动人员信息排查",
        starts_on=day,
        ends_on=day + dt.timedelta(days=30),
        area_codes=["330103"],
        fields=[{"name": "n", "label": "在住人数", "type": "number", "required": True}],
    )
    campaigns.campaign_open(actor=p.admin, campaign=campaign)
    event = workflow.event_report(
        actor=p.worker_a,
        title="邻居因噪音争吵",
        category=Category.objects.get(code="0601"),
        lon=p.micro_a.centroid_lon,
        lat=p.micro_a.centroid_lat,
        area=p.micro_a,
    )
    attend.sync()

    grid_a = [*today.todo(p.worker_a, day), *today.todo(p.liaison_a, day)]
    assert {i.kind for i in grid_a} == {"visit", "attend", "inspection", "campaign"}
    assert any(i.kind == "attend" and event.title in i.title for i in today.todo(p.worker_a, day))
    # Every item's link opens for its worker; grid B's worker sees none of grid A's work.
    for user in (p.worker_a, p.liaison_a):
        client = client_for(user)
        for item in today.todo(user, day):
            assert client.get(item.url).status_code == 200, item
    grid_b = today.todo(p.worker_b, day)
    # (the URL names the item: hazard points and facilities both give inspections)
    assert not {i.url for i in grid_b} & {i.url for i in grid_a}
    page = client_for(p.worker_a).get("/field/").content.decode()
    assert event.title in page and "河道A" in page


def test_the_command_centre_reaches_every_fieldwork_page_from_the_menu():
    from django.test import Client

    assert Client().get("/field/centre/").status_code == 302
    w = make_patrol_world()
    client = client_for(w.people.worker_a)
    home = client.get("/").content.decode()
    assert 'href="/field/centre/"' in home and 'href="/field/"' in home
    hub = client.get("/field/centre/").content.decode()
    for link in ("/field/visits/figures/", "/field/campaigns/centre/", "/field/patrols/figures/"):
        assert f'href="{link}"' in hub
        assert client.get(link).status_code == 200, link
