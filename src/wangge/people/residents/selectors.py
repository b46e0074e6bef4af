"""Scoped reads. Every query of people, places and organisations goes through the user's scope;
a record outside it is "not found" (404), whatever the endpoint."""

import datetime as dt
import re
from typing import Any, TypeVar

from django.db.models import Count, Max, Model, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.scope import area_q
from wangge.errors import DomainError
from wangge.people import access, pii
from wangge.people.identity import InvalidValue, parse_id_number, parse_phone
from wangge.people.models import (
    Building,
    Facility,
    HazardPoint,
    House,
    Household,
    IdType,
    Organization,
    PartyBranch,
    PartyMember,
    Residence,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagKind,
)
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area

M = TypeVar("M", bound=Model)


def scoped(model: type[M], user: Any, area_field: str = "area") -> QuerySet[M]:
    return model._default_manager.filter(area_q(user, area_field))


def get_scoped(model: type[M], user: Any, pk: Any, area_field: str = "area") -> M:
    return get_in(scoped(model, user, area_field), pk)


def get_in(qs: QuerySet[M], pk: Any) -> M:
    """One row of an (already scoped) queryset by primary key; DomainError 404 otherwise."""
    obj = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return obj


def subtree_ids(area_code: str) -> Any:
    """The ids of the live area with this code and of everything under it (none if unknown)."""
    area = Area.objects.live().filter(code=area_code).first()
    if area is None:
        return Area.objects.none().values("pk")
    return Area.objects.subtree(area).values("pk")


def current_tags_prefetch(user: Any, day: dt.date | None = None) -> "Prefetch[Any]":
    """The tags valid today of the kinds the user may see, as `resident.current_tags`."""
    day = day or timezone.localdate()
    return Prefetch(
        "tags",
        queryset=ResidentTag.objects.filter(kind_id__in=access.visible_kind_ids(user))
        .filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("kind"),
        to_attr="current_tags",
    )


def residents(user: Any) -> QuerySet[Resident]:
    return scoped(Resident, user)


def resident_get(user: Any, pk: Any) -> Resident:
    return get_scoped(Resident, user, pk)


def resident_detail(user: Any, pk: Any) -> Resident:
    get_scoped(Resident, user, pk)  # 404 first
    residences = without_geometry(Residence.objects.select_related("household", "area"))
    return (
        without_geometry(Resident.objects.select_related("household__house__building", "area"))
        .prefetch_related(
            current_tags_prefetch(user),
            Prefetch("residences", queryset=residences.order_by("started_on", "id")),
        )
        .get(pk=pk)
    )


def _looks_like_id(text: str) -> str | None:
    try:
        return parse_id_number(text).number
    except InvalidValue:
        return None


def _looks_like_phone(text: str) -> str | None:
    if not re.fullmatch(r"[\d\s\-+()]{7,20}", text):
        return None
    try:
        return parse_phone(text)
    except InvalidValue:
        return None


def resident_search(  # noqa: C901
    user: Any,
    *,
    q: str = "",
    id_number: str = "",
    phone: str = "",
    address: str = "",
    tag: str = "",
    area_code: str = "",
    household: int | None = None,
    status: str = ResidentStatus.LIVING,
) -> QuerySet[Resident]:
    """Residents in scope matching every given criterion.

    `q` is a name fragment, or a whole ID number or phone (then found by blind index).
    `id_number`: a whole number (blind index), a masked one as shown (``330103********1234``),
    or its last 4 characters. `phone`: a whole number or its last 4 digits.
    """
    qs = residents(user)
    q, id_number, phone = q.strip(), id_number.strip().upper(), phone.strip()
    if q:
        if number := _looks_like_id(q):
            id_number = number
        elif number := _looks_like_phone(q):
            phone = number
        else:
            qs = qs.filter(name__contains=q)
    if id_number:
        if number := _looks_like_id(id_number):
            qs = qs.filter(id_number_index__in=pii.id_indexes(IdType.ID_CARD, number))
        elif "*" in id_number:
            qs = qs.filter(id_number_masked=id_number)
        elif re.fullmatch(r"[0-9X]{4}", id_number):
            qs = qs.filter(id_number_masked__endswith=id_number)
        else:
            # Another document type: exact only.
            indexes = [i for t in IdType.values for i in pii.id_indexes(t, id_number)]
            qs = qs.filter(id_number_index__in=indexes)
    if phone:
        if number := _looks_like_phone(phone):
            qs = qs.filter(phone_index__in=pii.phone_indexes(number))
        elif re.fullmatch(r"\d{4}", phone):
            qs = qs.filter(phone_masked__endswith=phone)
        else:
            qs = qs.none()
    if address:
        qs = qs.filter(household__address__contains=address)
    if tag:
        kind = TagKind.objects.filter(code=tag, pk__in=access.visible_kind_ids(user)).first()
        if kind is None:
            raise DomainError.one(_("Unknown group."), field="tag", code="not_found", status=404)
        day = timezone.localdate()
        qs = qs.filter(
            pk__in=ResidentTag.objects.filter(kind=kind, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
            .values("resident_id")
        )
    if area_code:
        qs = qs.filter(area__in=subtree_ids(area_code))
    if household is not None:
        qs = qs.filter(household_id=household)
    if status:
        qs = qs.filter(status=status)
    return qs


def for_listing(qs: QuerySet[Resident], user: Any) -> QuerySet[Resident]:
    """A constant number of queries per page: household and area joined (without the area's
    geometry, which would make every row kilobytes wide), tags prefetched."""
    return (
        without_geometry(qs.select_related("household", "area"))
        .prefetch_related(current_tags_prefetch(user))
        .order_by("id")
    )


MAX_PAGE = 100_000


def page(qs: QuerySet[M], number: int, size: int) -> tuple[list[M], bool]:
    """An offset page; returns the rows and whether a next page exists.

    The page's keys come first from a narrow query (the database sorts ids, not whole joined
    rows: at offset 20,000 that is the difference between an index scan and a sort spilling
    to disk), then the rows of those keys with the queryset's joins and prefetches.
    """
    size = max(1, min(size, 200))
    number = max(1, min(number, MAX_PAGE))  # a huge OFFSET is a database error, not a page
    keys = list(qs.values_list("pk", flat=True)[(number - 1) * size : number * size + 1])
    rows = list(qs.filter(pk__in=keys[:size])) if keys else []
    return rows, len(keys) > size


# ---- places ---------------------------------------------------------------------------------


def buildings(user: Any, *, q: str = "", area_code: str = "") -> QuerySet[Building]:
    qs = scoped(Building, user).annotate(house_count=Count("houses"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__contains=q) | Q(address__contains=q))
    if area_code:
        qs = qs.filter(area__in=subtree_ids(area_code))
    return qs.order_by("code")


def building_get(user: Any, pk: Any) -> Building:
    return get_in(without_geometry(scoped(Building, user, "area").select_related("area")), pk)


def building_houses(building: Building) -> QuerySet[House]:
    return building.houses.annotate(
        household_count=Count("households", filter=Q(households__dissolved_on__isnull=True))
    ).order_by("unit", "number", "code")


def house_get(user: Any, pk: Any) -> House:
    return get_scoped(House, user, pk)


def house_households(house: House) -> QuerySet[Household]:
    return without_geometry(
        house.households.filter(dissolved_on__isnull=True)
        .annotate(member_count=Count("members"))
        .select_related("area")
        .order_by("code")
    )


def household_get(user: Any, pk: Any) -> Household:
    return get_scoped(Household, user, pk)


def household_members(household: Household, user: Any) -> list[Resident]:
    return list(
        without_geometry(household.members.select_related("area"))
        .prefetch_related(current_tags_prefetch(user))
        .order_by("id")
    )


def household_record(user: Any, pk: Any) -> dict[str, Any]:
    """一户一档: the household, its house and building, members with their groups, former
    members, and what is around it in the same micro-grid (facilities, hazards,
    organisations in the building) — the "四必清"."""
    get_scoped(Household, user, pk)  # 404 first
    household = without_geometry(Household.objects.select_related("house__building", "area")).get(
        pk=pk
    )
    members = household_members(household, user)
    former = list(
        Residence.objects.filter(household=household, ended_on__isnull=False)
        .select_related("resident")
        .order_by("-ended_on")
    )
    house = household.house
    return {
        "household": household,
        "house": house,
        "building": house.building,
        "members": members,
        "former": former,
        "organizations": list(
            Organization.objects.filter(building=house.building) if house.building else []
        ),
        "facilities": list(Facility.objects.filter(area=household.area)[:100]),
        "hazards": list(
            HazardPoint.objects.filter(area=household.area, resolved_on__isnull=True)[:100]
        ),
    }


# ---- organisations, party, things -----------------------------------------------------------


def organizations(user: Any, *, q: str = "", kind: str = "") -> QuerySet[Organization]:
    qs = scoped(Organization, user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(licence_number=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def party_branches(user: Any) -> QuerySet[PartyBranch]:
    return scoped(PartyBranch, user).annotate(member_count=Count("members")).order_by("name")


def party_members(user: Any, branch: int | None = None) -> QuerySet[PartyMember]:
    qs = without_geometry(
        scoped(PartyMember, user, "branch__area").select_related("branch", "report_area")
    )
    if branch is not None:
        qs = qs.filter(branch_id=branch)
    return qs.order_by("branch", "name")


def report_in_check(user: Any, year: int, minimum: int = 2) -> list[dict[str, Any]]:
    """In-service members and their report-ins in `year`; `ok` when at least `minimum`."""
    members = (
        party_members(user)
        .filter(kind=PartyMember.Kind.IN_SERVICE, left_on__isnull=True)
        .annotate(
            count=Count("report_ins", filter=Q(report_ins__reported_on__year=year), distinct=True)
        )
    )
    return [{"member": m, "count": m.count, "ok": m.count >= minimum} for m in members]


def report_in_below(user: Any, year: int, minimum: int = 2) -> list[dict[str, Any]]:
    """The in-service members in scope with fewer than `minimum` report-ins in `year`, fewest
    first, each with the date of their last report-in (any year)."""
    members = (
        party_members(user)
        .filter(kind=PartyMember.Kind.IN_SERVICE, left_on__isnull=True)
        .annotate(
            count=Count("report_ins", filter=Q(report_ins__reported_on__year=year), distinct=True),
            last=Max("report_ins__reported_on"),
        )
        .filter(count__lt=minimum)
        .order_by("count", "branch__name", "name")
    )
    return [
        {"member": m, "count": m.count, "last": m.last, "missing": minimum - m.count}
        for m in members
    ]


def hazards(user: Any, *, kind: str = "", open_only: bool = True) -> QuerySet[HazardPoint]:
    qs = scoped(HazardPoint, user)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(resolved_on__isnull=True)
    return qs.order_by("name")


def facilities(user: Any, *, kind: str = "", due: bool = False) -> QuerySet[Facility]:
    qs = scoped(Facility, user)
    if kind:
        qs = qs.filter(kind=kind)
    items = qs.order_by("code")
    if due:
        today = timezone.localdate()
        due_ids = [
            f.pk
            for f in items.only("pk", "last_inspected_on", "inspection_cycle_days")
            if f.next_inspection_on is None or f.next_inspection_on <= today
        ]
        items = items.filter(pk__in=due_ids)
    return items
