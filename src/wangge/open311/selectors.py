"""The public read side: which events and timeline entries Open311 shows, and the spec's
filters on them. Open311 has no user, so its scope is set by configuration: the requests
that came in through Open311, plus the events of the channels listed in
WANGGE_OPEN311_CHANNELS ("*": every channel)."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.events.models import (
    OPEN_STATUSES,
    Event,
    OrderRole,
    OrderStatus,
    TimelineEntry,
    WorkOrder,
)
from wangge.open311.services import parse_w3

LIMIT = 1000  # the spec's most requests in one answer
WINDOW = timedelta(days=90)  # the spec's default and widest date range


def _public_filter(prefix: str = "") -> Q:
    channels = [c.strip() for c in settings.WANGGE_OPEN311_CHANNELS.split(",") if c.strip()]
    if "*" in channels:
        return Q()
    return Q(**{f"{prefix}open311__isnull": False}) | Q(**{f"{prefix}channel__in": channels})


def public_events() -> QuerySet[Event]:
    """Events Open311 shows, with what their answer needs in one query."""
    notes = TimelineEntry.objects.filter(event=OuterRef("pk"), public=True).exclude(action="report")
    agency = WorkOrder.objects.filter(event=OuterRef("pk"), role=OrderRole.LEAD).exclude(
        status__in=[OrderStatus.RETURNED, OrderStatus.CANCELLED]
    )
    return (
        Event.objects.filter(_public_filter())
        .select_related("category", "open311")
        .annotate(
            status_notes=Subquery(notes.order_by("-id").values("comment")[:1]),
            agency=Subquery(agency.order_by("-id").values("department__name")[:1]),
        )
    )


def _window(params: Mapping[str, str]) -> tuple[datetime, datetime]:
    """start_date/end_date: both optional, at most 90 days apart; by default the last 90."""
    start = parse_w3(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_w3(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise DomainError.one(_("end_date is before start_date."), field="end_date")
    if end - start > WINDOW:
        raise DomainError.one(_("The dates may span at most 90 days."), field="end_date")
    return start, end


def _codes(raw: str) -> list[str]:
    return [c.strip() for c in raw.split(",") if c.strip()]


def requests(params: Mapping[str, str]) -> QuerySet[Event]:
    """GET requests: service_request_id (a comma list, which overrides the other filters),
    service_code, start_date, end_date, status (open, closed); newest first, at most 1000."""
    events = public_events()
    if ids := _codes(params.get("service_request_id", "")):
        return events.filter(code__in=ids).order_by("-reported_at")[:LIMIT]
    start, end = _window(params)
    events = events.filter(reported_at__gte=start, reported_at__lte=end)
    if codes := _codes(params.get("service_code", "")):
        events = events.filter(category__code__in=codes)
    if statuses := _codes(params.get("status", "")):
        unknown = set(statuses) - {"open", "closed"}
        if unknown:
            raise DomainError.one(
                _("Unknown status %(s)s: use open or closed.") % {"s": sorted(unknown)[0]},
                field="status",
            )
        if set(statuses) == {"open"}:
            events = events.filter(status__in=OPEN_STATUSES)
        elif set(statuses) == {"closed"}:
            events = events.exclude(status__in=OPEN_STATUSES)
    return events.order_by("-reported_at")[:LIMIT]


def one_request(code: str) -> Event:
    event = public_events().filter(code=code).first()
    if event is None:
        raise DomainError.one(
            _("Unknown service_request_id %(c)s.") % {"c": code},
            field="service_request_id",
            code="not_found",
            status=404,
        )
    return event


def updates(params: Mapping[str, str]) -> Any:
    """servicerequestupdates: the public timeline entries of public events in the date
    window (default the last 90 days), oldest first so a client can page on by date."""
    start, end = _window(params)
    return (
        TimelineEntry.objects.filter(public=True, at__gte=start, at__lte=end)
        .filter(_public_filter("event__"))
        .select_related("event")
        .order_by("at", "id")[:LIMIT]
    )
