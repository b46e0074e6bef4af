"""The dashboard's fieldwork and party modules — 网格联动, 党建引领, 专项行动 — and 综合执法.

综合执法 is read from the rollups (the law-enforcement channel, and the joint-dispatch flags
of the facts). 网格联动's visits, must-attend, patrols and inspections, 党建引领's report-ins
this year and 专项行动's coverage are read from the rollups the worker keeps
(`fieldwork_rollups`): one query each, whatever the number of tasks, report-ins or targets;
1+1+N staffing from its snapshot (`staffing`, one row). Branches, members and the members
below two report-ins this year are current figures counted live from the area's subtree (a
fixed number of aggregate queries, no per-area or per-row query, over party members: a table
a few orders of magnitude smaller than the events); the members below two are per member,
which no area rollup holds. All are kept per fill state, like the figures (`dashboard.once`).
"""

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.events.models import BuiltinChannel
from wangge.fieldwork.models import Campaign, CampaignTarget
from wangge.people.models import PartyBranch, PartyMember, PartyReportIn
from wangge.regions.models import Area
from wangge.stats import dashboard, fieldwork_rollups, selectors, staffing
from wangge.stats.fieldwork_models import CampaignCoverage, FieldworkRollup


def _count(value: int, url: str = "") -> dict[str, Any]:
    return {"value": value, "text": f"{value:,}", "url": url}


def _rate(part: int, whole: int, url: str = "") -> dict[str, Any]:
    return {
        "value": selectors.rate(part, whole),
        "numerator": part,
        "denominator": whole,
        "text": selectors.rate_text(part, whole),
        "url": url,
    }


def _item(key: str, label: str, figure: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "label": label, **figure}


def _under(area: Area, field: str = "area") -> Q:
    return Q(**{f"{field}__path__startswith": area.path})


def grid(f: selectors.Filters, counts: dict[str, int]) -> list[dict[str, Any]]:
    """网格联动: 1+1+N staffing, visits (三必访), patrols and inspections, must-attend on time,
    the share of events the grids settled themselves."""
    area = f.area
    staff = staffing.figures(area)  # the worker's snapshot, one row
    # Visits, must-attend, patrols and inspections: the worker's rollups, one query.
    work = fieldwork_rollups.figures(area, f.date_from, f.date_to)
    period = urlencode({"area": area.code, "start": f.date_from, "end": f.date_to})
    visits_url = f"{reverse('fieldwork:visit_figures')}?{period}"
    patrol_query = urlencode({"area": area.code, "since": f.date_from, "until": f.date_to})
    patrols_url = f"{reverse('fieldwork:patrol_figures')}?{patrol_query}"
    roster_url = reverse("web:roster")
    grids = staff["grids"]
    return [
        _item("grids", _("Grids"), _count(grids, roster_url)),
        _item(
            "staffed",
            _("Grids staffed 1+1+N"),
            _rate(staff["complete"], grids, roster_url),
        ),
        _item(
            "staffing_gaps",
            _("Grids short of staff"),
            _count(grids - staff["complete"], roster_url),
        ),
        _item(
            "part_time",
            _("Part-time grid workers"),
            _count(staff["part_time"], _part_time_url(area)),
        ),
        _item("visits_due", _("Visits due"), _count(work["visits_due"], visits_url)),
        _item(
            "visits_done",
            _("Visit coverage"),
            _rate(work["visits_done"], work["visits_due"], visits_url),
        ),
        _item("visits_overdue", _("Visits overdue"), _count(work["visits_overdue"], visits_url)),
        _item("patrols", _("Patrols"), _count(work["patrols"], patrols_url)),
        _item("inspections", _("Inspections"), _count(work["inspections"], patrols_url)),
        _item(
            "attend_on_time",
            _("Must-attend on time"),
            _rate(work["attend_on_time"], work["attend_due"]),
        ),
        _item(
            "grid_self_rate",
            _("Settled by the grid"),
            _rate(counts["self_handled"], counts["accepted"], _events_url(f, "self_handled")),
        ),
    ]


def party(f: selectors.Filters) -> list[dict[str, Any]]:
    """党建引领: branches on the grids, members, report-ins this year (the worker's rollups)
    and the in-service members below two (到网格报到 at least twice a year; per member, so
    counted live)."""
    area = f.area
    year_start = f.date_to.replace(month=1, day=1)
    this_year = {"reported_on__gte": year_start, "reported_on__lte": f.date_to}
    member_report_ins = (
        PartyReportIn.objects.filter(member=OuterRef("pk"), **this_year)
        .order_by()
        .values(_one=Value(1))
        .annotate(n=Count("pk"))
        .values("n")
    )
    number = {"n": Count("pk")}
    # One statement: each count a one-row part of it.
    year = fieldwork_rollups.span(year_start, f.date_to)
    branch_row, member_row, reporting, report_in_row = selectors.aggregates(
        (PartyBranch.objects.filter(_under(area)), number),
        (PartyMember.objects.filter(_under(area, "branch__area"), left_on__isnull=True), number),
        (
            PartyMember.objects.filter(
                _under(area, "report_area"),
                left_on__isnull=True,
                kind=PartyMember.Kind.IN_SERVICE,
            ),
            {
                "total": Count("pk"),
                "below": Count(
                    "pk",
                    filter=Q(LessThan(Subquery(member_report_ins, output_field=IntegerField()), 2)),
                ),
            },
        ),
        (
            FieldworkRollup.objects.filter(level=area.level, area_id=area.pk),
            {"n": Sum("report_ins", filter=year)},
        ),
    )
    branches, members, report_ins = branch_row["n"], member_row["n"], report_in_row["n"] or 0
    return [
        _item("branches", _("Party branches"), _count(branches)),
        _item("members", _("Party members"), _count(members)),
        _item("reporting", _("In-service members reporting to grids"), _count(reporting["total"])),
        _item("report_ins", _("Report-ins this year"), _count(report_ins)),
        _item(
            "below_two",
            _("Members below two report-ins this year"),
            _count(reporting["below"]),
        ),
    ]


def campaigns(f: selectors.Filters) -> list[dict[str, Any]]:
    """专项行动: campaigns in progress with targets here, their coverage and what is missing:
    the worker's coverage rows of the area (one per campaign), in one query."""
    rows = (
        CampaignCoverage.objects.filter(
            level=f.area.level, area_id=f.area.pk, campaign__status=Campaign.Status.OPEN
        )
        .order_by()
        .values(
            "campaign_id", "campaign__title", "campaign__ends_on", "total", "done", "unreachable"
        )
    )
    result = []
    for row in sorted(rows, key=lambda r: (r["campaign__ends_on"], r["campaign_id"])):
        url = (
            reverse("fieldwork:campaign_coverage", args=[row["campaign_id"]])
            + "?"
            + urlencode({"area": f.area.code})
        )
        result.append(
            {
                "id": row["campaign_id"],
                "title": row["campaign__title"],
                "ends_on": row["campaign__ends_on"],
                "coverage": _rate(row["done"], row["total"], url),
                "missing": row["total"] - row["done"] - row["unreachable"],
                "unreachable": row["unreachable"],
                "unreachable_url": _unreachable_url(url),
                "url": url,
            }
        )
    return result


def _part_time_url(area: Area) -> str:
    """The roster's list of the part-time workers in post under the area."""
    return f"{reverse('web:roster')}?{urlencode({'area': area.code, 'role': 'part_time'})}"


def _unreachable_url(coverage_url: str) -> str:
    """A campaign's coverage page listing the targets marked not reachable."""
    return f"{coverage_url}&{urlencode({'status': CampaignTarget.Status.UNREACHABLE})}"


def _events_url(f: selectors.Filters, fact: str, **extra: str) -> str:
    """The event list of exactly the cases a figure counts (its flag of the facts)."""
    return f"{reverse('web:events')}?{urlencode({**f.event_query(), 'fact': fact, **extra})}"


def enforcement(
    f: selectors.Filters, counts: dict[str, int], mark: dashboard.Mark | None = None
) -> list[dict[str, Any]]:
    """综合执法: events from the law-enforcement channel, and joint dispatches (吹哨报到,
    any channel) with their on-time rate."""
    channel = BuiltinChannel.LAW_ENFORCEMENT.value
    law = dashboard.totals(replace(f, channel=channel), mark)
    law_url = _events_url(f, "reported", channel=channel)
    return [
        _item("law_reported", _("Law-enforcement events"), _count(law["reported"], law_url)),
        _item(
            "law_closed_rate",
            _("Law-enforcement closed"),
            _rate(law["closed"], law["accepted"], _events_url(f, "closed", channel=channel)),
        ),
        _item(
            "law_on_time",
            _("Law-enforcement handled on time"),
            _rate(
                law["handled_on_time"],
                law["handled"],
                _events_url(f, "handled_on_time", channel=channel),
            ),
        ),
        _item("joint", _("Joint dispatches"), _count(counts["joint"], _events_url(f, "joint"))),
        _item(
            "joint_on_time",
            _("Joint dispatches handled on time"),
            _rate(
                counts["joint_handled_on_time"],
                counts["joint"],
                _events_url(f, "joint_handled_on_time"),
            ),
        ),
    ]


def all_modules(
    f: selectors.Filters, counts: dict[str, int], mark: dashboard.Mark | None = None
) -> dict[str, Any]:
    """The modules; `counts`: the filters' totals (`dashboard.totals`). Kept per fill state
    like the figures (`dashboard.once`): the fieldwork and party counts are then as of the
    page's "figures as of" too (60 s old at most), not a dozen queries on every view."""
    return once_modules(f, counts, mark)


def once_modules(
    f: selectors.Filters, counts: dict[str, int], mark: dashboard.Mark | None
) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        return {
            "grid": grid(f, counts),
            "party": party(f),
            "campaigns": campaigns(f),
            "enforcement": enforcement(f, counts, mark),
        }

    return dashboard.once("modules", f, mark, compute)
