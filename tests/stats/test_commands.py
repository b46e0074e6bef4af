"""`wangge stats rebuild|fill|status`, and the worker's periodic task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import make_world, report
from wangge import cli
from wangge.stats import fill, tasks
from wangge.stats.models import EventFact, FillState

pytestmark = pytest.mark.django_db


def run(capsys, *argv):
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_rebuild_fill_and_the_late_warning(settings, capsys):
    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    code, _out, err = run(capsys, "stats", "status")
    assert code == 1 and "stats rebuild" in err  # never filled
    report(w)
    code, out, _err = run(capsys, "stats", "rebuild", "--from", "2020-01-01")
    assert code == 0 and EventFact.objects.count() == 1 and "1" in out
    report(w)
    tasks.fill_every_minute.call_local()  # what the worker runs each minute
    assert EventFact.objects.count() == 2
    code, out, _err = run(capsys, "stats", "status")
    assert code == 0 and "0" in out
    # Ten minutes and more behind: a warning and exit 1.
    FillState.objects.update(asof=timezone.now() - timedelta(minutes=11))
    code, _out, err = run(capsys, "stats", "status")
    assert code == 1 and "10" in err
    assert fill.status()["late"] is True
    code, _out, _err = run(capsys, "stats", "fill")
    assert code == 0 and fill.status()["late"] is False


def test_a_partial_rebuild_leaves_the_changes_of_older_events_to_the_fill(settings, capsys):
    """`rebuild --from` recomputes the recent events only: a change still waiting for the
    worker on an older event must reach the figures at the next fill, not be stepped over."""
    from tests.stats.helpers import tables
    from wangge.events import workflow as wf
    from wangge.events.models import Event

    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    old, recent = report(w), report(w)
    Event.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=10))
    fill.rebuild()
    wf.event_accept(event=old, actor=w.operator)  # waiting for the worker
    wf.event_accept(event=recent, actor=w.operator)
    today = timezone.localdate().isoformat()
    code, _out, _err = run(capsys, "stats", "rebuild", "--from", today)
    assert code == 0
    fill.fill()
    incremental = tables()
    assert EventFact.objects.get(event_id=old.pk).accepted  # the older event's change is in
    fill.rebuild()
    assert tables() == incremental


def test_the_worker_fills_every_half_minute(settings):
    """Each minute's fill queues another 30 s on, and both fill."""
    from datetime import UTC, datetime

    from huey.contrib.djhuey import HUEY

    def queued() -> list:
        return [t for t in HUEY.scheduled() if t.name == "fill_half_a_minute_on"]

    settings.WANGGE_STATS_LAG_SECONDS = 0
    w = make_world()
    before = len(queued())
    tasks.fill_every_minute.call_local()
    assert len(queued()) == before + 1
    eta = max(t.eta for t in queued())  # naive UTC (HUEY utc=True)
    ahead = (eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds()
    assert 20 < ahead <= 30
    report(w)
    tasks.fill_half_a_minute_on.call_local()
    assert EventFact.objects.count() == 1
