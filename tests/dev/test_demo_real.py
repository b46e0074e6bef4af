"""The demo built from the county's own files (../shared): its queue is as alive as the
built-in sample's, the 超期 tab included (issue 12: "Nothing overdue exists in the demo
today: the 超期 tab is empty out of the box")."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests.conftest import shared_data
from wangge.dev import districts, events, history
from wangge.events.models import OPEN_STATUSES, Event, OrderRole, Status, TimelineEntry

# An ordinary Wednesday morning: the deadlines behave the same whenever the suite runs.
NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_real_demo_has_every_stage_overdue_included(client):
    source = shared_data("cn_grid_hangzhou_xiacheng", events.EVENTS_FILE)
    letters = shared_data(events.TIPDM_DIR)
    with time_machine.travel(NOW, tick=True):
        with history.clock(history.since(dt.datetime.now(dt.UTC))):
            district = districts.build()
            events.build_departments(events.demo_password_hash(district.password))
        result = events.build_events(source, letters_from=letters)
        assert result.events >= 300 and result.messages
        statuses = Counter(Event.objects.values_list("status", flat=True))
        for status in [*OPEN_STATUSES, Status.CLOSED]:
            assert statuses[status], (status, statuses)
        open_ = Event.objects.filter(status__in=OPEN_STATUSES)
        assert open_.filter(alert="red").exists()
        assert open_.filter(supervised=True).exists()
        assert Event.objects.filter(orders__role=OrderRole.ASSIST).exists()
        assert TimelineEntry.objects.filter(action="escalate").exists()
        operator = get_user_model().objects.get(username="demo-operator-330103")
        client.force_login(operator)
        counts = client.get("/api/events/counts").json()
        for tab in ("reported", "accepted", "handling", "handled", "overdue"):
            assert counts[tab] > 0, (tab, counts)
