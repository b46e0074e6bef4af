"""A run's ranking as an xlsx (the monthly bulletin's scores): frozen header, figures as
numbers, one column pair (value, points) per indicator, then adjustments and reasons."""

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from wangge.accounts.actors import Actor
from wangge.stats.assessment import services
from wangge.stats.assessment.models import Run


def _num(x: Any) -> float | None:
    return None if x is None else float(Decimal(str(x)))


def run_xlsx(user: Actor, run: Run) -> bytes:
    results = list(services.visible_results(user, run).order_by("rank", "target_code"))
    items = run.snapshot.get("items", [])
    adjustments = run.snapshot.get("adjustments", [])
    book = Workbook()
    ws = book.active
    ws.title = run.period
    header = [_("Rank"), _("Code"), _("Name"), _("Score"), _("Grade")]
    for it in items:
        header += [f"{it['name']} ({it['unit']})", f"{it['name']} {_('Points')}"]
    header += [a["name"] for a in adjustments]
    header += [_("Reasons")]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for r in results:
        row: list[Any] = [r.rank, r.target_code, r.target_name, float(r.score), r.grade]
        for i in r.detail["indicators"]:
            row += [_num(i["value"]), _num(i["points"])]
        row += [_num(a["points"]) for a in r.detail["adjustments"]]
        row.append("；".join(r.detail.get("reasons", [])))
        ws.append(row)
    ws.column_dimensions["C"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
