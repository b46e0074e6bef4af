"""The dashboard's current view as an xlsx workbook: the same figures and filters as the
page, numbers as numbers (rates as fractions formatted as percentages)."""

import io
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from wangge.stats import selectors


def _percent(sheet: Any, value: float | None) -> Any:
    """A rate as a number shown as a percentage (None: no denominator, an empty cell)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "0.0%"
    return cell


def _module_sheets(book: Any, modules: dict[str, Any]) -> None:
    """网格联动, 党建引领, 综合执法 (figures, rates as fractions) and 专项行动 (per campaign)."""
    sheet = book.create_sheet(_("Grid and party"))
    sheet.append([_("Module"), _("Figure"), _("Value"), _("Numerator"), _("Denominator")])
    for title, items in (
        (_("Grid linkage"), modules["grid"]),
        (_("Party building"), modules["party"]),
        (_("Comprehensive law enforcement"), modules["enforcement"]),
    ):
        for item in items:
            is_rate = "denominator" in item
            sheet.append(
                [
                    title,
                    item["label"],
                    _percent(sheet, item["value"]) if is_rate else item["value"],
                    item.get("numerator"),
                    item.get("denominator"),
                ]
            )

    sheet = book.create_sheet(_("Special campaigns"))
    sheet.append(
        [_("Campaign"), _("Ends on"), _("Coverage"), _("Done"), _("Targets"), _("Missing")]
    )
    for c in modules["campaigns"]:
        cov = c["coverage"]
        sheet.append(
            [
                c["title"],
                c["ends_on"].isoformat(),
                _percent(sheet, cov["value"]),
                cov["numerator"],
                cov["denominator"],
                c["missing"],
            ]
        )


def _asof_line(asof: datetime | None) -> str:
    """ "数据截至" as on the page, with the day: a file is read later than a page."""
    if asof is None:
        return _("Figures not filled yet")
    return _("Figures as of %(t)s") % {"t": asof.strftime("%Y-%m-%d %H:%M")}


def workbook(f: selectors.Filters, context: dict[str, Any]) -> bytes:
    """`context`: what the page shows for `f` (views._context), so both agree."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    overview = context["overview"]

    sheet = book.create_sheet(_("Overall situation"))
    sheet.append([_asof_line(overview.get("asof"))])
    sheet.append([_("Area"), f.area.name, f.area.code])
    sheet.append([_("Period"), f.date_from.isoformat(), f.date_to.isoformat()])
    for label, value in (
        (_("Category"), f.category.name if f.category else ""),
        (_("Channel"), f.channel),
        (_("Department"), f.department.name if f.department else ""),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append([_("Figure"), _("Value"), _("Numerator"), _("Denominator"), _("previous")])
    for item in [*overview["figures"], *overview["command"]]:
        is_rate = "denominator" in item
        value, previous = item["value"], item.get("previous")
        sheet.append(
            [
                item["label"],
                _percent(sheet, value) if is_rate else value,
                item.get("numerator"),
                item.get("denominator"),
                _percent(sheet, previous) if is_rate else previous,
            ]
        )

    sheet = book.create_sheet(_("By area"))
    keys = ("reported", "accepted", "closed", "open_red")
    sheet.append(
        [
            _("Area"),
            _("Code"),
            _("Reported"),
            _("Accepted"),
            _("Closed"),
            _("Overdue"),
            _("Closed rate"),
        ]
    )
    for c in context["children"]:
        rate = _percent(sheet, c["figures"]["closed_rate"]["value"])
        sheet.append([c["name"], c["code"], *(c["counts"][k] for k in keys), rate])

    sheet = book.create_sheet(_("Trend"))
    sheet.append([_("Day"), _("Reported"), _("Closed")])
    chart = context["chart"]
    for day, reported, closed in zip(
        chart["days"], chart["reported"], chart["closed"], strict=True
    ):
        sheet.append([day, reported, closed])

    for title, rows in (
        (_("Channel"), context["channels"]),
        (_("Category"), context["categories"]),
    ):
        sheet = book.create_sheet(title)
        sheet.append([title, _("Reported"), _("Accepted"), _("Closed")])
        for r in rows:
            sheet.append([r["name"], r["reported"], r["accepted"], r["closed"]])

    sheet = book.create_sheet(_("Departments"))
    sheet.append([_("Department"), _("Dispatched"), _("Open")])
    for d in context["departments"]:
        sheet.append([d["name"], d["dispatched"], d["open"]])

    _module_sheets(book, context["modules"])

    sheet = book.create_sheet(_("Fed indicators"))
    sheet.append([_("Module"), _("Indicator"), _("Value"), _("Unit of measure")])
    for module in context["fed"]:
        for i in module["items"]:
            sheet.append([module["label"], i["name"], i["value"], i["unit"]])

    sheet = book.create_sheet(_("Grid activities"))
    sheet.append([_("Module"), _("Indicator"), _("Value"), _("Unit of measure")])
    for module in context["grid_modules"]:
        for i in module["items"]:
            sheet.append([module["label"], i["name"], i["value"], i["unit"]])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
