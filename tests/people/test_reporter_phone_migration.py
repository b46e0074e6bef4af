"""Migration events 0010 seals the reporters' phones already in the database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from wangge.events.models import Event

BEFORE = [("events", "0009_notification_links")]


@pytest.mark.django_db(transaction=True)
def test_existing_phones_are_encrypted(people):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    area = old.get_model("regions", "Area").objects.get(pk=people.micro_a.pk)
    category = old.get_model("events", "Category").objects.get(code="0201")
    row = old.get_model("events", "Event").objects.create(
        code="XC-20260301-00001",
        title="旧工单",
        category=category,
        channel="hotline",
        reporter_phone="139 9876 5432",
        area=area,
        responsible_area=area,
        reported_at="2026-03-01T08:00:00Z",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back at its latest
    event = Event.objects.get(pk=row.pk)
    assert event.reporter_phone_masked == "139****5432"
    assert event.reporter_phone == "13998765432"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM events_event WHERE id = %s", [row.pk])
        assert "13998765432" not in repr(cursor.fetchall())
