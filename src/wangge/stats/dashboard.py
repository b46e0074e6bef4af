"""What the dashboard, the big screen and the API show for one set of filters: built once
here, so the pages and /api/stats/… give the same numbers. A fixed number of queries,
whatever the number of events (everything is read from the rollups)."""

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.notices import activities
from wangge.stats import selectors
from wangge.stats.fill import STATE
from wangge.stats.models import FillState


def asof() -> datetime | None:
    """The moment the figures are filled to ("数据截至 HH:MM")."""
    return (
        FillState.objects.filter(name=STATE, position__gte=0).values_list("asof", flat=True).first()
    )


def events_url(f: selectors.Filters, key: str = "", area: Any = None) -> str:
    """The scoped event list behind a figure, filtered the same way."""
    query = f.event_query(area)
    tab = selectors.FIGURE_TABS.get(key, "")
    if tab.startswith("status:"):
        query["status"] = tab.removeprefix("status:")
    elif tab:
        query["tab"] = tab
    return f"{reverse('web:events')}?{urlencode(query)}"


def _linked(f: selectors.Filters, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for item in items:
        item["url"] = events_url(f, item["key"])
    return items


def overview(f: selectors.Filters) -> dict[str, Any]:
    counts = selectors.totals(f)
    before = selectors.totals(f.previous())
    previous = {x["key"]: x for x in selectors.figures(before)}
    figures = _linked(f, selectors.figures(counts))
    for item in figures:
        item["previous"] = previous[item["key"]]["value"]
        item["previous_text"] = previous[item["key"]]["text"]
    filled = asof()
    return {
        "area": {"code": f.area.code, "name": f.area.name, "level": f.area.level},
        "date_from": f.date_from,
        "date_to": f.date_to,
        "previous_from": f.previous().date_from,
        "previous_to": f.previous().date_to,
        "asof": timezone.localtime(filled) if filled else None,
        "figures": figures,
        "command": _linked(f, selectors.figures(counts, selectors.COMMAND)),
        "settled": selectors.settled_levels(counts),
        "counts": counts,
    }


def _item(code: str, name: str, value: int, unit: str) -> dict[str, Any]:
    return {"code": code, "name": name, "unit": unit, "value": value, "text": f"{value:,}"}


def grid_modules(f: selectors.Filters) -> list[dict[str, Any]]:
    """The 党建引领 and 网格联动 modules, from the grid activities (notices.activities) over
    the area and period, shaped like the fed modules. Five queries."""
    grid = activities.figures(f.area, f.date_from, f.date_to)[0]
    party = activities.party_figures(f.area, f.date_from, f.date_to)
    times, people = _("times"), _("people")
    return [
        {
            "key": "party",
            "label": _("Party leadership"),
            "items": [
                _item("party_sessions", _("Activities with party members"), party.sessions, times),
                _item("party_members", _("Party members involved"), party.members, people),
                _item("report_ins", _("Report-ins at grids"), party.report_ins, times),
            ],
        },
        {
            "key": "linkage",
            "label": _("Grid linkage"),
            "items": [
                _item("sessions", _("Activities held"), grid.sessions, times),
                _item("grids_covered", _("Grids covered"), grid.grids_covered, _("grids")),
                _item(
                    "people_reached", _("People reached"), grid.people_reached, _("person-times")
                ),
                _item("participants", _("Participants"), grid.participants, _("person-times")),
            ],
        },
    ]


def children(f: selectors.Filters) -> list[dict[str, Any]]:
    rows = []
    for area, counts in selectors.children(f):
        rows.append(
            {
                "code": area.code,
                "name": area.name,
                "figures": {x["key"]: x for x in selectors.figures(counts)},
                "counts": counts,
                "url": events_url(f, area=area),
            }
        )
    return rows


def trend(f: selectors.Filters) -> list[dict[str, Any]]:
    return [
        {"day": day, "reported": c["reported"], "accepted": c["accepted"], "closed": c["closed"]}
        for day, c in selectors.trend(f)
    ]


def departments(f: selectors.Filters) -> list[dict[str, Any]]:
    """Lead departments with their load, accurate-dispatch and on-time rates."""
    rows = []
    for row in selectors.breakdown(f, "department"):
        if not row["key"]:
            continue  # not dispatched
        query = {**f.event_query(), "department": row["key"]}
        rows.append(
            {
                **row,
                "accurate_text": selectors.rate_text(
                    row["dispatched_accurately"], row["dispatched"]
                ),
                "on_time_text": selectors.rate_text(row["handled_on_time"], row["handled"]),
                "url": f"{reverse('web:events')}?{urlencode(query)}",
            }
        )
    return rows
