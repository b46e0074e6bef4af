import os
from pathlib import Path

import pytest
from huey.contrib.djhuey import HUEY

from tests.factories import reseed

# Background tasks run at once in the process that queues them (huey's immediate mode, with
# an in-memory queue and schedule). pytest-django loads the settings before this file, so
# WANGGE_TASKS_IMMEDIATE is too late for this process: switch the queue built from them, and
# set the variable for the subprocesses the tests start.
os.environ.setdefault("WANGGE_TASKS_IMMEDIATE", "1")
HUEY.immediate = True

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data; skips where it is absent, fails under CI."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the repository")
        pytest.skip(f"{path} not present (../shared is only beside a development checkout)")
    return path


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
    from wangge.intake import services

    calendar.calendar_changed()
    deadlines.forget()
    tasks.forget_endpoints()
    services.forget_channels()


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
