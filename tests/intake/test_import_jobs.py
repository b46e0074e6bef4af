"""Import jobs: a work-order file checked whole, then written in batches, each its own
transaction, resumable after a crash, while reports keep coming in (SQLite and PostgreSQL)."""

import io
import json
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from tests.intake.conftest import Intake
from tests.intake.filedb import file_database
from tests.intake.files import as_csv
from wangge.errors import DomainError
from wangge.events.models import Event, TimelineEntry
from wangge.intake import importer, imports
from wangge.intake.models import ImportJob
from wangge.intake.tasks import import_jobs_resume


def rows(n: int, prefix: str = "GD") -> list[list[object]]:
    kinds = ["垃圾堆放", "0103"]
    return [
        [
            f"{prefix}{i:05d}",
            f"第 {i} 号诉求：小区门口垃圾堆放",
            f"文晖路 {i} 号",
            kinds[i % 2],
            "2026-03-01 09:30",
            f"来电人{i}",
            f"1380000{i:04d}",
        ]
        for i in range(n)
    ]


def snapshot() -> list[tuple[Any, ...]]:
    """Every event and timeline entry, without ids and times (which a run cannot repeat)."""
    events = list(
        Event.objects.order_by("code").values_list(
            "code",
            "source_ref",
            "title",
            "description",
            "address",
            "status",
            "category__code",
            "area__code",
            "reporter_name",
            "reporter_phone_masked",
            "reporter_phone_index",
            "channel",
            "priority",
            "lon",
            "lat",
        )
    )
    entries = list(
        TimelineEntry.objects.order_by("event__code", "id").values_list(
            "event__code", "action", "public", "data"
        )
    )
    return [*events, *[(c, a, p, json.dumps(d, sort_keys=True)) for c, a, p, d in entries]]


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_the_batched_import_writes_the_same_as_one_transaction(intake: Intake, settings):
    data = as_csv(rows(23))
    settings.WANGGE_IMPORT_BATCH_ROWS = 1000  # the whole file in one transaction, as before
    with pytest.raises(_Undo), transaction.atomic():
        whole = importer.import_orders(intake.hotline, "orders.csv", data)
        before = snapshot()
        raise _Undo  # (the day's counter goes back too: the same codes again)
    settings.WANGGE_IMPORT_BATCH_ROWS = 5
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    seen: list[int] = []
    batched = importer.import_orders(
        intake.hotline, "orders.csv", data, progress=lambda done, total: seen.append(done)
    )
    assert seen == [5, 10, 15, 20, 23]
    assert batched.as_dict() == whole.as_dict() and batched.events == whole.events
    assert snapshot() == before and len(before) > 23


@pytest.mark.django_db
def test_a_job_stopped_after_k_batches_resumes_and_writes_each_order_once(
    intake: Intake, settings, monkeypatch
):
    settings.WANGGE_IMPORT_BATCH_ROWS = 4
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    job = imports.import_job_create(
        channel=intake.hotline, file_name="orders.csv", data=as_csv(rows(18))
    )
    assert (job.state, job.rows_total, job.position) == ("queued", 18, 0)
    assert not Event.objects.exists()  # checked, not written
    job = imports.import_job_run(job_id=job.pk, stop_after=2)  # the worker stops after 2
    assert (job.state, job.position, job.batches) == ("running", 8, 2)
    assert Event.objects.count() == 8
    # The next run crashes in the middle of its batch: the batch is undone, the position kept.
    real, calls = importer.push_order, Counter[str]()

    def crashing(channel: Any, order: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(channel, order)

    monkeypatch.setattr(importer, "push_order", crashing)
    with pytest.raises(RuntimeError):
        imports.import_job_run(job_id=job.pk)
    monkeypatch.setattr(importer, "push_order", real)
    job.refresh_from_db()
    assert (job.state, job.position) == ("running", 8) and Event.objects.count() == 8
    # Not stale yet: the worker's sweep leaves it; once stale, it resumes it to the end.
    assert import_jobs_resume.call_local() == 0
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert import_jobs_resume.call_local() == 1
    job.refresh_from_db()
    assert (job.state, job.position, job.rows_total) == ("done", 18, 18)
    assert job.outcomes == {"created": 18}
    refs = Counter(Event.objects.values_list("source_ref", flat=True))
    assert len(refs) == 18 and set(refs.values()) == {1}
    assert TimelineEntry.objects.filter(action="source_order").count() == 18
    assert not (imports.upload_dir() / job.token).exists()  # the file goes with the job
    # A done job run again does nothing; the same file again changes nothing.
    assert imports.import_job_run(job_id=job.pk).outcomes == {"created": 18}
    again = imports.import_job_create(
        channel=intake.hotline, file_name="orders.csv", data=as_csv(rows(18))
    )
    again = imports.import_job_run(job_id=again.pk)
    assert again.outcomes == {"unchanged": 18} and Event.objects.count() == 18


@pytest.mark.django_db
def test_rows_written_again_after_lost_progress_change_nothing(intake: Intake, settings):
    settings.WANGGE_IMPORT_BATCH_ROWS = 5
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    job = imports.import_job_create(
        channel=intake.hotline, file_name="o.csv", data=as_csv(rows(12))
    )
    imports.import_job_run(job_id=job.pk, stop_after=2)
    entries = TimelineEntry.objects.count()
    # As if the recorded position had been lost: the 10 rows written are written again.
    ImportJob.objects.filter(pk=job.pk).update(position=0, outcomes={})
    job = imports.import_job_run(job_id=job.pk)
    assert job.state == "done" and job.outcomes == {"unchanged": 10, "created": 2}
    assert Event.objects.count() == 12
    assert TimelineEntry.objects.count() == entries + 2 * 2  # the 2 new: report + source


@pytest.mark.django_db
def test_a_bad_file_is_refused_whole_naming_row_column_and_reason(client, intake: Intake):
    bad = rows(30)
    bad[6][1] = ""  # no content (so no title either)
    bad[20][4] = "2026-02-30 10:00"  # no such date
    upload = io.BytesIO(as_csv(bad))
    upload.name = "orders.csv"
    response = client.post("/api/intake/orders/import", {"file": upload}, HTTP_X_API_KEY=intake.key)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["item"], e["field"], e["code"]) for e in errors] == [
        ("第 8 行", "诉求内容", "required"),
        ("第 22 行", "来电时间", "impossible_date"),
    ]
    assert all(e["message"] for e in errors)
    assert not Event.objects.exists() and not ImportJob.objects.exists()
    with pytest.raises(DomainError):
        imports.import_job_create(channel=intake.hotline, file_name="o.csv", data=as_csv(bad))


@pytest.mark.django_db
def test_the_status_url_is_the_channels_own(client, intake: Intake):
    upload = io.BytesIO(as_csv(rows(3)))
    upload.name = "orders.csv"
    response = client.post("/api/intake/orders/import", {"file": upload}, HTTP_X_API_KEY=intake.key)
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"] == f"/api/intake/orders/imports/{body['job']}"
    assert client.get(body["status_url"]).status_code == 401  # no key
    missing = client.get(
        f"/api/intake/orders/imports/{body['job'] + 99}", HTTP_X_API_KEY=intake.key
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "job_id"
    status = client.get(body["status_url"], HTTP_X_API_KEY=intake.key).json()
    assert status["state"] == "done" and status["rows_done"] == 3


# -- reports while an import runs ----------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_reports_go_through_while_a_big_import_runs(client, intake: Intake, settings, tmp_path):
    """The live loop is not stopped by an import: every report made while 2,000 rows are being
    written succeeds, and none waits for more than the batch under way (each report sees at
    most the batch in flight and the next commit: the counter and the write lock are released
    between batches, and a waiting report gets them before the import's next batch)."""
    settings.WANGGE_IMPORT_BATCH_ROWS = 200
    data = as_csv(rows(2000))
    micro = max(intake.world.areas, key=len)
    body = {"title": "路边暴露垃圾", "category": "0102", "area": micro}
    committed: list[int] = []  # the position after each batch, as the import commits it
    failure: list[BaseException] = []

    with file_database(tmp_path):
        job = imports.import_job_create(channel=intake.hotline, file_name="big.csv", data=data)

        def run() -> None:
            try:
                imports.import_job_run(
                    job_id=job.pk, progress=lambda j: committed.append(j.position)
                )
            except BaseException as exc:  # shown by the test
                failure.append(exc)
            finally:
                connections.close_all()

        worker = threading.Thread(target=run, name="import")
        client.force_login(intake.world.operator)
        # A first report before the import: this thread's first request warms up (URLs,
        # the API's schema…) on its own time, not during a batch.
        warm = client.post("/api/events", json.dumps(body), content_type="application/json")
        assert warm.status_code == 201, warm.content
        worker.start()
        deadline = time.monotonic() + 300  # (a hang, not a speed: nothing asserts time)
        while not committed and worker.is_alive():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        reports: list[tuple[int, int, int, str]] = []
        while worker.is_alive() and len(committed) < 10:
            seen = len(committed)
            response = client.post("/api/events", json.dumps(body), content_type="application/json")
            reports.append((response.status_code, seen, len(committed), response.content[:300]))
            assert time.monotonic() < deadline
        worker.join(300)
        assert not worker.is_alive() and not failure, failure
        job.refresh_from_db()
        during = [r for r in reports if r[2] < 10]  # answered before the last batch committed
        codes = [r[3] for r in reports]
        assert all(status == 201 for status, *_ in reports), codes
        assert len(during) >= 3, reports
        assert max(after - before for _s, before, after, _c in reports) <= 2, reports
        assert (job.state, job.position, job.batches) == ("done", 2000, 10)
        imported = Event.objects.filter(channel="hotline")
        ids = imported.values_list("id", flat=True)
        first, last = min(ids), max(ids)
        reported = Event.objects.exclude(channel="hotline").values_list("id", flat=True)
        assert len(reported) == len(reports) + 1  # (and the warm-up's)
        assert any(first < i < last for i in reported)  # interleaved, not after the import
        assert imported.count() == 2000
        codes_all = list(Event.objects.values_list("code", flat=True))
        assert len(set(codes_all)) == len(codes_all)


@pytest.mark.django_db
def test_the_cli_resumes_a_stopped_job_and_lists_the_jobs(intake: Intake, settings, capsys):
    from wangge import cli

    settings.WANGGE_IMPORT_BATCH_ROWS = 3
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    job = imports.import_job_create(
        channel=intake.hotline, file_name="orders.csv", data=as_csv(rows(8))
    )
    imports.import_job_run(job_id=job.pk, stop_after=1)
    assert cli.main(["hotline", "resume", str(job.pk)]) == 0
    out = capsys.readouterr().out
    assert "6" in out and "8" in out  # two more batches reported, then the counts
    assert Event.objects.filter(channel="hotline").count() == 8
    assert cli.main(["hotline", "jobs"]) == 0
    assert "orders.csv" in capsys.readouterr().out
    assert cli.main(["hotline", "resume", "999999"]) == 1
