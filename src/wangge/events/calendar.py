"""The Chinese working calendar behind every deadline: working days, office hours, arithmetic.

Which days are working days, per year:
  * "entered": an administrator entered the year's official schedule (a CalendarYear row);
    that year's CalendarDay rows override the plain week;
  * "package": the `chinesecalendar` package knows the year (holidays and 调休 included);
  * "weekends": neither — Monday to Friday are working days, weekends are not
    (`years_needing_schedule` tells administrators which years they should enter).

Lookups are cached per process and per year (the days that differ from the plain week).
A write here drops the cache when its transaction commits; other processes catch up within
CACHE_SECONDS. Inside the transaction that writes the calendar, lookups read the database
and cache nothing, so a rollback leaves no trace in the cache.

Working time is counted in the office-hour spans of settings.WANGGE_OFFICE_HOURS on working
days, in wall-clock time of the current time zone. Aware datetimes in, aware datetimes out.
"""

import csv
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.events.models import CalendarDay, CalendarYear, DeadlineUnit
from wangge.process_cache import ProcessCache

YearSource = Literal["entered", "package", "weekends"]

# How long a process trusts its cached year before asking the database again.
CACHE_SECONDS = 60.0
# A walk that finds no working time in this many consecutive days gives up.
_MAX_IDLE_DAYS = 3 * 366

# Columns of an import file (日期 date, 类型 type, 名称 name); English headers work too.
COLUMN_DATE, COLUMN_TYPE, COLUMN_NAME = "日期", "类型", "名称"
_HEADER_ALIASES = {
    "日期": COLUMN_DATE,
    "date": COLUMN_DATE,
    "类型": COLUMN_TYPE,
    "type": COLUMN_TYPE,
    "名称": COLUMN_NAME,
    "name": COLUMN_NAME,
}
# Cell value of 类型 → is it a working day?
_TYPES = {
    "休": False,
    "假": False,
    "休息": False,
    "holiday": False,
    "班": True,
    "上班": True,
    "补班": True,
    "workday": True,
}
_DATE_TEXT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0?0:00(?::00)?)?$")
_NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50
_NOTE_MAX = CalendarYear._meta.get_field("note").max_length or 200


# -- which days are working days ---------------------------------------------------------------
@dataclass(frozen=True)
class _Year:
    source: YearSource
    overrides: dict[date, bool]  # days that differ from the plain week → is a working day


_years: dict[int, ProcessCache[_Year]] = {}  # one per year asked for
_lock = threading.Lock()
# Attribute set on the database connection while a transaction that wrote the calendar is
# open: the outermost atomic block of that transaction.
_WRITER = "wangge_calendar_writer"


def _plain_workday(day: date) -> bool:
    return day.weekday() < 5


def _year_days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year, 12, 31) - first).days + 1)]


@lru_cache(maxsize=64)
def _package_overrides(year: int) -> dict[date, bool] | None:
    """The package's days that differ from the plain week, or None beyond its data."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    overrides = {}
    for day in _year_days(year):
        workday = bool(chinese_calendar.is_workday(day))
        if workday != _plain_workday(day):
            overrides[day] = workday
    return overrides


def _load(year: int) -> _Year:
    if CalendarYear.objects.filter(year=year).exists():
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        overrides = {day: workday for day, workday in rows if workday != _plain_workday(day)}
        return _Year("entered", overrides)
    package = _package_overrides(year)
    if package is not None:
        return _Year("package", package)
    return _Year("weekends", {})


def _in_writing_transaction() -> bool:
    """Is this connection inside the transaction that wrote the calendar?"""
    writer = getattr(connection, _WRITER, None)
    if writer is None:
        return False
    if (
        connection.in_atomic_block
        and connection.atomic_blocks
        and connection.atomic_blocks[0] is writer
    ):
        return True
    # That transaction is over. Committed: its on_commit hook dropped the cache; rolled back:
    # the cache never saw its rows.
    setattr(connection, _WRITER, None)
    return False


def _year(year: int) -> _Year:
    if _in_writing_transaction():
        return _load(year)
    cache = _years.get(year)
    if cache is None:
        with _lock:
            cache = _years.setdefault(
                year, ProcessCache(partial(_load, year), seconds=lambda: CACHE_SECONDS)
            )
    return cache.get()


def calendar_changed() -> None:
    """Forget this process's cached years (called after a commit that changed the calendar)."""
    with _lock:
        for cache in _years.values():
            cache.forget()


def _committed() -> None:
    setattr(connection, _WRITER, None)
    calendar_changed()


def _note_write() -> None:
    """Called inside the writing transaction: bypass the cache now, drop it on commit."""
    setattr(connection, _WRITER, connection.atomic_blocks[0])
    transaction.on_commit(_committed)


def year_source(year: int) -> YearSource:
    """Where the year's working days come from: "entered", "package" or "weekends"."""
    return _year(year).source


def years_needing_schedule(today: date | None = None) -> list[int]:
    """This year and next year, those of them nobody entered and the package does not know."""
    today = today or timezone.localdate()
    return [y for y in (today.year, today.year + 1) if year_source(y) == "weekends"]


def is_workday(day: date) -> bool:
    """Is the day a working day (holidays off, 调休 weekends on)?"""
    return _year(day.year).overrides.get(day, _plain_workday(day))


def day_overrides(year: int) -> dict[date, bool]:
    """The year's days that differ from the plain week → is a working day (a copy)."""
    return dict(_year(year).overrides)


# -- office hours ------------------------------------------------------------------------------
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@lru_cache(maxsize=8)
def _parse_office_hours(value: str) -> tuple[tuple[time, time], ...]:
    def bad(reason: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            f"WANGGE_OFFICE_HOURS={value!r}: {reason} "
            '(expected "HH:MM-HH:MM" spans, comma separated, e.g. "08:30-12:00,13:30-17:30")'
        )

    spans: list[tuple[time, time]] = []
    for text in value.split(","):
        match = _SPAN.match(text)
        if match is None:
            raise bad(f"{text.strip()!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            raise bad(f"{text.strip()!r} is not a time of day")
        start, end = time(h1, m1), time(h2, m2)
        if start >= end:
            raise bad(f"{text.strip()!r} ends before it starts")
        if spans and start < spans[-1][1]:
            raise bad(f"{text.strip()!r} overlaps or precedes the span before it")
        spans.append((start, end))
    return tuple(spans)


def office_hours() -> tuple[tuple[time, time], ...]:
    """The office-hour spans of a working day, in order."""
    return _parse_office_hours(settings.WANGGE_OFFICE_HOURS)


def _length(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def workday_hours() -> float:
    """Office hours in one working day (7.5 with the default setting)."""
    return sum((_length(s, e) for s, e in office_hours()), timedelta()).total_seconds() / 3600


# -- arithmetic --------------------------------------------------------------------------------
def _local(moment: datetime) -> datetime:
    """Wall-clock time (naive) of an aware datetime in the current time zone."""
    if timezone.is_naive(moment):
        raise ValueError(f"naive datetime {moment!r}: the calendar needs aware datetimes")
    return timezone.localtime(moment).replace(tzinfo=None)


def _aware(wall: datetime) -> datetime:
    return timezone.make_aware(wall, timezone.get_current_timezone())


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of office time after start (counting begins at the next span)."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    spans = office_hours()
    cursor = _local(start)
    day, idle = cursor.date(), 0
    while True:
        if is_workday(day):
            for span_start, span_end in spans:
                end = datetime.combine(day, span_end)
                if cursor >= end:
                    continue
                begin = max(cursor, datetime.combine(day, span_start))
                available = end - begin
                if remaining <= available:
                    return _aware(begin + remaining)
                remaining -= available
                cursor = end
            idle = 0
        else:
            idle += 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {day}")
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min)


def add_working_days(start: datetime, days: float) -> datetime:
    """`days` working days after start, a day being one day's office hours (Tue 10:00 + 5 →
    next Tue 10:00 in a plain week)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return add_working_hours(start, days * workday_hours())


def add_natural_hours(start: datetime, hours: float) -> datetime:
    """start + hours of elapsed time (across nights, holidays and any DST change)."""
    if timezone.is_naive(start):
        raise ValueError(f"naive datetime {start!r}: the calendar needs aware datetimes")
    return timezone.localtime(start.astimezone(UTC) + timedelta(hours=hours))


def whole_minute(moment: datetime) -> datetime:
    """moment rounded up to a whole minute: deadlines are shown, entered (an extension's
    until) and compared in minutes, and rounding up never shortens the time given."""
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def deadline_after(start: datetime, amount: int, unit: str) -> datetime:
    """A stage's deadline: amount of unit ("work_hours", "work_days" or "hours") after start,
    on a whole minute."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    if unit == DeadlineUnit.WORK_HOURS:
        return whole_minute(add_working_hours(start, amount))
    if unit == DeadlineUnit.WORK_DAYS:
        return whole_minute(add_working_days(start, amount))
    if unit == DeadlineUnit.HOURS:
        return whole_minute(add_natural_hours(start, amount))
    raise ValueError(f"unknown deadline unit {unit!r} (expected one of {DeadlineUnit.values})")


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office hours of working days between two moments (negative when end < start)."""
    if end < start:
        return -working_hours_between(end, start)
    a, b = _local(start), _local(end)
    spans = office_hours()
    total = timedelta()
    day = a.date()
    while day <= b.date():
        if is_workday(day):
            for span_start, span_end in spans:
                lo = max(a, datetime.combine(day, span_start))
                hi = min(b, datetime.combine(day, span_end))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600


# -- writes ------------------------------------------------------------------------------------
def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


@transaction.atomic
def calendar_year_enter(
    *,
    year: int,
    holidays: list[tuple[date, str]],
    workdays: list[tuple[date, str]],
    note: str = "",
) -> CalendarYear:
    """Enter a year's official schedule: its holidays and its working days (调休), replacing
    whatever was entered for it before. From then on the year ignores the package.

    A holiday on a weekend or a working day on Monday–Friday changes nothing but is stored.
    """
    if not date.min.year <= year <= date.max.year:
        raise DomainError.one(_("%(year)s is not a valid year.") % {"year": year}, field="year")
    problems: list[Problem] = []
    if len(note) > _NOTE_MAX:
        problems.append(
            Problem(_("is longer than %(n)s characters") % {"n": _NOTE_MAX}, field="note")
        )
    days: dict[date, tuple[bool, str]] = {}
    for field, workday, entries in (("holidays", False, holidays), ("workdays", True, workdays)):
        for value, name in entries:
            day = _as_date(value)
            if day.year != year:
                problems.append(
                    Problem(
                        _("is not in %(year)s") % {"year": year},
                        item=day.isoformat(),
                        field=field,
                        code="wrong_year",
                    )
                )
                continue
            if len(name) > _NAME_MAX:
                problems.append(
                    Problem(
                        _("the name is longer than %(n)s characters") % {"n": _NAME_MAX},
                        item=day.isoformat(),
                        field=field,
                    )
                )
            if day in days and days[day][0] != workday:
                problems.append(
                    Problem(
                        _("is both a holiday and a working day"),
                        item=day.isoformat(),
                        field=field,
                        code="conflict",
                    )
                )
                continue
            if day not in days or not days[day][1]:
                days[day] = (workday, name.strip())
    if problems:
        raise DomainError(problems)
    entered, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"note": note, "entered_at": timezone.now()}
    )
    CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_workday=workday, name=name)
        for day, (workday, name) in sorted(days.items())
    )
    _note_write()
    return entered


def _row_label(number: int) -> str:
    return _("row %(n)s") % {"n": number}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: Any) -> date | None:
    """A cell of 日期: YYYY-MM-DD text or an Excel date (or serial number); None if neither."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time.min else None
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            serial = from_excel(value)
        except (ValueError, OverflowError):
            return None
        return _parse_date(serial)
    match = _DATE_TEXT.match(_text(value))
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _read_rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
            raise DomainError(
                [Problem(_("The file is not a readable xlsx workbook: %s") % exc)]
            ) from exc
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError([Problem(_("The file is neither UTF-8 nor GBK text."))])
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise DomainError([Problem(_("The file is not valid CSV: %s") % exc)]) from exc


def calendar_import_file(path: str | Path, *, note: str | None = None) -> list[CalendarYear]:  # noqa: C901
    """Enter the schedules of a CSV or xlsx file: columns 日期 (YYYY-MM-DD or an Excel date),
    类型 (休/班 or holiday/workday) and optionally 名称, one day a row.

    Every year the file touches is entered as a whole (its earlier entry replaced). All or
    nothing: every bad row is reported (row, column, reason) and nothing is written.
    """
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise DomainError([Problem(_("The file is empty."))])
    header = [_HEADER_ALIASES.get(_text(h).lower(), _text(h)) for h in rows[0]]
    missing = [c for c in (COLUMN_DATE, COLUMN_TYPE) if c not in header]
    if missing:
        raise DomainError(
            [Problem(_("missing column"), item=_row_label(1), field=c) for c in missing]
        )
    problems: list[Problem] = []
    seen: dict[date, tuple[bool, int]] = {}  # day → (working day, first row)
    years: dict[int, tuple[list[tuple[date, str]], list[tuple[date, str]]]] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = dict(zip(header, row, strict=False))
        if not any(_text(v) for v in values.values()):
            continue
        where = _row_label(number)
        raw_date, raw_type = values.get(COLUMN_DATE), _text(values.get(COLUMN_TYPE))
        name = _text(values.get(COLUMN_NAME))
        day = _parse_date(raw_date)
        if day is None:
            problems.append(
                Problem(
                    _("%(value)r is not a date (YYYY-MM-DD)") % {"value": _text(raw_date)},
                    item=where,
                    field=COLUMN_DATE,
                    code="bad_date",
                )
            )
        workday = _TYPES.get(raw_type.lower())
        if workday is None:
            problems.append(
                Problem(
                    _("%(value)r is neither 休/holiday nor 班/workday") % {"value": raw_type},
                    item=where,
                    field=COLUMN_TYPE,
                    code="bad_type",
                )
            )
        if len(name) > _NAME_MAX:
            problems.append(
                Problem(
                    _("is longer than %(n)s characters") % {"n": _NAME_MAX},
                    item=where,
                    field=COLUMN_NAME,
                )
            )
        if day is None or workday is None:
            continue
        if day in seen:
            first_workday, first_row = seen[day]
            if first_workday != workday:
                problems.append(
                    Problem(
                        _("%(date)s is also on row %(row)s with the other type")
                        % {"date": day.isoformat(), "row": first_row},
                        item=where,
                        field=COLUMN_DATE,
                        code="conflict",
                    )
                )
            continue
        seen[day] = (workday, number)
        holidays, workdays = years.setdefault(day.year, ([], []))
        (workdays if workday else holidays).append((day, name))
    if problems:
        raise DomainError(problems)
    if not years:
        raise DomainError([Problem(_("The file has no days."))])
    note = path.name[:_NOTE_MAX] if note is None else note
    with transaction.atomic():
        return [
            calendar_year_enter(year=year, holidays=h, workdays=w, note=note)
            for year, (h, w) in sorted(years.items())
        ]
