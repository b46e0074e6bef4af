"""xlsx files the people app hands out: the import template, the annotated import report and
exports of resident lists (masked unless revealed, stamped with the exporter and time)."""

import io
import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from wangge.people.identity import mask_id
from wangge.people.imports import tabular
from wangge.people.imports.importer import (
    HOUSEHOLD_KIND,
    ID_TYPE,
    RELATION,
    RESIDENCE,
    SEX,
    USE,
    RowProblem,
)
from wangge.people.models import Resident

# What an uploaded file may hold and a worksheet may not: control characters and lone
# surrogates, echoed back as visible escapes ("\\x00") rather than failing the report.
_UNWRITABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\\ud800-\\udfff]")


def _writable(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return _UNWRITABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), value)


def _row(values: Iterable[Any]) -> list[Any]:
    return [_writable(v) for v in values]


_BOLD = Font(bold=True)
_BAD = PatternFill("solid", fgColor="FFC7CE")

_EXAMPLES = {
    "building": ["B-0001", "1幢", "示例路1号", 120.17, 30.27, "", 6, ""],
    "house": ["H-0001-101", "B-0001", "1", "101", "住宅", "", "", "", 89.5, ""],
    "household": ["HH-0001", "H-0001-101", "家庭户", ""],
    "resident": [
        "张三",
        "居民身份证",
        "11010519491231002X",
        "",
        "",
        "13800138000",
        "汉族",
        "HH-0001",
        "户主",
        "户籍",
        "2020-05-01",
        "",
        "",
    ],
}


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template() -> bytes:
    """One sheet per kind with the headers (required ones marked *) and an example row."""
    book = Workbook()
    book.remove(book.active)
    for kind in tabular.ORDER:
        ws = book.create_sheet(tabular.SHEET_NAMES[kind])
        ws.append([c.header for c in tabular.KINDS[kind]])
        for cell, col in zip(ws[1], tabular.KINDS[kind], strict=True):
            cell.font = _BOLD
            if col.required:
                cell.fill = PatternFill("solid", fgColor="FFF2CC")
        ws.append(_EXAMPLES[kind])
        for col_cells in ws.iter_cols(min_row=1, max_row=2):
            col_cells[0].number_format = "@"
    notes = book.create_sheet(_("Notes"))
    notes.append([_("Column"), _("Allowed values")])
    for header, table in (
        ("房屋用途", USE),
        ("户类型", HOUSEHOLD_KIND),
        ("证件类型", ID_TYPE),
        ("性别", SEX),
        ("与户主关系", RELATION),
        ("人口类型", RESIDENCE),
    ):
        notes.append([header, "、".join(table)])
    notes.append(["", _("Shaded headers are required. Write ID numbers as text.")])
    return _save(book)


def _mask_cell(field: str, text: str) -> str:
    if field == "id_number":
        return mask_id(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) >= 8 else "*" * len(text)


def import_report(sheets: list[tabular.Sheet], problems: list[RowProblem]) -> bytes:
    """The file's rows again, each bad cell shaded with its reason as a comment and the reasons
    in a last column; ID numbers and phones masked."""
    by_row: dict[tuple[str, int], list[RowProblem]] = {}
    for p in problems:
        by_row.setdefault((p.sheet, p.row), []).append(p)
    book = Workbook()
    book.remove(book.active)
    summary = book.create_sheet(_("Problems"))
    summary.append([_("Sheet"), _("Row"), _("Column"), _("Reason")])
    for p in problems:
        summary.append(_row([p.sheet, p.row, p.column, p.message]))
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append(_row([*sheet.headers, _("Problems")]))
        secret: dict[int, str] = {}
        if sheet.kind is not None:
            for i, c in tabular.column_map(sheet.kind, sheet.headers).items():
                if c.field in tabular.SECRET_FIELDS:
                    secret[i] = c.field
        for number, values in sheet.rows:
            shown = []
            for i, v in enumerate(values):
                text = tabular.cell_text(v)
                if i in secret and text:
                    text = _mask_cell(secret[i], text)
                shown.append(text)
            found = by_row.get((sheet.name, number), [])
            ws.append(_row([*shown, "；".join(f"{p.column}: {p.message}" for p in found)]))
            for p in found:
                if p.column in sheet.headers:
                    cell = ws.cell(row=ws.max_row, column=sheet.headers.index(p.column) + 1)
                    cell.fill = _BAD
                    cell.comment = Comment(_writable(p.message), "wangge")
    return _save(book)


EXPORT_COLUMNS = [
    ("姓名", "name"),
    ("身份证号", "id_number"),
    ("性别", "sex"),
    ("出生日期", "birth_date"),
    ("联系电话", "phone"),
    ("民族", "ethnicity"),
    ("户号", "household"),
    ("地址", "address"),
    ("与户主关系", "relation"),
    ("人口类型", "residence_type"),
    ("网格", "area"),
    ("标签", "tags"),
]


def export_residents(
    rows: Iterable[Resident], *, exporter: str, plain: dict[int, dict[str, str]] | None = None
) -> bytes:
    """A resident list; `plain` holds revealed values by resident id (else masked)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(_("Residents"))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    ws.append([_("Exported by %(name)s at %(time)s") % {"name": exporter, "time": stamp}])
    ws.append([h for h, _f in EXPORT_COLUMNS])
    for r in rows:
        revealed = (plain or {}).get(r.pk, {})
        hh = r.household
        ws.append(
            [
                r.name,
                revealed.get("id_number", r.id_number_masked),
                r.get_sex_display(),
                r.birth_date.isoformat() if r.birth_date else "",
                revealed.get("phone", r.phone_masked),
                r.ethnicity,
                hh.code if hh else "",
                hh.address if hh else "",
                r.get_relation_display(),
                r.get_residence_type_display(),
                r.area.name,
                "、".join(t.kind.name for t in getattr(r, "current_tags", [])),
            ]
        )
    book.properties.creator = exporter
    book.properties.title = _("Exported by %(name)s at %(time)s") % {
        "name": exporter,
        "time": stamp,
    }
    return _save(book)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    """A workbook to download, kept out of every cache (it may hold personal data)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    add_never_cache_headers(response)  # personal data: no copy in any cache
    return response
