"""On PostgreSQL, a report made outside any transaction is one statement: the day's code,
the event and its timeline entries, committed together; the counter row is locked for that
statement alone."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.events.factories import make_world
from wangge.events import workflow as wf
from wangge.events.models import Category, Event, EventCodeCounter, TimelineEntry

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="one-statement reports are PostgreSQL's (SQLite writes them in a transaction)",
    ),
    pytest.mark.django_db(transaction=True),  # outside any transaction, as a request is
]


def _report(world, title: str = "井盖缺失") -> Event:
    return wf.event_report(
        actor=world.worker,
        title=title,
        category=Category.objects.get(code="0102"),
        area=world.micro,
    )


def test_a_report_is_one_statement_with_the_days_code():
    world = make_world()
    assert not transaction.get_connection().in_atomic_block
    first = _report(world)
    with CaptureQueriesContext(connection) as writes:
        second = _report(world, "路灯不亮")
    statements = [q["sql"] for q in writes.captured_queries]
    inserts = [sql for sql in statements if "events_eventcodecounter" in sql]
    assert len(inserts) == 1 and "INSERT INTO" in inserts[0] and "events_event" in inserts[0]
    assert not any(sql in ("BEGIN", "COMMIT") for sql in statements), statements
    day = timezone.localdate().strftime("%Y%m%d")
    n = int(first.code.rsplit("-", 1)[1])
    assert (first.code, second.code) == (f"XC-{day}-{n:05d}", f"XC-{day}-{n + 1:05d}")
    row = Event.objects.get(pk=second.pk)
    assert row.code == second.code and row.status == "reported"
    assert list(TimelineEntry.objects.filter(event=row).values_list("action", flat=True)) == [
        "report"
    ]


def test_past_99999_a_day_the_number_grows_a_digit_as_the_other_path_writes_it():
    world = make_world()
    EventCodeCounter.objects.update_or_create(day=timezone.localdate(), defaults={"last": 99_999})
    event = _report(world)
    assert event.code.endswith("-100000")
    assert Event.objects.get(pk=event.pk).code == event.code
    with transaction.atomic():  # inside a transaction the code is taken by `_next_code`
        inside = _report(world, "又一件")
    assert inside.code.endswith("-100001")
