"""The back office speaks the platform's words: its own title (not "Django 管理"), channels by
their names, routing rules and webhook endpoints in Chinese."""

import pytest
from django.test import Client
from django.utils import translation

from tests.events.factories import make_world, report
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_event_list_names_channels_and_the_site(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    world = make_world()
    report(world)
    client = Client()
    client.force_login(make_user("boss", is_staff=True, is_superuser=True))
    with translation.override("zh-hans"):
        page = client.get("/admin/events/event/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "网格员巡查上报" in page and "grid_app<" not in page
    assert "Django" not in index and "网格化治理平台后台" in index
    assert "分拨规则" in index and "推送接口" in index
    assert "Routing rules" not in index and "Webhook endpoints" not in index
