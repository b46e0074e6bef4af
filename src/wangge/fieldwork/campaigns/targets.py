"""Who a campaign must reach, and keeping its target rows in step with the population.

The target set is a query (households, or residents, in the scope's subtrees, filtered by the
campaign's groups, residence types and ages); `materialise` inserts the missing rows in one
INSERT … SELECT, and `refresh` also re-admits returning targets, marks the ones that left
(never deletes) and moves targets whose household moved, so "不漏一户、不落一人" holds after
people move in and out during the campaign. Both log the campaign's areas to the fieldwork
change log (`changes.campaign_areas`), for the coverage the stats worker keeps.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from wangge.fieldwork import changes
from wangge.fieldwork.campaigns.models import Campaign, CampaignTarget
from wangge.people.models import Household, Resident, ResidentStatus, ResidentTag
from wangge.regions.models import Area


@dataclass
class RefreshResult:
    added: int = 0
    left: int = 0
    returned: int = 0
    moved: int = 0


def scope_area_ids(campaign: Campaign) -> QuerySet[Area, Any]:
    """Ids of every area (live or ended) under the campaign's scope."""
    paths = list(campaign.areas.values_list("path", flat=True))
    if not paths:
        return Area.objects.none().values("pk")
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return Area.objects.filter(q).values("pk")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def filtered(campaign: Campaign) -> bool:
    return bool(
        campaign.residence_types
        or campaign.age_min is not None
        or campaign.age_max is not None
        or campaign.tag_kinds.exists()
    )


def residents(campaign: Campaign, day: dt.date | None = None) -> QuerySet[Resident]:
    """Living residents of current households in scope matching every filter of the campaign
    (a tag filter matches any of its groups, valid on `day`)."""
    day = day or timezone.localdate()
    qs = Resident.objects.filter(
        status=ResidentStatus.LIVING,
        household__isnull=False,
        household__dissolved_on__isnull=True,
        area__in=scope_area_ids(campaign),
    )
    kinds = list(campaign.tag_kinds.values_list("pk", flat=True))
    if kinds:
        tagged = (
            ResidentTag.objects.filter(kind_id__in=kinds, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
            .values("resident_id")
        )
        qs = qs.filter(pk__in=tagged)
    if campaign.residence_types:
        qs = qs.filter(residence_type__in=campaign.residence_types)
    if campaign.age_min is not None:  # at least age_min years old on `day`
        qs = qs.filter(birth_date__lte=_years_before(day, campaign.age_min))
    if campaign.age_max is not None:  # not yet age_max + 1
        qs = qs.filter(birth_date__gt=_years_before(day, campaign.age_max + 1))
    return qs


def households(campaign: Campaign, day: dt.date | None = None) -> QuerySet[Household]:
    """Current households in scope; with filters, those with at least one matching member."""
    qs = Household.objects.filter(dissolved_on__isnull=True, area__in=scope_area_ids(campaign))
    if filtered(campaign):
        qs = qs.filter(pk__in=residents(campaign, day).values("household_id"))
    return qs


def target_ids(campaign: Campaign, day: dt.date | None = None) -> QuerySet[Any]:
    """The ids (household or resident, by the campaign's kind) that must be targets now."""
    if campaign.target_kind == Campaign.TargetKind.RESIDENT:
        return residents(campaign, day).values("pk")
    return households(campaign, day).values("pk")


def _sql(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def materialise(campaign: Campaign, day: dt.date | None = None) -> int:
    """Insert a target row for every household/resident of the set that has none; one
    statement, whatever the size. Returns the number of rows added."""
    added = _insert(campaign, day)
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)
    return added


def _insert(campaign: Campaign, day: dt.date | None) -> int:
    t = CampaignTarget._meta.db_table
    hh = Household._meta.db_table
    empty_json = "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    inner, params = _sql(target_ids(campaign, day))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = (
        "campaign_id, household_id, resident_id, area_id, address, lon, lat,"
        " status, answers, reason, added_at"
    )
    # Opening: nothing to skip. Leaving the anti-join out matters: it would probe the rows
    # this very statement inserts (invisible to it, but on the pages a scan reads), which
    # makes opening a campaign over 400,000 households quadratic.
    fresh = not CampaignTarget.objects.filter(campaign=campaign).exists()
    if campaign.target_kind == Campaign.TargetKind.RESIDENT:
        rt = Resident._meta.db_table
        sql = (
            f"INSERT INTO {t} ({columns})"
            f" SELECT %s, r.household_id, r.id, h.area_id, h.address, h.lon, h.lat,"
            f" %s, {empty_json}, '', %s"
            f" FROM {rt} r JOIN {hh} h ON h.id = r.household_id"
            f" WHERE r.id IN ({inner})"
        )
        skip_existing = (
            f" AND NOT EXISTS (SELECT 1 FROM {t} x"
            f" WHERE x.campaign_id = %s AND x.resident_id = r.id)"
        )
    else:
        sql = (
            f"INSERT INTO {t} ({columns})"
            f" SELECT %s, h.id, NULL, h.area_id, h.address, h.lon, h.lat,"
            f" %s, {empty_json}, '', %s"
            f" FROM {hh} h"
            f" WHERE h.id IN ({inner})"
        )
        skip_existing = (
            f" AND NOT EXISTS (SELECT 1 FROM {t} x WHERE x.campaign_id = %s"
            f" AND x.household_id = h.id AND x.resident_id IS NULL)"
        )
    values = [campaign.pk, CampaignTarget.Status.PENDING, now, *params]
    if not fresh:
        sql += skip_existing
        values.append(campaign.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return max(int(cursor.rowcount), 0)


def refresh(campaign: Campaign, day: dt.date | None = None) -> RefreshResult:
    """Bring the target rows in step with the population now (run inside a transaction)."""
    result = RefreshResult()
    ids = target_ids(campaign, day)
    rows = CampaignTarget.objects.filter(campaign=campaign)
    key = "resident_id" if campaign.target_kind == Campaign.TargetKind.RESIDENT else "household_id"
    now = timezone.now()
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)  # the areas targets leave or move away from
    result.returned = rows.filter(left_at__isnull=False, **{f"{key}__in": ids}).update(left_at=None)
    # NOT EXISTS, not NOT IN: the planner turns it into one anti-join, where NOT IN over
    # 400,000 ids would be probed row by row.
    still_in = Exists(target_ids(campaign, day).filter(pk=OuterRef(key)))
    result.left = rows.filter(left_at__isnull=True).filter(~still_in).update(left_at=now)
    result.added = _insert(campaign, day)
    result.moved = _follow_moves(campaign)
    with connection.cursor() as cursor:
        changes.campaign_areas(cursor, campaign)  # … and those they come into
    return result


def _follow_moves(campaign: Campaign) -> int:
    """Targets whose resident changed household, or whose household's place changed, take
    the new household's micro-grid and address."""
    live = CampaignTarget.objects.filter(campaign=campaign, left_at__isnull=True)
    moved = 0
    if campaign.target_kind == Campaign.TargetKind.RESIDENT:
        moved += (
            live.filter(resident__household__isnull=False)
            .exclude(household_id=F("resident__household_id"))
            .update(
                household_id=Subquery(
                    Resident.objects.filter(pk=OuterRef("resident_id")).values("household_id")[:1]
                )
            )
        )
    stale = live.filter(~Q(area_id=F("household__area_id")) | ~Q(address=F("household__address")))
    place = Household.objects.filter(pk=OuterRef("household_id"))
    changed = stale.update(
        area_id=Subquery(place.values("area_id")[:1]),
        address=Subquery(place.values("address")[:1]),
        lon=Subquery(place.values("lon")[:1]),
        lat=Subquery(place.values("lat")[:1]),
    )
    return max(moved, changed)
