"""A deployment outside China (WANGGE_TIME_ZONE=America/New_York): every time a person or
another system reads is in that zone, never a bare +08:00 (issue 12). The JSON API writes
instants in UTC with their `Z`; pages, Open311 documents and the changes feed in the
platform's zone."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tests.events.factories import make_world, report
from wangge.events.models import Event
from wangge.intake.feed import change_of
from wangge.open311 import documents

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# 15:45 in Shanghai on 28 February, 02:45 in New York: another day's hour everywhere. The
# pages also show the time now, so the wall clock is set to an hour that is neither.
REPORTED = dt.datetime(2023, 2, 28, 7, 45, tzinfo=dt.UTC)


def test_times_are_shown_in_the_platforms_zone_everywhere(client, settings, clock):
    clock("2026-11-12T10:00:00-05:00")
    settings.TIME_ZONE = "America/New_York"
    world = make_world()
    event = report(world, title="路灯不亮")
    Event.objects.filter(pk=event.pk).update(reported_at=REPORTED)
    event.refresh_from_db()
    client.force_login(world.operator)

    page = client.get(f"/events/{event.code}/").content.decode()
    assert "2023-02-28 02:45" in page and "15:45" not in page
    queue = client.get("/events/", {"tab": "all"}).content.decode()
    assert "15:45" not in queue
    for html in (page, queue):
        assert "+08:00" not in html and "+0800" not in html

    detail = client.get(f"/api/events/{event.code}").json()
    assert detail["reported_at"] in ("2023-02-28T07:45:00Z", "2023-02-28T07:45:00+00:00")

    assert documents.request(event)["requested_datetime"] == "2023-02-28T02:45:00-05:00"
    entry = event.timeline.order_by("pk").first()
    at = dt.datetime.fromisoformat(change_of(entry)["at"])
    assert at.utcoffset() == NEW_YORK.utcoffset(at.replace(tzinfo=None))
    assert not re.search(r"\+08:00", str(change_of(entry)))
