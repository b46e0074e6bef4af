"""People imports written in batches, each its own transaction: the same records as one
transaction, a stopped import finished by importing the file again (each resident once), and
reports answered while a big import runs (SQLite and PostgreSQL)."""

import io
import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone
from openpyxl import Workbook

from tests.intake.filedb import file_database
from tests.people.factories import centre
from wangge.accounts.models import AuditEntry
from wangge.events.models import Event
from wangge.people.imports import importer, jobs
from wangge.people.models import Building, House, Household, ImportRun, Residence
from wangge.people.tasks import people_imports_resume

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(i: int) -> str:
    """A valid 18-digit number (Hangzhou, born 1980 + i % 30), the check digit computed."""
    body = f"330103{1980 + i % 30}0101{i % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def workbook(people: Any, n: int, houses: int = 10) -> bytes:
    lon, lat = centre(people.micro_a)
    sheets: dict[str, list[list[Any]]] = {
        "楼栋": [
            ["楼栋编号", "楼栋名称", "地址", "经度", "纬度"],
            ["BB-1", "1幢", "和平路1号", lon, lat],
        ],
        "房屋": [["房屋编号", "楼栋编号", "单元", "室号", "房屋用途"]]
        + [[f"HB-{h}", "BB-1", "1", str(100 + h), "住宅"] for h in range(houses)],
        "户": [["户号", "房屋编号", "户类型"]]
        + [[f"HHB-{h}", f"HB-{h}", "家庭户"] for h in range(houses)],
        "人口": [["姓名", "身份证号", "联系电话", "民族", "户号", "与户主关系", "人口类型"]]
        + [
            [f"居民{i}", id_number(i), "", "汉族", f"HHB-{i % houses}", "子女", "户籍"]
            for i in range(n)
        ],
    }
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot() -> list[Any]:
    return [
        sorted(Building.objects.values_list("code", "name", "area__code")),
        sorted(House.objects.values_list("code", "building__code", "use", "address")),
        sorted(Household.objects.values_list("code", "house__code", "area__code")),
        sorted(
            Residence.objects.values_list(
                "resident__id_number_index", "resident__name", "household__code", "ended_on"
            )
        ),
    ]


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_batches_write_what_one_transaction_wrote(people, settings):
    data = workbook(people, 23, houses=4)
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    settings.WANGGE_IMPORT_BATCH_ROWS = 10_000
    with pytest.raises(_Undo), transaction.atomic():
        whole = importer.import_file(actor=people.admin, data=data, file_name="p.xlsx")
        before, counts = snapshot(), {k: vars(c) for k, c in whole.counts.items()}
        raise _Undo
    settings.WANGGE_IMPORT_BATCH_ROWS = 3
    seen: list[int] = []
    batched = importer.import_file(
        actor=people.admin,
        data=data,
        file_name="p.xlsx",
        progress=lambda done, total: seen.append(done),
    )
    assert batched.committed and {k: vars(c) for k, c in batched.counts.items()} == counts
    assert counts["resident"]["created"] == 23
    assert snapshot() == before
    # 1 building, 4 houses (2 batches), 4 households (2), 23 residents (8)
    assert len(seen) == 1 + 2 + 2 + 8 and seen[-1] == 32
    run = batched.run
    assert run is not None and (run.position, run.rows_total, run.committed) == (32, 32, True)
    assert AuditEntry.objects.filter(action="import", object_id=str(run.pk)).count() == 1


@pytest.mark.django_db
def test_an_import_stopped_half_way_is_finished_by_importing_the_file_again(
    people, settings, monkeypatch
):
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    settings.WANGGE_IMPORT_BATCH_ROWS = 5
    data = workbook(people, 17, houses=3)
    real, calls = importer._handle, []

    def stopping(run: Any, sheet: Any) -> None:
        if not run.dry:
            calls.append(sheet.kind)
            if len(calls) == 5:  # building, houses, households, residents 1-5 … then dies
                raise RuntimeError("worker killed")
        real(run, sheet)

    monkeypatch.setattr(importer, "_handle", stopping)
    with pytest.raises(RuntimeError):
        importer.import_file(actor=people.admin, data=data, file_name="p.xlsx")
    monkeypatch.setattr(importer, "_handle", real)
    stopped = ImportRun.objects.get()
    assert (stopped.committed, stopped.position, stopped.rows_total) == (False, 12, 24)
    assert Residence.objects.filter(household__code__startswith="HHB-").count() == 5
    again = importer.import_file(actor=people.admin, data=data, file_name="p.xlsx")
    assert again.committed
    assert again.counts["resident"].created == 12 and again.counts["resident"].unchanged == 5
    assert again.counts["building"].unchanged == 1 and again.counts["house"].unchanged == 3
    names = list(
        Residence.objects.filter(household__code__startswith="HHB-").values_list(
            "resident__name", flat=True
        )
    )
    assert sorted(names) == sorted(f"居民{i}" for i in range(17))  # each once


@pytest.mark.django_db
def test_a_bad_row_still_writes_nothing_in_all_mode(people, settings):
    settings.WANGGE_IMPORT_BATCH_ROWS = 2
    rows = Residence.objects.count()
    result = importer.import_file(
        actor=people.admin, data=_with_bad_resident(people), file_name="p.xlsx", mode="all"
    )
    assert not result.committed and not ImportRun.objects.exists()
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column) == ("人口", 5, "身份证号")
    assert Residence.objects.count() == rows and not Building.objects.filter(code="BB-1").exists()


def _with_bad_resident(people: Any) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook(people, 6, houses=2)))
    book["人口"]["B5"] = "330103199003071238"  # wrong check digit
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_reports_go_through_while_a_big_people_import_runs(client, people, settings, tmp_path):
    """As for work orders (tests/intake/test_import_jobs.py): each report waits at most for
    the batch under way."""
    settings.WANGGE_IMPORT_BATCH_ROWS = 200
    data = workbook(people, 2000, houses=50)
    body = {"title": "路边暴露垃圾", "category": "0102", "area": people.micro_a.code}
    committed: list[int] = []
    failure: list[BaseException] = []
    with file_database(tmp_path):

        def run() -> None:
            try:
                importer.import_file(
                    actor=people.admin,
                    data=data,
                    file_name="big.xlsx",
                    progress=lambda d, t: committed.append(d),
                )
            except BaseException as exc:  # shown by the test
                failure.append(exc)
            finally:
                connections.close_all()

        client.force_login(people.worker_a)
        warm = client.post("/api/events", json.dumps(body), content_type="application/json")
        assert warm.status_code == 201, warm.content
        worker = threading.Thread(target=run, name="import")
        worker.start()
        deadline = time.monotonic() + 300  # (a hang, not a speed: nothing asserts time)
        while len(committed) < 3 and worker.is_alive():  # (past the buildings and houses)
            assert time.monotonic() < deadline
            time.sleep(0.01)
        reports: list[tuple[int, int, int]] = []
        last = 1 + 1 + 1 + 10  # building, houses, households, 2,000 residents
        while worker.is_alive() and len(committed) < last:
            seen = len(committed)
            response = client.post("/api/events", json.dumps(body), content_type="application/json")
            reports.append((response.status_code, seen, len(committed)))
            assert time.monotonic() < deadline
        worker.join(300)
        assert not worker.is_alive() and not failure, failure
        assert all(status == 201 for status, *_ in reports), reports
        assert len([r for r in reports if r[2] < last]) >= 3, reports
        assert max(after - before for _s, before, after in reports) <= 2, reports
        assert len(committed) == last
        assert Event.objects.count() == len(reports) + 1
        run = ImportRun.objects.get()
        assert run.committed and run.position == run.rows_total == 1 + 50 + 50 + 2000


@pytest.mark.django_db
def test_a_big_upload_is_imported_by_the_worker_with_a_status_url(people, client, settings):
    settings.WANGGE_IMPORT_SYNC_ROWS = 10  # this file's 37 rows go to the worker
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    client.force_login(people.worker_a)
    upload = io.BytesIO(workbook(people, 30, houses=3))
    upload.name = "big.xlsx"
    response = client.post("/api/people/import", {"file": upload, "mode": "all"})
    assert response.status_code == 202, response.content
    body = response.json()
    status = client.get(body["status_url"]).json()  # (tasks run at once in the tests)
    assert (status["state"], status["committed"]) == ("done", True)
    assert status["rows_done"] == status["rows_total"] == 1 + 3 + 3 + 30
    assert status["counts"]["created"] == 37 and status["problems"] == []
    assert not (jobs.upload_dir() / ImportRun.objects.get().token).exists()
    client.force_login(people.worker_b)
    assert client.get(body["status_url"]).status_code == 404  # only its importer's
    # A bad row: the job fails, naming it, with the annotated report; nothing written.
    client.force_login(people.worker_a)
    upload = io.BytesIO(_with_bad_resident(people))
    upload.name = "bad.xlsx"
    ImportRun.objects.all().delete()
    Residence.objects.filter(household__code__startswith="HHB-").delete()
    before = Residence.objects.count()
    settings.WANGGE_IMPORT_SYNC_ROWS = 5
    body = client.post("/api/people/import", {"file": upload, "mode": "all"}).json()
    status = client.get(body["status_url"]).json()
    assert (status["state"], status["committed"]) == ("failed", False)
    [problem] = status["problems"]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("人口", 5, "身份证号")
    assert client.get(status["report_url"]).status_code == 200
    assert Residence.objects.count() == before


@pytest.mark.django_db
def test_a_job_a_stopped_worker_left_is_imported_again(people, settings):
    settings.WANGGE_IMPORT_BATCH_PAUSE = 0
    settings.WANGGE_IMPORT_BATCH_ROWS = 4
    run = jobs.import_queue(
        actor=people.admin, data=workbook(people, 9, houses=2), file_name="p.xlsx"
    )
    ImportRun.objects.filter(pk=run.pk).update(state="running")  # its worker died
    assert people_imports_resume.call_local() == 0  # not stale yet
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert people_imports_resume.call_local() == 1
    run.refresh_from_db()
    assert (run.state, run.committed, run.position, run.rows_total) == ("done", True, 14, 14)
    assert Residence.objects.filter(household__code__startswith="HHB-").count() == 9
