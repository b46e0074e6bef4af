"""Staff rosters as a county sends them (CSV)."""

import csv
import io

HEADERS = ["姓名", "手机号", "身份证号", "网格编码", "岗位", "部门"]


GRID = "330103001001001"


OTHER = "330103002001001"


ID = "11010519491231002X"


def roster_csv(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode("utf-8-sig")


ROWS = [
    ["张三", "13800000001", ID, GRID, "专职网格员", "cg"],
    ["张三", "13800000001", "", OTHER, "兼职网格员", ""],
    ["李四", "139 0000 0002", "", "330103001", "operator", "市场监管"],
]
