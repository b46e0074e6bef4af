"""When the unconfirmed are reminded and their supervisors told, on the working calendar."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from wangge.events import calendar


def in_office_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    if not calendar.is_workday(local.date()):
        return False
    return any(start <= local.time() < end for start, end in calendar.office_hours())


def wait_after(start: datetime, work_hours: float | None = None) -> datetime:
    """`work_hours` of office time after a moment in office hours; outside office hours
    (evenings, weekends, holidays) WANGGE_NOTICE_REMIND_OFF_HOURS plain hours after it."""
    if in_office_hours(start):
        hours = settings.WANGGE_NOTICE_REMIND_WORK_HOURS if work_hours is None else work_hours
        return calendar.add_working_hours(start, hours)
    return start + timedelta(hours=settings.WANGGE_NOTICE_REMIND_OFF_HOURS)
