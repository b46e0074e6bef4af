"""Background exports (我的下载): asked on a page or through the API, built by the worker as
their owner, fetched by the owner alone, refused when too many wait, removed after their
keeping time."""

import io
import time

import openpyxl
import pytest

from tests.events.factories import make_world, report
from wangge import private_files
from wangge.web import download_jobs, downloads
from wangge.web.models import Download

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return make_world()


def _events(world, count: int = 3) -> list[str]:
    return [report(world, title=f"井盖缺失 {i}").code for i in range(count)]


def test_the_api_queues_then_the_owner_follows_and_fetches(
    world, client, django_capture_on_commit_callbacks
):
    codes = _events(world)
    client.force_login(world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/downloads",
            {"kind": "events", "query": "tab=reported"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    state = client.get(f"/api/downloads/{pk}").json()
    assert state["state"] == "done" and state["rows_done"] == state["rows_total"] == 3
    assert state["file"] == f"/api/downloads/{pk}/file"
    fetched = client.get(state["file"])
    assert fetched["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(fetched.streaming_content)))
    assert sorted(r[0] for r in book.active.iter_rows(min_row=2, values_only=True)) == sorted(codes)
    assert [d["id"] for d in client.get("/api/downloads").json()["items"]] == [pk]


def test_only_the_owner_sees_or_fetches_an_export(
    world, client, django_capture_on_commit_callbacks
):
    _events(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        d = downloads.download_start(
            actor=world.operator, kind="events", params={"query": "tab=all"}
        )
    for other in (world.other_worker, world.city_handler):
        client.force_login(other)
        assert client.get(f"/downloads/{d.pk}/file/").status_code == 404
        assert client.get(f"/api/downloads/{d.pk}").status_code == 404
        assert client.get(f"/api/downloads/{d.pk}/file").status_code == 404
        assert d.title not in client.get("/downloads/").content.decode()
    client.logout()
    assert client.get(f"/downloads/{d.pk}/file/").status_code == 302  # to the login page


def test_the_owners_scope_applies_to_the_rows(world, django_capture_on_commit_callbacks):
    """A grid worker of another grid exports 'every event' and gets none of grid A's."""
    _events(world, 2)
    with django_capture_on_commit_callbacks(execute=True):
        d = downloads.download_start(
            actor=world.other_worker, kind="events", params={"query": "tab=all"}
        )
    d.refresh_from_db()
    assert d.state == Download.State.DONE and d.rows_done == 0


def test_bad_requests_are_named_and_write_nothing(world, client):
    client.force_login(world.operator)
    response = client.post(
        "/api/downloads", {"kind": "everything"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"
    response = client.post(
        "/api/downloads", {"kind": "campaign", "campaign": "99999"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not Download.objects.exists()


def test_too_many_waiting_exports_are_refused(world, client):
    """Without the worker running (no commit here), three wait; the fourth is refused."""
    for _ in range(downloads.MAX_PENDING):
        downloads.download_start(actor=world.operator, kind="events", params={})
    client.force_login(world.operator)
    response = client.post("/api/downloads", {"kind": "events"}, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many"
    assert "正在生成" in response.json()["errors"][0]["message"]
    page = client.post("/downloads/new/", {"kind": "events"}, follow=True).content.decode()
    assert 'data-state="queued"' in page and "hx-trigger" in page  # it refreshes by itself


def test_a_failed_build_is_recorded_not_left_running(world):
    d = Download.objects.create(
        owner=world.operator, kind="campaign", params={"campaign": "424242"}, title="x"
    )
    download_jobs.download_build(pk=d.pk)
    d.refresh_from_db()
    assert d.state == Download.State.FAILED and d.error and d.finished_at
    download_jobs.download_build(pk=d.pk)  # a second delivery of the task does nothing
    d.refresh_from_db()
    assert d.state == Download.State.FAILED


def test_files_are_private_and_removed_after_their_keeping_time(
    world, client, settings, django_capture_on_commit_callbacks
):
    settings.WANGGE_DOWNLOAD_DAYS = 2
    _events(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        d = downloads.download_start(actor=world.operator, kind="events", params={})
    d.refresh_from_db()
    path = private_files.file_path(download_jobs.FOLDER, d.token)
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    now = time.time()
    assert download_jobs.downloads_prune(now=now + 1 * 86400) == 0
    assert download_jobs.downloads_prune(now=now + 3 * 86400) == 1
    client.force_login(world.operator)
    assert client.get(f"/downloads/{d.pk}/file/").status_code == 404
    assert "已不再保留" in client.get("/downloads/").content.decode()
