"""Importing a work-order file (xlsx or CSV) exported by the hotline or another system.

The source's column headings map to our order fields by the channel's `import_columns`
(else the 12345 hotline's usual ones); dates are read the channel's way (`date_format`,
`time_zone`). Every row is checked before anything is written; one bad row refuses the whole
file, naming row, column and reason, with the problems summarised by kind. The rows are then
written in batches (WANGGE_IMPORT_BATCH_ROWS), each its own short transaction so that no
lock a live report needs is held longer than one batch, each row as a push of that order:
importing the same file again (or a batch again, after a crash) changes nothing. A dry run
checks the same way and says what would be written, writing nothing.
"""

import csv
import io
import json
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.decoding import decode_text
from wangge.errors import DomainError, Problem
from wangge.intake.models import Channel
from wangge.intake.orders import DEFAULT_COLUMNS, FIELDS, Order, parse_order, predict, push_order

Rows = list[tuple[int, dict[str, Any]]]  # (row number as the spreadsheet shows it, values)
SAMPLE = 5  # orders a dry run shows


@dataclass
class ImportReport:
    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    events: list[str] = field(default_factory=list)
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)  # a dry run's (an import raises)
    sample: list[dict[str, Any]] = field(default_factory=list)  # a dry run's first orders
    unmapped: int = 0  # filed under the default category, to be classified
    closed_at_source: int = 0  # orders the source had closed: imported closed

    def as_dict(self) -> dict[str, Any]:
        counts = {"rows": self.rows, **{k: self.outcomes[k] for k in OUTCOMES}}
        if not self.dry_run:
            return counts
        return {
            **counts,
            "dry_run": True,
            "unmapped": self.unmapped,
            "closed_at_source": self.closed_at_source,
            "summary": summarise(self.problems),
            "problems": [p.as_dict() for p in self.problems],
            "sample": self.sample,
        }

    def summary(self) -> str:
        text = _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(noted)s noted on "
            "accepted events, %(unchanged)s unchanged."
        ) % {"rows": self.rows, **{k: self.outcomes[k] for k in OUTCOMES}}
        if self.unmapped:
            text += " " + _(
                "%(n)s filed under the default category, to be classified at acceptance."
            ) % {"n": self.unmapped}
        if self.closed_at_source:
            text += " " + _("%(n)s closed at the source, imported closed.") % {
                "n": self.closed_at_source
            }
        if self.dry_run:
            text = _("Dry run, nothing written. Would be: %(s)s") % {"s": text}
        return text


OUTCOMES = ("created", "updated", "noted", "unchanged")

# What a kind of problem is called in the summary above the per-row list.
KINDS = {
    "date_format": gettext_lazy("date format not recognised"),
    "impossible_date": gettext_lazy("no such date"),
    "unknown_category": gettext_lazy("category not mapped"),
    "required": gettext_lazy("required value missing"),
    "too_long": gettext_lazy("value too long"),
    "nul": gettext_lazy("NUL characters in text"),
    "surrogate": gettext_lazy("invalid Unicode (lone surrogates)"),
    "undecodable": gettext_lazy("bytes that are not text in the file's encoding"),
    "ragged": gettext_lazy("a different number of cells than the heading row"),
    "duplicate": gettext_lazy("order number repeated"),
    "outside": gettext_lazy("location outside the jurisdiction"),
}


def summarise(problems: list[Problem]) -> list[str]:
    """One line per kind of problem (code and column), most frequent first, with the first
    row that has it: "4,999 行 来电时间: 日期格式无法识别 (例: 第 2 行 …)"."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.code, p.field), []).append(p)
    lines = []
    for (code, column), found in sorted(groups.items(), key=lambda g: -len(g[1])):
        first = found[0]
        lines.append(
            _("%(n)s rows %(column)s: %(kind)s (e.g. %(item)s %(message)s)")
            % {
                "n": f"{len(found):,}",
                "column": column,
                "kind": KINDS.get(code, first.message),
                "item": first.item,
                "message": first.message,
            }
        )
    return lines


def _refuse(message: str, code: str = "invalid", field: str = "file") -> DomainError:
    return DomainError.one(message, field=field, code=code, status=422)


@dataclass
class Table:
    headings: list[str]
    rows: Rows
    problems: list[Problem]  # rows that cannot be read: undecodable bytes, ragged


def read_rows(filename: str, data: bytes) -> Table:
    """The rows of a file, by content (xlsx is a zip; anything else is read as CSV). A file
    without rows, or that is not a table (GeoJSON, a document…), is refused."""
    if len(data) > settings.WANGGE_INTAKE_IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.WANGGE_INTAKE_IMPORT_MAX_BYTES // (1024 * 1024)},
            "too_large",
        )
    if not data.strip():
        raise _refuse(_("The file is empty."), "empty")
    sheet = _xlsx(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    headings: list[str] | None = None
    rows: Rows = []
    problems: list[Problem] = []
    for number, cells in sheet.records:
        if all(c in (None, "") for c in cells):
            continue
        if headings is None:
            headings = [str(c).strip() if c is not None else "" for c in cells]
            continue
        item = _("row %(n)s") % {"n": number}
        if number in sheet.bad_rows:
            problems.append(
                Problem(
                    _("Bytes that cannot be read as text (the file is read as %(e)s).")
                    % {"e": sheet.encoding.upper()},
                    field="file",
                    code="undecodable",
                    item=item,
                )
            )
        width = len(cells)
        while width > len(headings) and cells[width - 1] in (None, ""):
            width -= 1  # trailing empty cells are no harm
        if width != len(headings) and sheet.ragged_matters:
            problems.append(
                Problem(
                    _("%(m)s cells, the heading row has %(n)s.") % {"m": width, "n": len(headings)},
                    field="file",
                    code="ragged",
                    item=item,
                )
            )
        rows.append((number, {h: c for h, c in zip(headings, cells, strict=False) if h}))
        if len(rows) > settings.WANGGE_INTAKE_IMPORT_MAX_ROWS:
            raise _refuse(
                _("More than %(n)s rows; split the file.")
                % {"n": settings.WANGGE_INTAKE_IMPORT_MAX_ROWS},
                "too_many_rows",
            )
    if headings is None:
        raise _refuse(_("The file has no heading row."), "empty")
    if not rows:
        raise _refuse(_("The file has a heading row but no rows of orders."), "empty")
    return Table(headings, rows, problems)


@dataclass
class _Sheet:
    records: Iterable[tuple[int, list[Any]]]  # (record number, cells)
    ragged_matters: bool = True  # (an xlsx sheet's rows come padded to its width)
    encoding: str = ""
    bad_rows: set[int] = field(default_factory=set)  # records with undecodable bytes


def _xlsx(data: bytes) -> _Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _refuse(_("The file is not a readable xlsx workbook."), "format") from None

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
                yield number, list(cells)
        finally:
            book.close()

    return _Sheet(records(), ragged_matters=False)


def _csv(data: bytes) -> _Sheet:
    decoded = decode_text(data)
    text = decoded.text
    if text.count("\x00") * 100 > len(text):
        # A binary file (a stray NUL in a cell is reported on its row instead).
        raise _refuse(_("The file is neither xlsx nor CSV."), "format")
    if text.lstrip()[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            raise _refuse(
                _("This is a JSON (GeoJSON?) file, not a table: give an xlsx or CSV file."),
                "format",
            )
    # Excel's quoting, with the delimiter the heading line uses most (the sniffer, shown
    # quoted multi-line cells full of tabs, guesses quoting wrong and splits rows apart).
    heading = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter=max(",;\t", key=heading.count))
    records: list[tuple[int, list[Any]]] = []
    bad_lines, bad_rows = set(decoded.bad_lines), set()
    first_line = 1
    try:
        for number, cells in enumerate(reader, start=1):
            # A record may span lines (a quoted line break): it is bad if any of them is.
            if bad_lines.intersection(range(first_line, reader.line_num + 1)):
                bad_rows.add(number)
            first_line = reader.line_num + 1
            records.append((number, cells))
    except csv.Error as exc:
        raise _refuse(
            _("The CSV cannot be read at line %(n)s: %(e)s") % {"n": reader.line_num, "e": exc},
            "format",
        ) from None
    return _Sheet(records, encoding=decoded.encoding, bad_rows=bad_rows)


@dataclass
class Checked:
    """A file checked whole: its orders in file order (row number, order), every row good."""

    orders: list[tuple[int, Order]]
    unmapped: int = 0
    closed_at_source: int = 0


def check_orders(channel: Channel, filename: str, data: bytes) -> tuple[Checked, list[Problem]]:
    """Read and check every row of the file, writing nothing: the good orders, and every
    problem (row, column, reason). A file that cannot be read at all raises DomainError."""
    table = read_rows(filename, data)
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
    if names["order_no"] not in table.headings:
        raise _refuse(
            _("The file has no column %(c)s; its heading row reads: %(h)s")
            % {"c": names["order_no"], "h": " | ".join(table.headings)[:200]},
            "missing_column",
        )
    problems = list(table.problems)
    orders: list[tuple[int, Order]] = []
    seen: dict[str, int] = {}
    for number, values in table.rows:
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
    checked = Checked(
        orders,
        unmapped=sum(1 for _n, o in orders if o.unmapped_category),
        closed_at_source=sum(1 for _n, o in orders if o.closed_at_source),
    )
    return checked, problems


def batch_size() -> int:
    return max(1, settings.WANGGE_IMPORT_BATCH_ROWS)


def write_batch(channel: Channel, batch: list[tuple[int, Order]]) -> tuple[Counter[str], list[str]]:
    """Push the batch's orders in one transaction, the caller's (import jobs record their
    progress in it): the outcomes and the events' codes. A row the write refuses refuses the
    batch (DomainError naming the rows): the transaction is rolled back by the caller."""
    outcomes: Counter[str] = Counter()
    codes: list[str] = []
    problems: list[Problem] = []
    for number, order in batch:
        try:
            result = push_order(channel, order)
        except DomainError as exc:
            for p in exc.problems:
                p.item = _("row %(n)s") % {"n": number}
            problems.extend(exc.problems)
            continue
        outcomes[result.outcome] += 1
        codes.append(result.event.code)
    if problems:
        raise DomainError(problems, status=422)
    return outcomes, codes


def pause_between_batches() -> None:
    """Let a writer waiting for the lock in (SQLite: its busy wait retries every 100 ms)."""
    if settings.WANGGE_IMPORT_BATCH_PAUSE > 0:
        time.sleep(settings.WANGGE_IMPORT_BATCH_PAUSE)


def import_orders(
    channel: Channel,
    filename: str,
    data: bytes,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row (any problem: DomainError naming them all, nothing written), then
    write them in batches of WANGGE_IMPORT_BATCH_ROWS, each its own transaction, in this
    process (the CLI's way; the API and the back office queue an ImportJob instead, see
    intake.imports). `progress(done, total)` is called after each batch. `dry_run`: check
    the same way and report what would be written (counts, problems, a sample), writing
    nothing; the problems are then in the report rather than raised."""
    checked, problems = check_orders(channel, filename, data)
    orders = checked.orders
    report = ImportReport(rows=len(orders), dry_run=dry_run)
    report.unmapped, report.closed_at_source = checked.unmapped, checked.closed_at_source
    if dry_run:
        report.problems = problems
        for _n, order in orders:
            report.outcomes[predict(channel, order)] += 1
        report.sample = [_sampled(n, o) for n, o in orders[:SAMPLE]]
        return report
    if problems:
        raise DomainError(problems, status=422)
    size = batch_size()
    for start in range(0, len(orders), size):
        if start:
            pause_between_batches()
        with transaction.atomic():
            outcomes, codes = write_batch(channel, orders[start : start + size])
        report.outcomes.update(outcomes)
        report.events.extend(codes)
        if progress is not None:
            progress(min(start + size, len(orders)), len(orders))
    return report


def _sampled(number: int, order: Order) -> dict[str, Any]:
    return {
        "row": number,
        "order_no": order.order_no,
        "title": order.title,
        "category": f"{order.category.code} {order.category.name}",
        "unmapped_category": order.unmapped_category,
        "area": order.area.name,
        "called_at": order.called_at,
        "closed_at_source": order.closed_at_source,
    }
