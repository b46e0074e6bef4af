"""Hotline export files as other systems write them (headings, rows, CSV and xlsx)."""

import csv
import io

from openpyxl import Workbook

HEADINGS = ["工单编号", "诉求内容", "诉求地址", "诉求类型", "来电时间", "来电人", "联系电话"]


ROWS = [
    ["GD001", "小区门口垃圾堆放", "文晖路1号", "垃圾堆放", "2026-03-01 09:30", "张三", "138001"],
    ["GD002", "路面渣土无人清理", "文晖路2号", "0103", "2026/03/01 10:05", "李四", "138002"],
]


def as_csv(
    rows: list[list[object]], headings: list[str] = HEADINGS, encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[list[object]], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["12345 热线工单导出"])  # a title row above the headings is common …
    sheet.append([])
    book.remove(sheet)
    sheet = book.create_sheet("工单")
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
