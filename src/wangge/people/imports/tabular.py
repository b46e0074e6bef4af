"""The Chinese column headers of buildings, houses, households and residents, and reading
xlsx/CSV files into sheets of rows mapped by header (column order does not matter)."""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()


KINDS: dict[str, list[Column]] = {
    "building": [
        Column("楼栋编号", "code", True, ("楼栋编码",)),
        Column("楼栋名称", "name"),
        Column("地址", "address", aliases=("楼栋地址",)),
        Column("经度", "lon"),
        Column("纬度", "lat"),
        Column("网格编码", "area_code", aliases=("微网格编码",)),
        Column("层数", "floors"),
        Column("备注", "note"),
    ],
    "house": [
        Column("房屋编号", "code", True, ("房屋编码",)),
        Column("楼栋编号", "building", aliases=("楼栋编码",)),
        Column("单元", "unit"),
        Column("室号", "number", aliases=("门牌号", "房号")),
        Column("房屋用途", "use", aliases=("用途",)),
        Column("地址", "address", aliases=("房屋地址",)),
        Column("经度", "lon"),
        Column("纬度", "lat"),
        Column("面积", "floor_area_m2", aliases=("建筑面积",)),
        Column("备注", "note"),
    ],
    "household": [
        Column("户号", "code", True, ("户编号",)),
        Column("房屋编号", "house", True, ("房屋编码",)),
        Column("户类型", "kind", aliases=("户别",)),
        Column("备注", "note"),
    ],
    "resident": [
        Column("姓名", "name", True),
        Column("证件类型", "id_type"),
        Column("身份证号", "id_number", True, ("公民身份号码", "身份证号码", "证件号码")),
        Column("性别", "sex"),
        Column("出生日期", "birth_date"),
        Column("联系电话", "phone", aliases=("手机号", "手机号码", "电话")),
        Column("民族", "ethnicity"),
        Column("户号", "household", True, ("户编号",)),
        Column("与户主关系", "relation", aliases=("关系",)),
        Column("人口类型", "residence_type", aliases=("人员类型",)),
        Column("迁入日期", "moved_in_on", aliases=("入住日期",)),
        Column("工作单位", "workplace", aliases=("工作单位或学校",)),
        Column("备注", "note"),
    ],
    # A county's staff roster (wangge.staff.roster); never detected as a people sheet.
    "staff": [
        Column("姓名", "name", True),
        Column("手机号", "phone", True, ("手机号码", "联系电话", "电话")),
        Column("身份证号", "id_number", aliases=("公民身份号码", "身份证号码", "证件号码")),
        Column("网格编码", "area_code", True, ("区域编码", "微网格编码")),
        Column("岗位", "role", True, ("角色",)),
        Column("部门", "department", aliases=("职能部门", "部门编码")),
        Column("账号", "username", aliases=("用户名",)),
    ],
}
# Written in this order, so later kinds can refer to earlier ones from the same file.
ORDER = ["building", "house", "household", "resident"]
SHEET_NAMES = {"building": "楼栋", "house": "房屋", "household": "户", "resident": "人口"}
# Columns never copied in clear into a report.
SECRET_FIELDS = {"id_number", "phone"}


def _norm(header: Any) -> str:
    return str(header or "").strip().replace(" ", "").replace("*", "").replace("\u3000", "")


def detect_kind(headers: list[str]) -> str | None:
    """The kind whose required headers are all present (most specific first)."""
    present = {_norm(h) for h in headers}
    for kind in reversed(ORDER):
        required = [c for c in KINDS[kind] if c.required]
        if all({c.header, *c.aliases} & present for c in required):
            return kind
    return None


def column_map(kind: str, headers: list[str]) -> dict[int, Column]:
    """Column index → Column, by header or alias; unknown headers are ignored."""
    by_name = {}
    for c in KINDS[kind]:
        for name in (c.header, *c.aliases):
            by_name[name] = c
    found: dict[int, Column] = {}
    for i, h in enumerate(headers):
        col = by_name.get(_norm(h))
        if col is not None and col not in found.values():
            found[i] = col
    return found


@dataclass
class Sheet:
    name: str
    kind: str | None
    headers: list[str]
    # (row number as the user sees it, the cell values in column order)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {field: cell value}) for each non-empty row."""
        assert self.kind is not None
        cols = column_map(self.kind, self.headers)
        for number, values in self.rows:
            yield number, {c.field: values[i] if i < len(values) else None for i, c in cols.items()}

    def header_of(self, field_name: str) -> str:
        assert self.kind is not None
        for i, c in column_map(self.kind, self.headers).items():
            if c.field == field_name:
                return self.headers[i]
        return next((c.header for c in KINDS[self.kind] if c.field == field_name), field_name)


def _blank(values: list[Any]) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def _sheet(name: str, rows: Iterator[tuple[Any, ...] | list[Any]]) -> Sheet | None:
    number = 0
    for values in rows:
        number += 1
        if not _blank(list(values)):
            headers = [_norm(v) for v in values]
            sheet = Sheet(name, detect_kind(headers), headers)
            for values in rows:
                number += 1
                if not _blank(list(values)):
                    sheet.rows.append((number, list(values)))
            return sheet
    return None


def read_csv(data: bytes, name: str = "CSV") -> list[Sheet]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("encoding")
    sheet = _sheet(name, iter(csv.reader(io.StringIO(text))))
    return [sheet] if sheet else []


def read_xlsx(data: bytes | IO[bytes]) -> list[Sheet]:
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    book = load_workbook(stream, read_only=True, data_only=True)
    try:
        sheets = []
        for ws in book.worksheets:
            sheet = _sheet(ws.title, ws.iter_rows(values_only=True))
            if sheet is not None:
                sheets.append(sheet)
        return sheets
    finally:
        book.close()


def read_file(data: bytes, file_name: str) -> list[Sheet]:
    if file_name.lower().endswith(".csv"):
        return read_csv(data, Path(file_name).stem)
    return read_xlsx(data)


def cell_text(value: Any) -> str:
    """A cell as text: integers without ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
