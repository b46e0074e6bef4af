"""Work-order files: the hotline's own columns, every row checked, all or nothing, re-import
changes nothing; through the service, the CLI and the API."""

import io
from datetime import datetime

import pytest

from tests.intake.conftest import INSIDE, Intake
from tests.intake.files import ROWS, as_csv, as_xlsx
from wangge import cli
from wangge.errors import DomainError
from wangge.events.models import Event, TimelineEntry
from wangge.intake.importer import import_orders
from wangge.intake.models import Channel

pytestmark = pytest.mark.django_db


def test_a_csv_imports_and_a_second_import_changes_nothing(intake: Intake):
    report = import_orders(intake.hotline, "orders.csv", as_csv(ROWS))
    assert report.as_dict() == {"rows": 2, "created": 2, "updated": 0, "noted": 0, "unchanged": 0}
    first = Event.objects.get(source_ref="GD001")
    assert (first.category.code, first.address, first.reporter_phone) == (
        "0102",
        "文晖路1号",
        "138001",
    )
    assert first.area.code == "330103"  # no coordinates in the file: the district places it
    entries = TimelineEntry.objects.count()
    again = import_orders(intake.hotline, "orders.csv", as_csv(ROWS))
    assert again.as_dict()["unchanged"] == 2 and again.as_dict()["created"] == 0
    assert Event.objects.count() == 2 and TimelineEntry.objects.count() == entries


def test_an_xlsx_with_gbk_style_values_imports(intake: Intake):
    rows = [
        [
            20260301001,
            "井盖缺失",
            "文晖路5号",
            "垃圾堆放",
            datetime(2026, 3, 1, 9, 30),
            "王五",
            138003,
        ]
    ]
    report = import_orders(intake.hotline, "orders.xlsx", as_xlsx(rows))
    assert report.as_dict()["created"] == 1
    event = Event.objects.get()
    assert event.source_ref == "20260301001" and event.reporter_phone == "138003"
    record = event.timeline.get(action="source_order").data
    assert record["called_at"].startswith("2026-03-01T09:30")


def test_a_gbk_csv_imports(intake: Intake):
    report = import_orders(intake.hotline, "orders.csv", as_csv(ROWS, encoding="gb18030"))
    assert report.as_dict()["created"] == 2


def test_one_bad_row_refuses_the_file_naming_row_column_and_reason(intake: Intake):
    rows = [
        *ROWS,
        ["", "没有编号", "", "垃圾堆放", "", "", ""],
        ["GD004", "未知类型", "", "外星人入侵", "昨天", "", ""],
        ["GD001", "重复的编号", "", "垃圾堆放", "", "", ""],
    ]
    with pytest.raises(DomainError) as caught:
        import_orders(intake.hotline, "orders.csv", as_csv(rows))
    found = {(p.item, p.field, p.code) for p in caught.value.problems}
    assert found == {
        ("第 4 行", "工单编号", "required"),
        ("第 5 行", "诉求类型", "unknown_category"),
        ("第 5 行", "来电时间", "date_format"),
        ("第 6 行", "工单编号", "duplicate"),
    }
    assert caught.value.status == 422
    assert not Event.objects.exists() and not TimelineEntry.objects.exists()


def test_the_channels_own_columns_are_used(intake: Intake):
    Channel.objects.filter(pk=intake.hotline.pk).update(
        import_columns={"单号": "order_no", "内容": "content", "经度": "lon", "纬度": "lat"},
        default_category_id=3,
    )
    intake.hotline.refresh_from_db()
    data = as_csv([["A-1", "噪音扰民", *INSIDE]], headings=["单号", "内容", "经度", "纬度"])
    assert import_orders(intake.hotline, "x.csv", data).as_dict()["created"] == 1
    assert Event.objects.get().area.code == "330103001001001001"
    with pytest.raises(DomainError) as caught:
        import_orders(intake.hotline, "x.csv", as_csv(ROWS))  # the default headings
    assert caught.value.problems[0].code == "missing_column"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 not really a zip", "format"),
        (b"\x00\x01\x02\xff\xfe" * 10, "format"),  # binary
    ],
)
def test_unreadable_files_are_refused(intake: Intake, data, code):
    with pytest.raises(DomainError) as caught:
        import_orders(intake.hotline, "x", data)
    assert caught.value.problems[0].code == code


def test_the_cli_imports_and_reports_bad_rows(intake: Intake, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv(ROWS))
    assert cli.main(["hotline", "import", str(good), "--channel", "hotline"]) == 0
    assert "2" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([["GD9", "", "", "垃圾堆放", "", "", ""]]))
    assert cli.main(["hotline", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "诉求内容" in err and ("row 2" in err or "第 2 行" in err)
    assert Event.objects.count() == 2


def test_the_api_takes_an_upload(client, intake: Intake):
    upload = io.BytesIO(as_xlsx(ROWS))
    upload.name = "orders.xlsx"
    response = client.post("/api/intake/orders/import", {"file": upload}, HTTP_X_API_KEY=intake.key)
    assert response.status_code == 202, response.content  # a job (run at once: tests' tasks)
    body = response.json()
    status = client.get(body["status_url"], HTTP_X_API_KEY=intake.key).json()
    assert status["state"] == "done" and status["outcomes"]["created"] == 2
    assert (status["rows_done"], status["rows_total"]) == (2, 2)
    missing = client.post("/api/intake/orders/import", {}, HTTP_X_API_KEY=intake.key)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"
    upload.seek(0)
    assert client.post("/api/intake/orders/import", {"file": upload}).status_code == 401


def test_the_admin_takes_an_upload(client, intake: Intake):
    from tests.factories import make_user

    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    url = f"/admin/intake/channel/{intake.hotline.pk}/import/"
    assert client.get(url).status_code == 200
    upload = io.BytesIO(as_csv([["GD9", "", "", "垃圾堆放", "", "", ""]]))
    upload.name = "bad.csv"
    page = client.post(url, {"file": upload}).content.decode()
    assert "诉求内容" in page and not Event.objects.exists()
    upload = io.BytesIO(as_csv(ROWS))
    upload.name = "good.csv"
    response = client.post(url, {"file": upload})
    assert response.status_code == 302 and "/import/" in response["Location"]
    assert Event.objects.count() == 2
    progress = client.get(response["Location"]).content.decode()
    assert "good.csv" in progress and 'data-state="done"' in progress
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<div") and 'data-state="done"' in fragment
    assert "good.csv" in client.get(url).content.decode()  # the channel's recent imports
