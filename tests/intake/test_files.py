"""Other systems' files and pushes as they come: dates written their way and in their zone,
impossible dates, NUL and lone surrogates, encodings, empty and non-table files, ragged rows,
problems summarised by kind, dry runs, unmapped categories."""

import csv
import io
import json

import pytest
from django.utils import timezone

from tests.conftest import shared_data
from tests.intake.conftest import Intake, order, push
from tests.intake.files import HEADINGS, ROWS, as_csv, as_xlsx
from wangge import cli
from wangge.errors import DomainError
from wangge.events.models import Category, Event, TimelineEntry
from wangge.intake.importer import import_orders, summarise
from wangge.intake.models import Channel
from wangge.intake.orders import DEFAULT_COLUMNS

pytestmark = pytest.mark.django_db


def _set(intake: Intake, **fields: object) -> Channel:
    Channel.objects.filter(pk=intake.hotline.pk).update(**fields)
    intake.hotline.refresh_from_db()
    return intake.hotline


def _refused(intake: Intake, data: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        import_orders(intake.hotline, "orders.csv", data)
    assert not Event.objects.exists() and not TimelineEntry.objects.exists()
    return caught.value


def _called_at(order_no: str) -> str:
    entry = TimelineEntry.objects.get(event__source_ref=order_no, action="source_order")
    return entry.data["called_at"]


# -- no 500 for any input --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"called_at": "2023-02-30 10:00"}, "called_at", "impossible_date"),
        ({"called_at": "0000-01-01T00:00:00"}, "called_at", "impossible_date"),
        ({"called_at": "1066-10-14 09:00"}, "called_at", "impossible_date"),
        ({"called_at": 44985.5}, "called_at", "date_format"),  # a serial on an ISO channel
        ({"content": "垃圾\ud800堆放"}, "content", "surrogate"),
        ({"order_no": "GD\ud800"}, "order_no", "surrogate"),
        ({"title": "井盖\x00缺失"}, "title", "nul"),
        ({"address": "\x00"}, "address", "nul"),
        ({"called_at": "2026-03-01\x00"}, "called_at", "nul"),
        ({"lon": 10**400}, "lon", "invalid"),
        ({"caller_name": ["张三"]}, "caller_name", "invalid"),
    ],
)
def test_a_push_with_bad_text_or_dates_is_422_naming_the_field(
    client, intake: Intake, change, field, code
):
    # json.dumps writes "\ud800" as its escape, as another system would.
    raw = json.dumps(order(**change)).encode()
    response = push(client, intake.key, None, raw=raw)
    assert response.status_code == 422, response.content
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {(field, code)}
    assert not Event.objects.exists()


def test_file_rows_with_bad_dates_nul_and_surrogates_name_row_and_column(intake: Intake):
    rows = [
        ["GD001", "小区门口垃圾堆放", "", "垃圾堆放", "2023-02-30 10:00", "", ""],
        ["GD002", "路面\x00渣土", "", "垃圾堆放", "0000-01-01T00:00:00", "", ""],
    ]
    error = _refused(intake, as_csv(rows))
    found = {(p.item, p.field, p.code) for p in error.problems}
    assert found == {
        ("第 2 行", "来电时间", "impossible_date"),
        ("第 3 行", "诉求内容", "nul"),
        ("第 3 行", "来电时间", "impossible_date"),
    }
    assert error.status == 422


def test_the_cli_reports_an_impossible_date_and_exits_1(intake: Intake, tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes(as_csv([["GD1", "内容", "", "垃圾堆放", "2023-02-30 10:00", "", ""]]))
    assert cli.main(["hotline", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "第 2 行 · 来电时间" in err and "2023-02-30 10:00" in err
    assert not Event.objects.exists()


# -- dates and zones ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "written", "expected"),
    [
        ("iso", "2023/2/28 23:45", "2023-02-28T23:45:00+08:00"),
        ("iso", "2023-02-28T15:45:00Z", "2023-02-28T23:45:00+08:00"),  # its own zone kept
        ("mdy", "02/28/2023 11:45:00 PM", "2023-02-28T23:45:00+08:00"),
        ("mdy", "2/28/2023 12:05 AM", "2023-02-28T00:05:00+08:00"),
        ("dmy", "28/02/2023 23:45", "2023-02-28T23:45:00+08:00"),
        ("excel", "44985.989583333336", "2023-02-28T23:45:00+08:00"),
    ],
)
def test_dates_are_read_the_channels_way(intake: Intake, fmt, written, expected):
    _set(intake, date_format=fmt)
    rows = [["GD001", "垃圾堆放", "", "垃圾堆放", written, "", ""]]
    import_orders(intake.hotline, "orders.csv", as_csv(rows))
    assert _called_at("GD001") == expected


def test_an_xlsx_serial_number_is_a_date_on_an_excel_channel(intake: Intake):
    _set(intake, date_format="excel")
    import_orders(intake.hotline, "o.xlsx", as_xlsx([["GD1", "内容", "", "垃圾堆放", 44985.5]]))
    assert _called_at("GD1") == "2023-02-28T12:00:00+08:00"


def test_times_are_taken_in_the_channels_zone_and_kept_in_the_platforms(intake: Intake, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # a deployment outside China: no bare +08:00
    rows = [["GD001", "垃圾堆放", "", "垃圾堆放", "2023-02-28 23:45", "", ""]]
    import_orders(intake.hotline, "orders.csv", as_csv(rows))
    assert _called_at("GD001") == "2023-02-28T23:45:00+01:00"
    _set(intake, time_zone="Asia/Shanghai")
    rows[0][0] = "GD002"
    import_orders(intake.hotline, "orders.csv", as_csv(rows))
    assert _called_at("GD002") == "2023-02-28T16:45:00+01:00"


def test_an_unknown_time_zone_is_refused_by_the_channel_form(intake: Intake):
    from django.core.exceptions import ValidationError

    intake.hotline.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as caught:
        intake.hotline.full_clean()
    assert "time_zone" in caught.value.message_dict


def test_problems_are_summarised_by_kind_above_the_rows(intake: Intake):
    rows = [
        [f"GD{n}", "内容", "", "垃圾堆放", f"02/{n:02}/2023 11:45:00 PM", "", ""]
        for n in range(1, 6)
    ]
    rows.append(["GD9", "内容", "", "外星人入侵", "2023-02-01 10:00", "", ""])
    error = _refused(intake, as_csv(rows))
    assert summarise(error.problems) == [
        "5 行 来电时间：日期格式无法识别（例：第 2 行 日期格式无法识别：02/01/2023 11:45:00 PM。）",
        "1 行 诉求类型：分类无法对应（例：第 7 行 未知事件分类 外星人入侵。）",
    ]


# -- encodings ---------------------------------------------------------------------------------
def test_one_stray_windows_byte_does_not_make_a_utf8_file_gbk(intake: Intake):
    rows = [["GD001", "Driver’s licence 驾照", "", "垃圾堆放", "", "", ""], *ROWS[1:]]
    good = as_csv(rows)
    bad = good.replace("Driver’s".encode(), b"Driver\x92s")  # cp1252's apostrophe
    error = _refused(intake, bad.replace(b"GD002", "GD002 ’".encode()))
    assert [(p.item, p.code) for p in error.problems] == [("第 2 行", "undecodable")]
    assert "UTF-8" in error.problems[0].message
    # With the stray byte gone, the same text reads as UTF-8 ("Driver’s", not "Driver抯").
    import_orders(intake.hotline, "orders.csv", good)
    assert Event.objects.get(source_ref="GD001").description.startswith("Driver’s")


def test_gbk_and_bom_files_read_as_such(intake: Intake):
    import_orders(intake.hotline, "gbk.csv", as_csv(ROWS, encoding="gbk"))
    assert Event.objects.get(source_ref="GD001").description == "小区门口垃圾堆放"
    bom = as_csv([["GD003", "井盖缺失", "", "垃圾堆放", "", "", ""]], encoding="utf-8-sig")
    assert import_orders(intake.hotline, "bom.csv", bom).as_dict()["created"] == 1


def test_a_gbk_file_with_a_broken_byte_names_its_row(intake: Intake):
    data = as_csv(ROWS, encoding="gbk") + "GD003,路灯,,垃圾堆放,,,\n".encode("gbk")
    data = data.replace("路灯".encode("gbk"), b"\x81\x20")  # half a character
    error = _refused(intake, data)
    assert [(p.item, p.code) for p in error.problems] == [("第 4 行", "undecodable")]


# -- empty and non-table input -------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (",".join(HEADINGS).encode() + b"\r\n", "empty"),
        (as_xlsx([]), "empty"),
        (b'{"type": "FeatureCollection", "features": []}', "format"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n", "missing_column"),
    ],
)
def test_files_without_rows_or_not_tables_are_refused(intake: Intake, data, code):
    error = _refused(intake, data)
    assert [p.code for p in error.problems] == [code]


def test_a_geojson_given_as_a_hotline_file_is_refused_through_the_api(client, intake: Intake):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = shared_data("cn_grid_hangzhou_xiacheng", "streets.geojson")
    upload = SimpleUploadedFile("streets.geojson", path.read_bytes())
    response = client.post("/api/intake/orders/import", {"file": upload}, HTTP_X_API_KEY=intake.key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "format"
    assert not Event.objects.exists()


def test_ragged_rows_are_reported(intake: Intake):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([HEADINGS, ROWS[0], ROWS[1][:3], [*ROWS[1], "多余", ""]])
    writer.writerow(["GD009", "内容", "", "垃圾堆放", "", "", "", "", ""])  # empty trailing cells
    error = _refused(intake, out.getvalue().encode())
    assert [(p.item, p.code) for p in error.problems if p.code == "ragged"] == [
        ("第 3 行", "ragged"),
        ("第 4 行", "ragged"),
    ]
    assert "本行 3 个单元格，表头有 7 个。" in [p.message for p in error.problems]


# -- dry run -----------------------------------------------------------------------------------
def test_a_dry_run_counts_and_samples_and_writes_nothing(intake: Intake, tmp_path, capsys):
    import_orders(intake.hotline, "orders.csv", as_csv(ROWS[:1]))
    events, entries = Event.objects.count(), TimelineEntry.objects.count()
    rows = [[*ROWS[0][:2], "新地址", *ROWS[0][3:]], ROWS[1]]  # GD001 changed, GD002 new
    report = import_orders(intake.hotline, "orders.csv", as_csv(rows), dry_run=True)
    assert report.as_dict()["created"] == 1 and report.as_dict()["updated"] == 1
    assert [s["order_no"] for s in report.sample] == ["GD001", "GD002"]
    assert report.sample[1]["category"].startswith("0103")
    assert (Event.objects.count(), TimelineEntry.objects.count()) == (events, entries)
    path = tmp_path / "orders.csv"
    path.write_bytes(as_csv([*rows, ["GD003", "内容", "", "垃圾堆放", "2023-02-30", "", ""]]))
    assert cli.main(["hotline", "import", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "试运行" in out and "第 4 行" in out and "GD002" in out
    assert (Event.objects.count(), TimelineEntry.objects.count()) == (events, entries)


def test_the_api_and_the_admin_preview_without_writing(client, intake: Intake):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_user

    upload = SimpleUploadedFile("orders.csv", as_csv(ROWS))
    response = client.post(
        "/api/intake/orders/import?dry_run=true", {"file": upload}, HTTP_X_API_KEY=intake.key
    )
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] and body["created"] == 2 and len(body["sample"]) == 2
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    url = f"/admin/intake/channel/{intake.hotline.pk}/import/"
    upload = SimpleUploadedFile("orders.csv", as_csv(ROWS))
    page = client.post(url, {"file": upload, "preview": "1"}).content.decode()
    assert "试运行" in page and "GD002" in page
    assert not Event.objects.exists()


# -- unmapped categories -----------------------------------------------------------------------
def test_unmapped_categories_go_to_the_default_flagged(intake: Intake):
    default = Category.objects.get(code="0103")
    _set(intake, unmapped_to_default=True, default_category=default)
    rows = [*ROWS, ["GD003", "外星人", "", "外星人入侵", "", "", ""]]
    report = import_orders(intake.hotline, "orders.csv", as_csv(rows))
    assert report.as_dict()["created"] == 3 and report.unmapped == 1
    event = Event.objects.get(source_ref="GD003")
    assert event.category == default
    assert event.timeline.get(action="source_order").data["unmapped_category"] == "外星人入侵"
    assert (
        "unmapped_category"
        not in Event.objects.get(source_ref="GD001").timeline.get(action="source_order").data
    )


# -- real files ---------------------------------------------------------------------------------
def test_real_citizen_messages_import_with_a_mapping(intake: Intake):
    path = shared_data("cn_messages_tipdm2020c", "attachment2_sample495_labeled.csv")
    default = Category.objects.get(code="0103")
    _set(
        intake,
        import_columns={
            "留言编号": "order_no",
            "留言主题": "title",
            "留言详情": "content",
            "留言时间": "called_at",
            "一级分类": "category",
        },
        unmapped_to_default=True,
        default_category=default,
    )
    preview = import_orders(intake.hotline, path.name, path.read_bytes(), dry_run=True)
    # The file's one wart: message 37042 twice, filed under two classes.
    assert [(p.item, p.code) for p in preview.problems] == [("第 312 行", "duplicate")]
    assert preview.as_dict()["created"] == 494 and preview.unmapped == 494
    assert not Event.objects.exists()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    del rows[312 - 1]  # row 312, the heading being row 1
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    report = import_orders(intake.hotline, path.name, out.getvalue().encode())
    assert report.as_dict()["created"] == 494 and report.unmapped == 494
    assert _called_at("24") == "2020-01-06T12:09:38+08:00"


def test_real_grid_events_in_month_day_year(intake: Intake):
    path = shared_data("cn_grid_hangzhou_xiacheng", "grid_events_2018-09_redacted.csv")
    columns = {
        "上报时间_iso": "order_no",
        "事件类型": "category",
        "上报时间": "called_at",
        "上报部门": "content",
    }
    _set(intake, import_columns=columns, default_category=Category.objects.get(code="0103"))
    _set(intake, unmapped_to_default=True)
    error = _refused(intake, path.read_bytes())  # the channel says ISO: every date refused
    lines = summarise(error.problems)
    assert lines[0].startswith("228 行 上报时间：日期格式无法识别（例：第 2 行")
    assert "9/24/2018 16:00:27" in lines[0]
    _set(intake, date_format="mdy")
    report = import_orders(intake.hotline, path.name, path.read_bytes(), dry_run=True)
    # Its warts: three moments reported twice from two places (no order number in the file).
    assert {p.code for p in report.problems} == {"duplicate"} and report.rows == 225


# -- status at the source ----------------------------------------------------------------------
CLOSED_HEADINGS = [*HEADINGS, "办理状态", "办结时间", "办结意见"]


def test_orders_closed_at_the_source_are_imported_closed_and_counted_apart(client, intake: Intake):
    from wangge.events import figures
    from wangge.events.models import Status

    _set(
        intake,
        closed_statuses=["已办结"],
        import_columns={
            **DEFAULT_COLUMNS,
            "办理状态": "source_status",
            "办结时间": "closed_at",
            "办结意见": "close_note",
        },
    )
    rows = [
        [*ROWS[0], "已办结", "2026/03/02 17:00", "已清运"],
        [*ROWS[1], "办理中", "", ""],
    ]
    data = as_csv(rows, headings=CLOSED_HEADINGS)
    preview = import_orders(intake.hotline, "orders.csv", data, dry_run=True)
    assert preview.closed_at_source == 1 and preview.sample[0]["closed_at_source"]
    report = import_orders(intake.hotline, "orders.csv", data)
    assert report.closed_at_source == 1 and "1 条在来源系统已办结" in report.summary()
    closed = Event.objects.get(source_ref="GD001")
    assert (closed.status, closed.closed_at_source) == (Status.CLOSED, True)
    assert timezone.localtime(closed.closed_at).isoformat() == "2026-03-02T17:00:00+08:00"
    entry = closed.timeline.get(action="close_at_source")
    assert (entry.from_status, entry.to_status, entry.comment) == ("reported", "closed", "已清运")
    assert Event.objects.get(source_ref="GD002").status == Status.REPORTED
    client.force_login(intake.world.operator)
    page = client.get(f"/events/{closed.code}/").content.decode()
    assert page.count("来源系统已办结") == 2 and "已清运" in page  # the flag, the timeline
    numbers = figures.loop_figures(user=intake.world.operator)
    assert (numbers["closed"], numbers["imported_closed"]) == (0, 1)
    # Again: nothing changes. Closed later at the source: closed here too, while unaccepted.
    assert import_orders(intake.hotline, "orders.csv", data).as_dict()["unchanged"] == 2
    rows[1][7:] = ["已办结", "2026/03/03 09:00", "已处理"]
    again = import_orders(intake.hotline, "orders.csv", as_csv(rows, headings=CLOSED_HEADINGS))
    assert again.as_dict()["updated"] == 1
    assert Event.objects.get(source_ref="GD002").closed_at_source


def test_only_the_system_closes_at_the_source(intake: Intake):
    from wangge.events import workflow

    import_orders(intake.hotline, "orders.csv", as_csv(ROWS[:1]))
    event = Event.objects.get()
    with pytest.raises(DomainError) as caught:
        workflow.event_close_at_source(event=event, actor=intake.world.operator)
    assert caught.value.problems[0].code == "forbidden"
    assert "close_at_source" not in workflow.allowed_actions(intake.world.operator, event)


def test_an_unmapped_category_is_flagged_until_accepted(client, intake: Intake):
    from wangge.events import workflow

    _set(intake, unmapped_to_default=True, default_category=Category.objects.get(code="0103"))
    rows = [["GD003", "外星人", "", "外星人入侵", "", "", ""], ROWS[0]]
    import_orders(intake.hotline, "orders.csv", as_csv(rows))
    flagged = Event.objects.get(source_ref="GD003")
    assert flagged.category_unconfirmed
    client.force_login(intake.world.operator)
    queue = client.get("/events/").content.decode()
    assert queue.count("分类待确认") == 1
    assert "分类待确认" in client.get(f"/events/{flagged.code}/").content.decode()
    assert not Event.objects.get(source_ref="GD001").category_unconfirmed
    accepted = workflow.event_accept(event=flagged, actor=intake.world.operator)
    assert not accepted.category_unconfirmed
    assert not Event.objects.get(source_ref="GD003").category_unconfirmed


# -- video alerts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"time": "0001-01-01T00:00:00"}, "time", "invalid"),
        ({"time": "2023-02-30T10:00:00"}, "time", "invalid"),
        ({"time": -62135596800}, "time", "invalid"),
        ({"camera_id": "CAM\x00"}, "camera_id", "nul"),
        ({"alert_type": "x\ud800"}, "alert_type", "surrogate"),
    ],
)
def test_a_video_alert_with_bad_time_or_text_is_422(client, intake: Intake, change, field, code):
    from tests.intake.conftest import signed

    body = json.dumps(
        {"camera_id": "CAM-001", "alert_type": "garbage_overflow", "time": 1767225600, **change}
    ).encode()
    response = client.post(
        "/api/intake/video/video/alerts",
        data=body,
        content_type="application/json",
        **signed(intake.secret, body),
    )
    assert response.status_code == 422, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not Event.objects.exists()
