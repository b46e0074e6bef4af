"""Dates as other systems write them. A channel says how its files write dates
(`Channel.date_format`) and in which zone their times are (`Channel.time_zone`, else the
platform's WANGGE_TIME_ZONE); a time that names its own offset keeps it. Every value is
checked to be a real date in a sane range: `2023-02-30` and year 0 are refused, not crashed on.
"""

import math
import re
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _


class DateFormat(models.TextChoices):
    ISO = "iso", _("ISO 8601 or year/month/day (2023-02-28 23:45, 2023/2/28 23:45)")
    MDY = "mdy", _("month/day/year (02/28/2023 11:45:00 PM)")
    DMY = "dmy", _("day/month/year (28/02/2023 23:45)")
    EXCEL = "excel", _("Excel serial numbers (44985.99)")


EARLIEST, LATEST = 1900, 2100  # a work order outside these years is a mistake
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 (wall time, given a zone later); serial 1 is 1900-01-01 (Excel's leap-year bug kept)
_SLASHED = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?$"
)


class BadDate(ValueError):
    """`code`: "format" (not written the channel's way) or "impossible" (no such day)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def zone(name: str) -> tzinfo:
    """The zone `name` (the platform's when empty); ValueError when unknown."""
    if not name:
        return timezone.get_default_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(name) from exc


def parse_moment(value: object, fmt: str, tz: tzinfo) -> datetime:
    """`value` (text, a spreadsheet's datetime or number) as an aware datetime, naive times
    taken in `tz`; BadDate otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)  # noqa: DTZ001 (zone below)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if fmt != DateFormat.EXCEL:
            raise BadDate("format")
        moment = _serial(float(value))
    elif isinstance(value, str):
        moment = _text(value.strip(), fmt)
    else:
        raise BadDate("format")
    if not EARLIEST <= moment.year <= LATEST:
        raise BadDate("impossible")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return moment


def _serial(number: float) -> datetime:
    if not math.isfinite(number) or not 1 <= number < 100000:
        raise BadDate("impossible")
    # To the second: a serial carries float noise below it.
    return _EXCEL_EPOCH + timedelta(seconds=round(number * 86400))


def _text(text: str, fmt: str) -> datetime:  # noqa: C901
    if fmt == DateFormat.EXCEL:
        try:
            return _serial(float(text))
        except ValueError:
            pass  # a file of serials may still carry a written date
    match = _SLASHED.match(text)
    if match is None:
        if fmt in (DateFormat.ISO, DateFormat.EXCEL):
            try:
                parsed = parse_datetime(text)
            except ValueError:
                raise BadDate("impossible") from None
            if parsed is not None:
                return parsed
        raise BadDate("format")
    a, b, c, hour, minute, second, half = match.groups()
    if fmt in (DateFormat.ISO, DateFormat.EXCEL):
        if len(a) != 4:
            raise BadDate("format")
        year, month, day = int(a), int(b), int(c)
    else:
        if len(c) != 4:
            raise BadDate("format")
        year = int(c)
        month, day = (int(a), int(b)) if fmt == DateFormat.MDY else (int(b), int(a))
    h = int(hour or 0)
    if half:
        if not 1 <= h <= 12:
            raise BadDate("impossible")
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), int(second or 0))  # noqa: DTZ001
    except ValueError:
        raise BadDate("impossible") from None


def platform_iso(moment: datetime) -> str:
    """`moment` in the platform's zone, as ISO 8601 (what an order record keeps)."""
    return timezone.localtime(moment).isoformat()
