"""The working calendar: package years, entered years, office hours, imports, the cache."""

import csv
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from wangge.errors import DomainError
from wangge.events import calendar
from wangge.events.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english_messages():
    """Domain tests read messages in English; the zh-hans ones are tested on their own."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts and ends with an empty calendar cache (its rows are rolled back)."""
    calendar.calendar_changed()
    yield
    calendar.calendar_changed()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def workdays(start: date, end: date) -> dict[date, bool]:
    days = {}
    day = start
    while day <= end:
        days[day] = calendar.is_workday(day)
        day += timedelta(days=1)
    return days


# -- package years -----------------------------------------------------------------------------
def test_national_day_2025_comes_from_the_package():
    assert calendar.year_source(2025) == "package"
    for day in range(1, 9):
        assert not calendar.is_workday(date(2025, 10, day)), day
    assert calendar.is_workday(date(2025, 9, 28))  # Sunday, 调休
    assert calendar.is_workday(date(2025, 10, 11))  # Saturday, 调休
    assert calendar.is_workday(date(2025, 10, 9))
    assert not calendar.is_workday(date(2025, 10, 12))  # a plain Sunday


def test_working_hours_skip_national_day():
    # 16:00→17:30 is 1.5 h; the rest (2.5 h) from 08:30 on Thursday 10-09.
    due = calendar.add_working_hours(at(2025, 9, 30, 16, 0), 4)
    assert due == at(2025, 10, 9, 11, 0)
    assert calendar.working_hours_between(at(2025, 9, 30, 16, 0), due) == 4


def test_one_working_day_from_friday_lands_on_the_adjusted_sunday():
    assert calendar.add_working_days(at(2025, 9, 26, 10, 0), 1) == at(2025, 9, 28, 10, 0)


def test_five_working_days_in_a_plain_week_is_the_same_hour_a_week_later():
    assert calendar.add_working_days(at(2025, 11, 4, 10, 0), 5) == at(2025, 11, 11, 10, 0)
    assert calendar.workday_hours() == 7.5


def test_spring_festival_2026_comes_from_the_package():
    assert calendar.year_source(2026) == "package"
    days = workdays(date(2026, 2, 13), date(2026, 2, 28))
    off = [d for d, working in days.items() if not working]
    assert off == [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]  # 02-15 … 02-23
    assert days[date(2026, 2, 14)]  # Saturday, 调休
    assert days[date(2026, 2, 28)]  # Saturday, 调休
    assert days[date(2026, 2, 24)]
    assert calendar.add_working_hours(at(2026, 2, 13, 17, 0), 1) == at(2026, 2, 14, 9, 0)
    assert calendar.add_working_hours(at(2026, 2, 14, 17, 0), 1) == at(2026, 2, 24, 9, 0)


# -- years beyond the package, entered years -----------------------------------------------------
def test_2027_falls_back_to_weekends_until_entered(django_capture_on_commit_callbacks):
    assert calendar.year_source(2027) == "weekends"
    assert calendar.years_needing_schedule(date(2026, 11, 21)) == [2027]
    assert calendar.years_needing_schedule(date(2027, 3, 1)) == [2027, 2028]
    assert calendar.years_needing_schedule(date(2025, 6, 1)) == []
    assert calendar.is_workday(date(2027, 10, 1))  # a Friday, nothing known
    assert not calendar.is_workday(date(2027, 10, 9))  # a Saturday

    with django_capture_on_commit_callbacks(execute=True):
        entered = calendar.calendar_year_enter(
            year=2027,
            holidays=[(date(2027, 10, 1), "国庆节")],
            workdays=[(date(2027, 10, 9), "国庆节调休")],
            note="国务院办公厅通知",
        )

    assert entered.year == 2027 and entered.note == "国务院办公厅通知"
    assert calendar.year_source(2027) == "entered"
    assert calendar.years_needing_schedule(date(2026, 11, 21)) == []
    assert not calendar.is_workday(date(2027, 10, 1))
    assert calendar.is_workday(date(2027, 10, 9))
    assert calendar.is_workday(date(2027, 10, 8))
    assert calendar.day_overrides(2027) == {date(2027, 10, 1): False, date(2027, 10, 9): True}
    # Thursday 09-30 17:00 + 1 h: Friday is off; Friday 10-08 17:00 + 1 h: Saturday is worked.
    assert calendar.add_working_hours(at(2027, 9, 30, 17, 0), 1) == at(2027, 10, 4, 9, 0)
    assert calendar.add_working_hours(at(2027, 10, 8, 17, 0), 1) == at(2027, 10, 9, 9, 0)


def package_schedule(year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    overrides = calendar.day_overrides(year)
    holidays = [(d, "") for d, working in sorted(overrides.items()) if not working]
    workdays = [(d, "") for d, working in sorted(overrides.items()) if working]
    return holidays, workdays


def test_an_entered_year_wins_over_the_package(django_capture_on_commit_callbacks):
    holidays, adjusted = package_schedule(2026)
    extra = date(2026, 3, 2)  # a Monday the package works
    assert calendar.is_workday(extra)
    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_year_enter(
            year=2026, holidays=[*holidays, (extra, "地方节日")], workdays=adjusted
        )
    assert calendar.year_source(2026) == "entered"
    assert not calendar.is_workday(extra)
    assert not calendar.is_workday(date(2026, 2, 16))  # entered like the package had it
    assert calendar.is_workday(date(2026, 2, 14))
    assert CalendarDay.objects.get(date=extra).name == "地方节日"


def test_an_entered_year_ignores_the_package_entirely(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_year_enter(year=2026, holidays=[(date(2026, 3, 2), "")], workdays=[])
    assert not calendar.is_workday(date(2026, 3, 2))
    assert calendar.is_workday(date(2026, 2, 16))  # a Monday: the package's holiday is gone
    assert not calendar.is_workday(date(2026, 2, 14))  # a Saturday: its 调休 too


def test_entering_again_replaces_the_year(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_year_enter(year=2027, holidays=[(date(2027, 10, 1), "")], workdays=[])
    with django_capture_on_commit_callbacks(execute=True):
        calendar.calendar_year_enter(year=2027, holidays=[(date(2027, 10, 4), "")], workdays=[])
    assert calendar.is_workday(date(2027, 10, 1))
    assert not calendar.is_workday(date(2027, 10, 4))
    assert CalendarYear.objects.filter(year=2027).count() == 1
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2027, 10, 4)]


def test_no_op_days_are_stored():
    calendar.calendar_year_enter(
        year=2027,
        holidays=[(date(2027, 10, 2), "国庆节")],  # a Saturday
        workdays=[(date(2027, 10, 8), "")],  # a Friday
    )
    assert CalendarDay.objects.count() == 2
    assert calendar.day_overrides(2027) == {}
    assert calendar.year_source(2027) == "entered"


def test_entering_refuses_foreign_and_contradictory_dates():
    with pytest.raises(DomainError) as caught:
        calendar.calendar_year_enter(
            year=2027,
            holidays=[(date(2026, 12, 31), ""), (date(2027, 5, 3), "")],
            workdays=[(date(2027, 5, 3), ""), (date(2028, 1, 1), "")],
        )
    problems = {(p.item, p.field, p.code) for p in caught.value.problems}
    assert problems == {
        ("2026-12-31", "holidays", "wrong_year"),
        ("2028-01-01", "workdays", "wrong_year"),
        ("2027-05-03", "workdays", "conflict"),
    }
    assert "is not in 2027" in str(caught.value)
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()
    assert calendar.year_source(2027) == "weekends"


# -- office hours ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2025, 11, 5, 7, 0), 1, at(2025, 11, 5, 9, 30)),  # before 08:30
        (at(2025, 11, 5, 12, 30), 1, at(2025, 11, 5, 14, 30)),  # in the lunch break
        (at(2025, 11, 5, 11, 30), 1, at(2025, 11, 5, 14, 0)),  # across the lunch break
        (at(2025, 11, 5, 18, 0), 1, at(2025, 11, 6, 9, 30)),  # after 17:30
        (at(2025, 11, 5, 16, 30), 1, at(2025, 11, 5, 17, 30)),  # ends exactly at closing
        (at(2025, 11, 5, 17, 0), 1, at(2025, 11, 6, 9, 0)),  # across the night
        (at(2025, 11, 7, 17, 0), 1, at(2025, 11, 10, 9, 0)),  # Friday → Monday
        (at(2025, 10, 3, 10, 0), 1, at(2025, 10, 9, 9, 30)),  # on a holiday
        (at(2025, 11, 5, 10, 0), 0, at(2025, 11, 5, 10, 0)),  # nothing to add
        (at(2025, 11, 5, 18, 0), 0, at(2025, 11, 6, 8, 30)),  # … from the next span
        (at(2025, 11, 5, 10, 0), 0.25, at(2025, 11, 5, 10, 15)),
    ],
)
def test_working_hours_at_the_edges_of_office_hours(start, hours, due):
    assert calendar.add_working_hours(start, hours) == due


def test_working_hours_between():
    day = (2025, 11, 5)
    assert calendar.working_hours_between(at(*day, 7, 0), at(*day, 18, 0)) == 7.5
    assert calendar.working_hours_between(at(*day, 12, 0), at(*day, 13, 30)) == 0
    assert calendar.working_hours_between(at(*day, 11, 0), at(*day, 14, 0)) == 1.5
    assert calendar.working_hours_between(at(*day, 14, 0), at(*day, 11, 0)) == -1.5
    # Friday 17:00 → Monday 09:00: half an hour each side of the weekend.
    assert calendar.working_hours_between(at(2025, 11, 7, 17, 0), at(2025, 11, 10, 9, 0)) == 1
    # All of National Day 2025 (10-01 … 10-08) holds no working time.
    assert calendar.working_hours_between(at(2025, 9, 30, 18, 0), at(2025, 10, 9, 8, 0)) == 0


def test_round_trip_from_a_moment_in_office_hours():
    start, end = at(2025, 9, 26, 9, 15), at(2025, 10, 10, 15, 45)
    assert calendar.add_working_hours(start, calendar.working_hours_between(start, end)) == end


def test_results_are_aware_in_the_current_time_zone():
    due = calendar.add_working_hours(datetime(2025, 11, 5, 1, 0, tzinfo=UTC), 1)  # 09:00 local
    assert due == at(2025, 11, 5, 10, 0)
    assert due.utcoffset() == timedelta(hours=8)
    assert str(due.tzinfo) == "Asia/Shanghai"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        calendar.add_working_hours(datetime(2025, 11, 5, 10, 0), 1)
    with pytest.raises(ValueError, match="naive"):
        calendar.add_natural_hours(datetime(2025, 11, 5, 10, 0), 1)


def test_other_office_hours(settings):
    settings.WANGGE_OFFICE_HOURS = " 09:00-17:00 "
    assert calendar.workday_hours() == 8
    assert calendar.add_working_days(at(2025, 11, 5, 16, 0), 1) == at(2025, 11, 6, 16, 0)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "08:30-12:00;13:30-17:30",
        "8.30-12",
        "12:00-08:30",
        "08:30-25:00",
        "13:30-17:30,08:30-12:00",
    ],
)
def test_bad_office_hours_are_a_configuration_error(settings, value):
    settings.WANGGE_OFFICE_HOURS = value
    with pytest.raises(ImproperlyConfigured, match="WANGGE_OFFICE_HOURS"):
        calendar.add_working_hours(at(2025, 11, 5, 10, 0), 1)


# -- natural hours, deadline_after ---------------------------------------------------------------
def test_natural_hours_cross_midnight_and_holidays():
    assert calendar.add_natural_hours(at(2025, 10, 1, 22, 0), 4) == at(2025, 10, 2, 2, 0)
    assert calendar.add_natural_hours(at(2025, 12, 31, 20, 0), 24) == at(2026, 1, 1, 20, 0)
    assert calendar.add_natural_hours(at(2025, 3, 30, 1, 0), 2).hour == 3  # Shanghai has no DST


def test_natural_hours_count_elapsed_time_across_dst():
    with timezone.override("Europe/Berlin"):
        berlin = ZoneInfo("Europe/Berlin")
        due = calendar.add_natural_hours(datetime(2025, 3, 30, 1, 0, tzinfo=berlin), 2)
        assert (due.hour, due.utcoffset()) == (4, timedelta(hours=2))  # 02:00-03:00 skipped


@pytest.mark.parametrize(
    ("unit", "due"),
    [
        ("work_hours", at(2025, 10, 9, 11, 0)),
        # 30 h = 1.5 + 3 × 7.5 (10-09, 10-10, 10-11 调休) + 6 on Monday 10-13
        ("work_days", at(2025, 10, 13, 16, 0)),
        ("hours", at(2025, 9, 30, 20, 0)),
    ],
)
def test_deadline_after(unit, due):
    amount = 4
    assert calendar.deadline_after(at(2025, 9, 30, 16, 0), amount, unit) == due


@pytest.mark.parametrize("unit", ["work_hours", "work_days", "hours"])
def test_deadlines_fall_on_whole_minutes_rounded_up(unit):
    # A start inside office hours keeps its seconds through the arithmetic; the deadline
    # must not (an extension's until is entered in minutes and compared with it).
    start = at(2025, 9, 30, 16, 0) + timedelta(seconds=23, microseconds=500)
    due = calendar.deadline_after(start, 4, unit)
    exact = calendar.deadline_after(at(2025, 9, 30, 16, 0), 4, unit)
    assert (due.second, due.microsecond) == (0, 0) and due == exact + timedelta(minutes=1)


def test_deadline_after_refuses_unknown_units():
    with pytest.raises(ValueError, match="unit"):
        calendar.deadline_after(at(2025, 9, 30, 16, 0), 4, "days")
    with pytest.raises(ValueError):
        calendar.deadline_after(at(2025, 9, 30, 16, 0), -1, "hours")


# -- import ------------------------------------------------------------------------------------
def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_csv(tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(
        tmp_path / "2027.csv",
        [
            ["日期", "类型", "名称"],
            ["2027-10-01", "休", "国庆节"],
            ["2027/10/4", "holiday", "国庆节"],
            ["2027-10-09", "班", "国庆节调休"],
            ["", "", ""],
            ["2028-01-03", "Holiday", ""],
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        years = calendar.calendar_import_file(path)
    assert [y.year for y in years] == [2027, 2028]
    assert years[0].note == "2027.csv"
    assert calendar.year_source(2027) == calendar.year_source(2028) == "entered"
    assert calendar.day_overrides(2027) == {
        date(2027, 10, 1): False,
        date(2027, 10, 4): False,
        date(2027, 10, 9): True,
    }
    assert not calendar.is_workday(date(2028, 1, 3))
    assert CalendarDay.objects.get(date=date(2027, 10, 9)).name == "国庆节调休"


def test_import_gbk_csv_with_english_headers(tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        [["date", "type"], ["2027-10-01", "休"], ["2027-10-01", "休"]],  # a repeat is harmless
        encoding="gb18030",
    )
    calendar.calendar_import_file(path, note="")
    assert calendar.day_overrides(2027) == {date(2027, 10, 1): False}


def test_import_xlsx_with_excel_dates(tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(
        tmp_path / "2027.xlsx",
        [
            ["名称", "日期", "类型"],
            ["国庆节", datetime(2027, 10, 1), "休"],
            ["国庆节", date(2027, 10, 4), "休"],
            ["国庆节调休", "2027-10-09", "班"],
            ["元旦", 46388, "休"],  # an unformatted Excel serial: 2027-01-01
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        (year,) = calendar.calendar_import_file(path)
    assert year.year == 2027
    assert calendar.day_overrides(2027) == {
        date(2027, 1, 1): False,
        date(2027, 10, 1): False,
        date(2027, 10, 4): False,
        date(2027, 10, 9): True,
    }


BAD_ROWS = [
    ["日期", "类型", "名称"],
    ["2027-10-01", "休", "国庆节"],
    ["2027-13-01", "休", ""],  # row 3: no 13th month
    ["2027-10-02", "放假", ""],  # row 4: unknown type
    ["2027-10-01", "班", ""],  # row 5: the date of row 2 with the other type
    ["yesterday", "?", ""],  # row 6: both
]
BAD_PROBLEMS = {
    ("row 3", "日期", "bad_date"),
    ("row 4", "类型", "bad_type"),
    ("row 5", "日期", "conflict"),
    ("row 6", "日期", "bad_date"),
    ("row 6", "类型", "bad_type"),
}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_import_refuses_bad_rows_and_writes_nothing(tmp_path, suffix):
    calendar.calendar_year_enter(year=2028, holidays=[(date(2028, 1, 3), "")], workdays=[])
    write = write_csv if suffix == "csv" else write_xlsx
    path = write(tmp_path / f"bad.{suffix}", [*BAD_ROWS, ["2028-01-04", "休", ""]])
    with pytest.raises(DomainError) as caught:
        calendar.calendar_import_file(path)
    assert {(p.item, p.field, p.code) for p in caught.value.problems} == BAD_PROBLEMS
    assert "also on row 2" in str(caught.value)
    assert list(CalendarYear.objects.values_list("year", flat=True)) == [2028]
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2028, 1, 3)]


def test_import_refuses_a_file_without_the_columns(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["日子", "类型"], ["2027-10-01", "休"]])
    with pytest.raises(DomainError) as caught:
        calendar.calendar_import_file(path)
    assert [(p.item, p.field) for p in caught.value.problems] == [("row 1", "日期")]


def test_import_refuses_a_file_that_is_not_xlsx(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(DomainError, match="xlsx"):
        calendar.calendar_import_file(path)
    assert not CalendarYear.objects.exists()


# -- the cache ---------------------------------------------------------------------------------
def test_the_cache_serves_lookups_until_the_calendar_changes(django_assert_num_queries):
    holiday = date(2027, 10, 1)
    assert calendar.is_workday(holiday)
    with django_assert_num_queries(0):
        assert calendar.is_workday(holiday)
    # Rows written behind the calendar's back are not seen until the cache is dropped …
    CalendarYear.objects.create(year=2027)
    CalendarDay.objects.create(date=holiday, is_workday=False)
    assert calendar.is_workday(holiday)
    calendar.calendar_changed()
    assert not calendar.is_workday(holiday)


def test_the_cache_expires(monkeypatch):
    holiday = date(2027, 10, 1)
    assert calendar.is_workday(holiday)
    CalendarYear.objects.create(year=2027)
    CalendarDay.objects.create(date=holiday, is_workday=False)
    monkeypatch.setattr(calendar, "CACHE_SECONDS", 0.0)
    assert not calendar.is_workday(holiday)


def test_entering_a_year_takes_effect_at_once(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    holiday = date(2027, 10, 1)
    assert calendar.is_workday(holiday)  # cached: plain week
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar.calendar_year_enter(year=2027, holidays=[(holiday, "")], workdays=[])
    assert len(callbacks) == 1
    assert not calendar.is_workday(holiday)
    with django_assert_num_queries(0):  # cached again after the commit
        assert not calendar.is_workday(holiday)


def test_the_writing_transaction_sees_its_schedule_and_a_rollback_leaves_no_trace():
    holiday = date(2027, 10, 1)
    assert calendar.is_workday(holiday)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        calendar.calendar_year_enter(year=2027, holidays=[(holiday, "")], workdays=[])
        assert not calendar.is_workday(holiday)
        raise Boom
    assert calendar.is_workday(holiday)
    assert calendar.year_source(2027) == "weekends"


# -- a property --------------------------------------------------------------------------------
@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2026, 12, 31, 23, 59),
        timezones=st.just(SHANGHAI),
    ),
    hours=st.floats(min_value=0, max_value=400, allow_nan=False, allow_infinity=False),
)
def test_working_hours_between_inverts_add_working_hours(start, hours):
    due = calendar.add_working_hours(start, hours)
    assert due >= start
    assert calendar.working_hours_between(start, due) == pytest.approx(hours, abs=1e-6)
