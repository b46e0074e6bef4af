import csv
import io
import os
import time

import pytest
from openpyxl import Workbook, load_workbook

from tests.people.factories import centre
from wangge.accounts.models import AuditEntry
from wangge.cli import main
from wangge.people.imports import importer
from wangge.people.models import Building, House, Household, Residence, Resident

GOOD_1 = "330103199003071237"
GOOD_2 = "510108199912314561"
GOOD_3 = "130503670401001"  # 15-digit legacy number


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


RESIDENT_HEADERS = ["姓名", "身份证号", "联系电话", "民族", "户号", "与户主关系", "人口类型"]


def _file(people, residents: list[list]) -> bytes:
    lon, lat = centre(people.micro_a)
    return _xlsx(
        {
            "楼栋": [
                ["楼栋编号", "楼栋名称", "地址", "经度", "纬度"],
                ["B-1", "1幢", "和平路1号", lon, lat],
                ["B-2", "2幢", "和平路2号", 200, lat],  # bad longitude
            ],
            "房屋": [
                ["房屋编号", "楼栋编号", "单元", "室号", "房屋用途"],
                ["H-1-101", "B-1", "1", "101", "住宅"],
                ["H-1-102", "B-1", "1", "102", "出租房"],
                ["H-2-101", "B-2", "1", "101", "住宅"],  # its building is rejected
                ["H-1-103", "B-1", "1", "103", "仓库"],  # unknown use
            ],
            "户": [
                ["户号", "房屋编号", "户类型"],
                ["HH-1", "H-1-101", "家庭户"],
                ["HH-2", "H-1-102", "集体户"],
            ],
            "人口": [RESIDENT_HEADERS, *residents],
        }
    )


GOOD_ROWS = [
    ["赵一", GOOD_1, "13900001111", "汉族", "HH-1", "户主", "户籍"],
    ["钱二", GOOD_2, "", "回族", "HH-1", "配偶", "户籍"],
    ["孙三", GOOD_3, "0571-88886666", "汉族", "HH-2", "租户", "流动"],
]
BAD_ROWS = [
    ["李四", "330103199003071238", "", "汉族", "HH-1", "子女", "户籍"],  # check digit
    ["周五", "110105194912310021", "123", "汉族", "HH-1", "子女", "户籍"],  # two problems
    ["吴六", GOOD_1, "", "汉族", "HH-1", "子女", "户籍"],  # same ID twice
    ["", "440524188001010014", "", "汉族", "HH-9", "子女", "户籍"],  # no name, no household
]


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(people):
    counts = (Building.objects.count(), Resident.objects.count(), AuditEntry.objects.count())
    result = importer.import_file(
        actor=people.admin, data=_file(people, GOOD_ROWS + BAD_ROWS), file_name="p.xlsx"
    )
    assert not result.committed
    assert (Building.objects.count(), Resident.objects.count()) == counts[:2]
    assert AuditEntry.objects.count() == counts[2]
    where = {(p.sheet, p.row, p.column) for p in result.problems}
    assert ("楼栋", 3, "经度") in where
    assert ("房屋", 4, "楼栋编号") in where
    assert ("房屋", 5, "房屋用途") in where
    assert ("人口", 5, "身份证号") in where
    assert ("人口", 6, "身份证号") in where
    assert ("人口", 7, "身份证号") in where  # duplicate of row 2
    assert ("人口", 8, "姓名") in where
    messages = " ".join(p.message for p in result.problems)
    assert "check digit" in messages or "校验" in messages


def test_valid_rows_mode_writes_only_the_good_rows(people):
    result = importer.import_file(
        actor=people.worker_a,
        data=_file(people, GOOD_ROWS + BAD_ROWS),
        file_name="p.xlsx",
        mode="valid",
    )
    assert result.committed
    assert result.counts["resident"].created == 3
    assert result.counts["resident"].rejected == 4
    assert set(Building.objects.values_list("code", flat=True)) >= {"B-1"}
    assert not Building.objects.filter(code="B-2").exists()
    assert set(House.objects.filter(code__startswith="H-").values_list("code", flat=True)) == {
        "H-1-101",
        "H-1-102",
        "H-HA",
        "H-HB",
    }
    sun = Resident.objects.get(name="孙三")
    assert sun.id_number_masked == "130503********0016"
    assert (sun.sex, sun.birth_date.isoformat()) == ("M", "1967-04-01")
    assert sun.phone_masked == "0571****6666"
    assert sun.residence_type == "floating"
    assert sun.area == people.micro_a
    assert Residence.objects.filter(resident=sun, ended_on__isnull=True).count() == 1
    assert Household.objects.get(code="HH-2").kind == "collective"


def test_reimport_changes_nothing_and_an_updated_file_updates(people):
    data = _file(people, GOOD_ROWS)
    first = importer.import_file(actor=people.admin, data=data, file_name="p.xlsx", mode="valid")
    assert first.total("created") == 1 + 2 + 2 + 3
    stamp = dict(Resident.objects.values_list("pk", "updated_at"))
    audit_before = AuditEntry.objects.count()
    again = importer.import_file(actor=people.admin, data=data, file_name="p.xlsx", mode="valid")
    assert again.total("created") == again.total("updated") == 0
    assert again.counts["resident"].unchanged == 3
    assert dict(Resident.objects.values_list("pk", "updated_at")) == stamp
    assert AuditEntry.objects.count() == audit_before + 1  # the import itself only
    # Updated file: 钱二 changes phone and moves to HH-2.
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][2], rows[1][4] = "13700002222", "HH-2"
    updated = importer.import_file(
        actor=people.admin, data=_file(people, rows), file_name="p2.xlsx", mode="valid"
    )
    assert updated.counts["resident"].updated == 1
    qian = Resident.objects.get(name="钱二")
    assert qian.household.code == "HH-2" and qian.phone_masked == "137****2222"
    stays = list(Residence.objects.filter(resident=qian).order_by("id"))
    assert [s.household.code for s in stays] == ["HH-1", "HH-2"]
    assert stays[0].ended_on is not None and stays[1].ended_on is None
    assert AuditEntry.objects.filter(
        action="update", object_type="resident", object_id=str(qian.pk)
    ).exists()


def test_csv_import_of_residents_and_scope(people):
    rows = [
        RESIDENT_HEADERS,
        ["赵一", GOOD_1, "13900001111", "汉族", "HA", "户主", "户籍"],
        ["钱二", GOOD_2, "", "汉族", "HB", "户主", "户籍"],  # household in grid B
    ]
    result = importer.import_file(
        actor=people.worker_a, data=_csv(rows), file_name="people.csv", mode="valid"
    )
    assert result.counts["resident"].created == 1
    [problem] = result.problems
    assert (problem.row, problem.column) == (3, "户号")
    # GB 18030 files (Excel's default on Chinese Windows) are read too.
    gbk = _csv(rows).decode("utf-8-sig").encode("gb18030")
    again = importer.import_file(actor=people.admin, data=gbk, file_name="people.csv", mode="valid")
    assert again.counts["resident"].unchanged == 1 and again.counts["resident"].created == 1


def test_report_marks_rows_and_masks_numbers(people, tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(_file(people, GOOD_ROWS + BAD_ROWS))
    report = tmp_path / "report.xlsx"
    assert main(["people", "import", str(path), "--report", str(report)]) == 1
    assert Resident.objects.count() == 2  # all or nothing: only the fixture's two
    book = load_workbook(report)
    problems = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("人口", 5, "身份证号") in {tuple(r[:3]) for r in problems}
    residents = list(book["人口"].iter_rows(values_only=True))
    assert residents[4][1] == "330103********1238"
    assert residents[4][-1]
    raw = report.read_bytes()
    assert b"13900001111" not in raw
    assert main(["people", "import", str(path), "--mode", "valid"]) == 0
    assert Resident.objects.count() == 5


def test_template_round_trip(people, client):
    client.force_login(people.admin)
    template = client.get("/api/people/import/template.xlsx")
    assert template.status_code == 200
    result = importer.import_file(
        actor=people.admin, data=template.content, file_name="template.xlsx"
    )
    # The example rows are outside the test district: the report says so, nothing written.
    assert not result.committed and result.problems


@pytest.mark.parametrize("mode", ["all", "valid"])
def test_upload_through_the_api(people, client, mode):
    client.force_login(people.worker_a)
    upload = io.BytesIO(_file(people, GOOD_ROWS + BAD_ROWS))
    upload.name = "p.xlsx"
    response = client.post("/api/people/import", {"file": upload, "mode": mode})
    assert response.status_code == 200
    body = response.json()
    assert body["committed"] is (mode == "valid")
    assert body["report_url"]
    report = client.get(body["report_url"])
    assert report.status_code == 200
    load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    client.force_login(people.worker_b)
    assert client.get(body["report_url"]).status_code == 404


def test_reports_are_kept_for_a_set_time(people, client, settings):
    """An import's report names residents: the worker removes it after
    WANGGE_IMPORT_REPORT_DAYS, and its link then answers 404."""
    from wangge.people.imports import reports
    from wangge.people.tasks import import_reports_prune

    settings.WANGGE_IMPORT_REPORT_DAYS = 7
    client.force_login(people.worker_a)
    upload = io.BytesIO(_file(people, GOOD_ROWS + BAD_ROWS))
    upload.name = "p.xlsx"
    url = client.post("/api/people/import", {"file": upload, "mode": "all"}).json()["report_url"]
    token = url.rsplit("/", 1)[1].removesuffix(".xlsx")
    path = reports.report_path(token)
    assert path is not None and path.stat().st_mode & 0o077 == 0  # private to the platform
    now = time.time()
    assert reports.reports_prune(now=now + 6 * 86400) == 0  # six days on: kept
    assert client.get(url).status_code == 200
    os.utime(path, (now - 8 * 86400, now - 8 * 86400))  # written eight days ago
    assert import_reports_prune.call_local() == 1
    assert client.get(url).status_code == 404


def test_a_control_character_in_a_cell_is_reported_not_a_500(people, client):
    """The annotated report echoes what the file held; a worksheet cannot hold control
    characters, so they come back as visible escapes (found by tests/test_fuzz_imports.py)."""
    client.force_login(people.worker_a)
    rows = [RESIDENT_HEADERS, ["赵\x01一", GOOD_1, "", "汉族", "H\x00A", "户主", "户籍"]]
    upload = io.BytesIO(_csv(rows))
    upload.name = "people.csv"
    response = client.post("/api/people/import", {"file": upload, "mode": "all"})
    assert response.status_code == 200, response.content[:300]
    report = client.get(response.json()["report_url"])
    book = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "赵\\x01一" in cells


def test_a_nul_in_a_cell_rejects_its_row_naming_the_column(people):
    """PostgreSQL refuses NUL in text: the row is refused before any query reads it (found by
    tests/test_fuzz_imports.py on PostgreSQL)."""
    rows = [RESIDENT_HEADERS, ["赵一", GOOD_1, "", "汉族", "H\x00A", "户主", "户籍"]]
    result = importer.import_file(
        actor=people.worker_a, data=_csv(rows), file_name="people.csv", mode="valid"
    )
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "户号")
    assert "NUL" in problem.message
    assert result.counts["resident"].rejected == 1


def test_a_code_of_another_grids_record_is_refused_not_moved(people):
    """A file may not take over another grid's building, house or household by naming its
    code with a place in the importer's own grid."""
    lon_b, lat_b = centre(people.micro_b)
    lon_a, lat_a = centre(people.micro_a)
    theirs = _xlsx(
        {"楼栋": [["楼栋编号", "楼栋名称", "经度", "纬度"], ["B-9", "9幢", lon_b, lat_b]]}
    )
    importer.import_file(actor=people.admin, data=theirs, file_name="b.xlsx", mode="all")
    before = Building.objects.values("name", "area_id", "lon", "lat").get(code="B-9")

    mine = _xlsx(
        {"楼栋": [["楼栋编号", "楼栋名称", "经度", "纬度"], ["B-9", "我的9幢", lon_a, lat_a]]}
    )
    result = importer.import_file(
        actor=people.worker_a, data=mine, file_name="a.xlsx", mode="valid"
    )
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column) == ("楼栋", 2, "楼栋编号")
    assert "outside your areas" in problem.message or "不在您负责的区域内" in problem.message
    assert result.counts["building"].rejected == 1 and result.counts["building"].updated == 0
    assert Building.objects.values("name", "area_id", "lon", "lat").get(code="B-9") == before
