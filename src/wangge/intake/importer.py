"""Importing a work-order file (xlsx or CSV) exported by the hotline or another system.

The source's column headings map to our order fields by the channel's `import_columns`
(else the 12345 hotline's usual ones). Every row is checked before anything is written;
one bad row refuses the whole file, naming row, column and reason. The rows are then
written in one transaction, each as a push of that order: importing the same file again
changes nothing.
"""

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.errors import DomainError, Problem
from wangge.intake.models import Channel
from wangge.intake.orders import DEFAULT_COLUMNS, FIELDS, Order, parse_order, push_order

Rows = list[tuple[int, dict[str, Any]]]  # (row number as the spreadsheet shows it, values)


@dataclass
class ImportReport:
    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    events: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, **{k: self.outcomes[k] for k in _OUTCOMES}}

    def summary(self) -> str:
        return (
            _(
                "%(rows)s rows: %(created)s created, %(updated)s updated, %(noted)s noted on "
                "accepted events, %(unchanged)s unchanged."
            )
            % self.as_dict()
        )


_OUTCOMES = ("created", "updated", "noted", "unchanged")


def _refuse(message: str, code: str = "invalid", field: str = "file") -> DomainError:
    return DomainError.one(message, field=field, code=code, status=422)


def read_rows(filename: str, data: bytes) -> Rows:
    """The rows of a file, by content (xlsx is a zip; anything else is read as CSV)."""
    if len(data) > settings.WANGGE_INTAKE_IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.WANGGE_INTAKE_IMPORT_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    if not data.strip():
        raise _refuse(_("The file is empty."), "empty")
    table = _xlsx(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    headings: list[str] | None = None
    rows: Rows = []
    for number, cells in table:
        if all(c in (None, "") for c in cells):
            continue
        if headings is None:
            headings = [str(c).strip() if c is not None else "" for c in cells]
            continue
        rows.append((number, {h: c for h, c in zip(headings, cells, strict=False) if h}))
        if len(rows) > settings.WANGGE_INTAKE_IMPORT_MAX_ROWS:
            raise _refuse(
                _("More than %(n)s rows; split the file.")
                % {"n": settings.WANGGE_INTAKE_IMPORT_MAX_ROWS},
                "too_many_rows",
            )
    if headings is None:
        raise _refuse(_("The file has no heading row."), "empty")
    return rows


def _xlsx(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _refuse(_("The file is not a readable xlsx workbook."), "format") from None
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        book.close()


def _csv(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse(_("The file is neither UTF-8 nor GBK text."), "encoding")
    if "\x00" in text:
        raise _refuse(_("The file is neither xlsx nor CSV."), "format")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from enumerate(csv.reader(io.StringIO(text), dialect), start=1)
    except csv.Error as exc:
        raise _refuse(_("The CSV cannot be read: %(e)s") % {"e": exc}, "format") from None


def import_orders(channel: Channel, filename: str, data: bytes) -> ImportReport:
    """Check every row, then write them all in one transaction (or nothing)."""
    rows = read_rows(filename, data)
    columns = channel.import_columns or DEFAULT_COLUMNS
    unknown = sorted({f for f in columns.values() if f not in FIELDS})
    if unknown:
        raise _refuse(
            _("The channel's column mapping names unknown fields: %(f)s") % {"f": unknown},
            field="import_columns",
        )
    names = {ours: theirs for theirs, ours in columns.items()}
    if "order_no" not in names:
        raise _refuse(
            _("The channel's column mapping has no column for the order number."),
            field="import_columns",
        )
    present: set[str] = set().union(*(r.keys() for _n, r in rows)) if rows else set()
    if rows and names["order_no"] not in present:
        raise _refuse(
            _("The file has no column %(c)s.") % {"c": names["order_no"]}, "missing_column"
        )
    problems: list[Problem] = []
    orders: list[tuple[int, Order]] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        item = _("row %(n)s") % {"n": number}
        raw = {ours: values.get(theirs) for theirs, ours in columns.items()}
        try:
            order = parse_order(channel, raw, item=item, names=names)
        except DomainError as exc:
            problems.extend(exc.problems)
            continue
        if order.order_no in seen:
            problems.append(
                Problem(
                    _("Order %(no)s appears again (first in row %(first)s).")
                    % {"no": order.order_no, "first": seen[order.order_no]},
                    field=names["order_no"],
                    code="duplicate",
                    item=item,
                )
            )
            continue
        seen[order.order_no] = number
        orders.append((number, order))
    if problems:
        raise DomainError(problems, status=422)
    report = ImportReport(rows=len(orders))
    with transaction.atomic():
        for number, order in orders:
            try:
                result = push_order(channel, order)
            except DomainError as exc:
                for p in exc.problems:
                    p.item = _("row %(n)s") % {"n": number}
                problems.extend(exc.problems)
                continue
            report.outcomes[result.outcome] += 1
            report.events.append(result.event.code)
        if problems:
            raise DomainError(problems, status=422)  # rolls the whole file back
    return report
