import os
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from huey.contrib.djhuey import HUEY

from tests.factories import reseed

# Background tasks run at once in the process that queues them (huey's immediate mode, with
# an in-memory queue and schedule). pytest-django loads the settings before this file, so
# WANGGE_TASKS_IMMEDIATE is too late for this process: switch the queue built from them, and
# set the variable for the subprocesses the tests start.
os.environ.setdefault("WANGGE_TASKS_IMMEDIATE", "1")
HUEY.immediate = True

# No background warm-up of the suggestion model: its thread would open a connection of its
# own to the test database (tests load the models they train).
settings.WANGGE_SUGGEST_WARM_UP = False

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


# Named wall clocks for `pytest --clock NAME` (Shanghai time); any ISO datetime with an offset
# works too. Each catches a class of bug the hour of a run would otherwise decide.
CLOCKS = {
    "office": "2026-10-15T10:46:23.5+08:00",  # a Thursday inside office hours, odd seconds
    "evening": "2026-10-15T19:30+08:00",  # the same day after office hours
    "lunch": "2026-10-15T12:40+08:00",  # between the morning and afternoon spans
    "holiday": "2026-10-01T10:46+08:00",  # National Day
    "workday-sunday": "2026-09-20T10:46+08:00",  # a 调休 Sunday worked for National Day
    "month-end": "2026-11-30T23:50+08:00",  # minutes before a new month
    "year-end": "2026-12-31T23:50+08:00",  # minutes before a new year the package does not know
}


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="WHEN",
        help=f"run with the wall clock set to WHEN: an ISO datetime with offset "
        f"(2026-10-01T10:46+08:00) or one of {', '.join(CLOCKS)}; it ticks from there, "
        "and every test starts at WHEN (subprocesses and browsers keep the real clock)",
    )


def clock_start(config) -> datetime | None:
    """The --clock destination, or None for the real clock."""
    value = config.getoption("--clock", default=None)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(CLOCKS.get(value, value))
    except ValueError:
        raise pytest.UsageError(
            f"--clock {value!r}: expected an ISO datetime or one of {', '.join(CLOCKS)}"
        ) from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock {value!r}: give the offset (e.g. +08:00)")
    return moment


def pytest_configure(config):
    # Session- and module-scoped set-up (shared worlds) runs at the clock too; each test
    # travels back to its start (the _clock fixture) so no test depends on its neighbours.
    moment = clock_start(config)
    if moment is not None:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_collection_modifyitems(config, items):
    # schemathesis names its items per operation (`test_x[GET /api/areas]`) but gives them all
    # one node id; xdist's --dist loadfile queues a file's tests by node id, so all but one
    # silently never ran. Each item's node id ends in its own name.
    for item in items:
        if item.nodeid.rpartition("::")[2] != item.name:
            item._id = item.parent.id.child(item.name)  # as pytest builds a node's own id
    if clock_start(config) is None:
        return
    skip = pytest.mark.skip(reason="--clock: the browser keeps the real clock")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_report_header(config):
    moment = clock_start(config)
    return f"clock: {moment.isoformat()}" if moment else None


# Under --clock, the latest moment a shared (module-, package- or session-scoped) fixture
# finished its set-up: tests start no earlier, never before the world they use was built.
_clock_floor: list[datetime] = []


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    moment = clock_start(request.config)
    if moment is None or fixturedef.scope == "function":
        return (yield)
    # A shared world is built from the clock's moment too, whenever its module comes.
    with time_machine.travel(moment, tick=True):
        try:
            return (yield)
        finally:
            _clock_floor[:] = [max([datetime.now(moment.tzinfo), *_clock_floor])]


@pytest.fixture(autouse=True)
def _clock(request):
    moment = clock_start(request.config)
    if moment is None:
        yield
        return
    with time_machine.travel(max([moment, *_clock_floor]), tick=True):
        yield


@pytest.fixture
def clock():
    """Set the wall clock inside a test whose fixed dates must lie in the past (or future):
    `clock("2026-11-12T10:00+08:00")`; it ticks on from there until the test ends."""
    travellers = []

    def travel(when: str) -> datetime:
        moment = datetime.fromisoformat(when)
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield travel
    for traveller in reversed(travellers):
        traveller.stop()


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data; skips where it is absent, fails under CI."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the repository")
        pytest.skip(f"{path} not present (../shared is only beside a development checkout)")
    return path


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the platform's language: `wangge` run in-process activates
    WANGGE_LANGUAGE for the thread, which would otherwise carry over to the next test."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.5 s a user; tests make many users and test no hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_audit_checkpoint(settings, tmp_path):
    """Each test anchors its audit chain in a file of its own (never the shared data folder's,
    which would hold another database's head)."""
    settings.WANGGE_AUDIT_CHECKPOINT_FILE = tmp_path / "audit.checkpoint"


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The working calendar, deadline table, webhook endpoints, channels and categories are
    cached per process; each test starts from the database."""
    from wangge.events import calendar, deadlines, tasks
    from wangge.intake import channel_copy

    calendar.calendar_changed()
    deadlines.forget()
    tasks.forget_endpoints()
    channel_copy.forget_channels()


@pytest.fixture(autouse=True)
def _seed_data(request):
    """What the migrations install (the event catalogue, the built-in channels, the special
    groups) is flushed away by every transactional test, and under xdist any test may run
    after one: give each database test that finds it missing the seed data back first."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not ({"db", "transactional_db", "live_server"} & names):
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        {"transactional_db", "live_server"} & names
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    reseed()


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Rate counters live in Django's cache: each test gets an empty in-memory one (the
    default, files in the data folder, would be shared between tests and workers)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()
