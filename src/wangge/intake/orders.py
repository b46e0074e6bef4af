"""Work orders pushed or imported from the 12345 hotline and other work-order systems.

An order is keyed by the source's order number (`Event.source_ref`, unique per channel):
sending it again updates its event (while still unaccepted) or notes the change on the
timeline (after), and sending it unchanged changes nothing. What the source last sent is kept
on the event's timeline (a non-public `source_order` / `source_update` entry with a digest),
so "unchanged" means unchanged from the source's point of view, whatever operators edited.
"""

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wangge.accounts.actors import ANONYMOUS
from wangge.decoding import unstorable
from wangge.errors import DomainError, Problem
from wangge.events import rows, workflow
from wangge.events.models import Category, Event, Priority, Status, TimelineEntry
from wangge.intake import dates, places, services
from wangge.intake.models import Channel
from wangge.regions.models import Area

# Our order fields, with their longest accepted length (None: not text).
FIELDS: dict[str, int | None] = {
    "order_no": 64,
    "title": 200,
    "content": 4000,
    "address": 300,
    "category": 100,
    "priority": 10,
    "called_at": None,
    "caller_name": 50,
    "caller_phone": 30,
    "lon": None,
    "lat": None,
    "crs": 10,
    "area": 30,
    "source_status": 50,  # closed at the source when in the channel's closed_statuses
    "closed_at": None,
    "close_note": 4000,
}
# The 12345 hotline's usual headings; a channel's `import_columns` replaces them.
DEFAULT_COLUMNS = {
    "工单编号": "order_no",
    "工单标题": "title",
    "诉求内容": "content",
    "诉求地址": "address",
    "诉求类型": "category",
    "紧急程度": "priority",
    "来电时间": "called_at",
    "来电人": "caller_name",
    "联系电话": "caller_phone",
    "经度": "lon",
    "纬度": "lat",
}
# Fields an update may still change while the event waits for acceptance.
EDITABLE = ("title", "description", "address", "category")
SOURCE_ACTIONS = ("source_order", "source_update")
PERSONAL = ("caller_name", "caller_phone")
TITLE_FROM_CONTENT = 40  # characters of the content that make a title when none is sent


class Outcome:
    CREATED = "created"
    UPDATED = "updated"  # fields of the unaccepted event changed
    NOTED = "noted"  # accepted already: the change is on the timeline only
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Order:
    order_no: str
    title: str
    description: str
    address: str
    category: Category
    priority: str
    called_at: str  # ISO 8601, or ""
    caller_name: str
    caller_phone: str
    lon: float | None
    lat: float | None
    area: Area
    unmapped_category: str = ""  # the source's category, not mapped: filed under the default
    closed_at_source: bool = False  # the source had closed it: imported closed
    closed_at: str = ""  # when the source closed it (ISO 8601), or ""
    close_note: str = ""

    def _values(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["category"], values["area"] = self.category.code, self.area.code
        # Fields added later appear only when set: digests of orders sent before them hold.
        for name in ("unmapped_category", "closed_at_source", "closed_at", "close_note"):
            if not values[name]:
                del values[name]
        return values

    def digest(self) -> str:
        text = json.dumps(self._values(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def record(self) -> dict[str, Any]:
        """What the timeline keeps of the order (the caller's name and phone stay on the
        event only: timeline data is not personal data)."""
        kept = {k: v for k, v in self._values().items() if k not in PERSONAL}
        return {**kept, "digest": self.digest()}


@dataclass(frozen=True)
class PushResult:
    event: Event
    outcome: str


# -- validation ----------------------------------------------------------------------------
class _Row:
    """One order's raw values, collecting every problem instead of stopping at the first."""

    def __init__(
        self, channel: Channel, raw: Mapping[str, Any], item: str, names: Mapping[str, str]
    ) -> None:
        self.channel, self.raw, self.item, self.names = channel, raw, item, names
        self.problems: list[Problem] = []
        self.failed: set[str] = set()  # our fields with a problem
        self.zone = dates.zone(channel.time_zone) if channel.time_zone else dates.zone("")

    def name(self, field: str) -> str:
        return self.names.get(field, field)

    def fail(self, message: str, field: str, code: str = "invalid") -> None:
        self.failed.add(field)
        self.problems.append(Problem(message, field=self.name(field), code=code, item=self.item))

    def absorb(self, error: DomainError, field: str) -> None:
        for p in error.problems:
            self.problems.append(Problem(p.message, self.name(field), p.code, self.item))

    def text(self, field: str, required: bool = False) -> str:
        value = self.raw.get(field)
        if value is None:
            value = ""
        elif isinstance(value, float) and value.is_integer():
            value = str(int(value))  # spreadsheets turn order numbers and phones into floats
        elif not isinstance(value, str | int | float):
            self.fail(_("Must be text."), field)
            return ""
        value = str(value).strip()
        if why := unstorable(value):
            self.fail(str(UNSTORABLE[why]), field, why)
            return ""
        limit = FIELDS[field]
        if required and not value:
            self.fail(_("This field is required."), field, "required")
        elif limit is not None and len(value) > limit:
            self.fail(_("At most %(n)s characters.") % {"n": limit}, field, "too_long")
            return ""
        return value

    def moment(self, field: str) -> str:
        value = self.raw.get(field)
        if value in (None, ""):
            return ""
        if isinstance(value, str) and (why := unstorable(value)):
            self.fail(str(UNSTORABLE[why]), field, why)
            return ""
        try:
            moment = dates.parse_moment(value, self.channel.date_format, self.zone)
        except dates.BadDate as exc:
            shown = {"v": str(value)[:40]}
            if exc.code == "impossible":
                self.fail(_("No such date: %(v)s.") % shown, field, "impossible_date")
            else:
                self.fail(_("Date format not recognised: %(v)s.") % shown, field, "date_format")
            return ""
        return dates.platform_iso(moment)


# What to say for each reason of decoding.unstorable (also used by video and open311).
UNSTORABLE = {
    "nul": _lazy("Contains a NUL character, which cannot be stored."),
    "surrogate": _lazy("Contains a lone surrogate: not valid Unicode text."),
}


def parse_order(
    channel: Channel,
    raw: Mapping[str, Any],
    *,
    item: str = "",
    names: Mapping[str, str] | None = None,
) -> Order:
    """Validate one order (from JSON or a file row); DomainError (422) listing every problem,
    each naming the field (or the source's column, through `names`) and `item` (the row)."""
    row = _Row(channel, raw, item, names or {})
    order_no = row.text("order_no", required=True)
    content = row.text("content")
    title = row.text("title") or content[:TITLE_FROM_CONTENT]
    if not title and not row.failed & {"title", "content"}:
        row.fail(_("Give the content of the order."), "content", "required")
    address = row.text("address")
    category, unmapped = None, ""
    given = row.text("category")
    try:
        category = services.category_for(channel, given)
    except DomainError as exc:
        if (
            exc.problems[0].code == "unknown_category"
            and channel.unmapped_to_default
            and channel.default_category_id is not None
        ):
            # Filed under the channel's default, flagged for the operator to classify.
            category, unmapped = services.category_for(channel, ""), given
        else:
            row.absorb(exc, "category")
    priority = row.text("priority") or Priority.NORMAL
    priority = {"一般": "normal", "紧急": "urgent", "特急": "critical"}.get(priority, priority)
    if priority not in Priority.values:
        row.fail(_("Unknown priority %(p)s.") % {"p": priority}, "priority")
    called_at = row.moment("called_at")
    lon, lat, area = _location(row)
    caller_name, caller_phone = row.text("caller_name"), row.text("caller_phone")
    closed = bool(channel.closed_statuses) and row.text("source_status") in channel.closed_statuses
    closed_at, close_note = row.moment("closed_at"), row.text("close_note")
    if row.problems or category is None or area is None:
        raise DomainError(row.problems, status=422)
    return Order(
        order_no=order_no,
        title=title,
        description=content,
        address=address,
        category=category,
        priority=priority,
        called_at=called_at,
        caller_name=caller_name,
        caller_phone=caller_phone,
        lon=lon,
        lat=lat,
        area=area,
        unmapped_category=unmapped,
        closed_at_source=closed,
        closed_at=closed_at if closed else "",
        close_note=close_note if closed else "",
    )


def _location(row: _Row) -> tuple[float | None, float | None, Area | None]:
    """A point when the order has one; else the area it names; else the whole jurisdiction
    (the top-level centre places it from the address)."""
    lon, lat = row.raw.get("lon"), row.raw.get("lat")
    if lon in (None, "") and lat in (None, ""):
        code = row.text("area")
        areas = Area.objects.live().only(*services.AREA_FIELDS)
        if code:
            area = areas.filter(code=code).first()
            if area is None:
                row.fail(_("Area %(code)s not found.") % {"code": code}, "area", "unknown_area")
            return None, None, area
        roots = list(areas.filter(parent__isnull=True)[:2])
        if len(roots) != 1:
            row.fail(_("Give a location or an area."), "lon", "required")
            return None, None, None
        return None, None, roots[0]
    if lon in (None, "") or lat in (None, ""):
        row.fail(_("Give both longitude and latitude."), "lat" if lat in (None, "") else "lon")
        return None, None, None
    try:
        return places.place(lon, lat, row.text("crs") or "wgs84")
    except DomainError as exc:
        row.absorb(exc, exc.problems[0].field)
        return None, None, None


# -- writing -------------------------------------------------------------------------------
def push_order(channel: Channel, order: Order) -> PushResult:
    """Create the order's event, or bring it up to date; safe against the same order pushed
    twice at once (the database's unique (channel, source_ref) decides who creates)."""
    record = order.record()
    known = _find(channel, order.order_no)
    if known is None:
        # Alone, the report is its own transaction (see workflow.event_report); inside an
        # import's, a savepoint lets a lost race be answered.
        nested = transaction.get_connection().in_atomic_block
        whole = nested or order.closed_at_source  # (report and close: one transaction)
        try:
            with transaction.atomic() if whole else contextlib.nullcontext():
                event = _create(channel, order, record)
                if order.closed_at_source:
                    event = _close_at_source(event, order)
                return PushResult(event, Outcome.CREATED)
        except IntegrityError:
            known = _find(channel, order.order_no)
            if known is None:
                raise
    if known.digest == record["digest"]:
        # What the source last sent, again: nothing to write, so nothing to lock (the same
        # answer _update gives under the lock, as of this read).
        return PushResult(known.event(), Outcome.UNCHANGED)
    return _update(known.id, order, record)


def predict(channel: Channel, order: Order) -> str:
    """The outcome push_order would have now, writing nothing (a dry run's)."""
    known = _find(channel, order.order_no)
    if known is None:
        return Outcome.CREATED
    if known.digest == order.digest():
        return Outcome.UNCHANGED
    return Outcome.UPDATED if known.status == Status.REPORTED else Outcome.NOTED


@dataclass(frozen=True)
class _Known:
    """An order's event as the idempotency check finds it, with what the source last sent."""

    id: int
    code: str
    status: str
    digest: str | None

    def event(self) -> Event:
        event: Event = Event.from_db(
            DEFAULT_DB_ALIAS, ["id", "code", "status"], [self.id, self.code, self.status]
        )
        return event


@cache
def _find_statement() -> str:
    quote = connection.ops.quote_name
    event, entry = quote(Event._meta.db_table), quote(TimelineEntry._meta.db_table)
    return (
        f"SELECT e.id, e.code, e.status, (SELECT t.data FROM {entry} t"
        f" WHERE t.event_id = e.id AND t.action IN (%s, %s) ORDER BY t.id DESC LIMIT 1)"
        f" FROM {event} e WHERE e.channel = %s AND e.source_ref = %s"
        # The unique index covers only orders with a number; saying so lets the plan the
        # server keeps for this prepared statement use it whatever the number is.
        " AND e.source_ref <> ''"
    )


def _find(channel: Channel, order_no: str) -> _Known | None:
    """The order's event and the digest of its last source entry, in one statement (plain
    SQL: it runs on every push, and compiling the ORM's version cost more than running it)."""
    row = rows.fetchone(_find_statement(), [*SOURCE_ACTIONS, channel.code, order_no])
    if row is None:
        return None
    data = json.loads(row[3]) if isinstance(row[3], str | bytes) else row[3]  # text, or decoded
    digest = data.get("digest") if isinstance(data, dict) else None
    return _Known(row[0], row[1], row[2], digest)


def _create(channel: Channel, order: Order, record: dict[str, Any]) -> Event:
    return workflow.event_report(
        actor=ANONYMOUS,
        title=order.title,
        category=order.category,
        channel=channel.code,
        description=order.description,
        priority=order.priority,
        lon=order.lon,
        lat=order.lat,
        area=order.area,
        address=order.address,
        reporter_name=order.caller_name,
        reporter_phone=order.caller_phone,
        source_ref=order.order_no,
        notes=[TimelineEntry(action="source_order", data=record, public=False)],
        category_unconfirmed=bool(order.unmapped_category),
    )


def _close_at_source(event: Event, order: Order) -> Event:
    closed_at = datetime.fromisoformat(order.closed_at) if order.closed_at else None
    return workflow.event_close_at_source(event=event, closed_at=closed_at, note=order.close_note)


def _update(event_id: int, order: Order, record: dict[str, Any]) -> PushResult:
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).get(pk=event_id)
        last = (
            TimelineEntry.objects.filter(event=event, action__in=SOURCE_ACTIONS)
            .order_by("-id")
            .first()
        )
        before = last.data if last else {}
        if before.get("digest") == record["digest"]:
            return PushResult(event, Outcome.UNCHANGED)
        changed = sorted(k for k in record if k != "digest" and before.get(k) != record[k])
        values = {
            "title": order.title,
            "description": order.description,
            "address": order.address,
            "category_id": order.category.pk,
            "category_unconfirmed": bool(order.unmapped_category),
        }
        event, applied = workflow.event_amend_by_source(
            event=event,
            values=values,
            comment=order.description if "description" in changed else "",
            data={**record, "changed": changed},
        )
        if applied and order.closed_at_source:  # closed at the source since: so here
            event = _close_at_source(event, order)
    return PushResult(event, Outcome.UPDATED if applied else Outcome.NOTED)
