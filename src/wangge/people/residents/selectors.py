"""Scoped reads of residents and households. Every query of people, places and organisations
goes through the user's scope; a record outside it is "not found" (404), whatever the endpoint."""

import datetime as dt
import re
from typing import Any

from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.actors import Actor
from wangge.errors import DomainError
from wangge.people import access, pii
from wangge.people.identity import InvalidValue, mask_id, mask_phone, parse_id_number, parse_phone
from wangge.people.models import (
    Facility,
    HazardPoint,
    House,
    Household,
    IdType,
    Organization,
    Residence,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagKind,
)
from wangge.people.scoping import get_scoped, scoped, subtree_ids
from wangge.regions.lean import without_geometry
from wangge.regions.models import Area


def current_tags_prefetch(user: Actor, day: dt.date | None = None) -> "Prefetch[Any]":
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


def residents(user: Actor) -> QuerySet[Resident]:
    return scoped(Resident, user)


def resident_get(user: Actor, pk: Any) -> Resident:
    return get_scoped(Resident, user, pk)


def resident_detail(user: Actor, pk: Any) -> Resident:
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
    user: Actor,
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


def population(user: Actor, area: Area) -> dict[str, int]:
    """How many residents live, and how many households (not dissolved) are, in the area's
    subtree, of those the user may see: two COUNTs in one statement, no row read (each an
    index range of its area column per micro-grid)."""
    under = Area.objects.subtree(area).values("pk")

    def counted(qs: QuerySet[Any]) -> Subquery:
        one = qs.filter(area__in=under).order_by().values(_one=Value(1))
        return Subquery(one.annotate(n=Count("pk")).values("n"), output_field=IntegerField())

    living = scoped(Resident, user).filter(status=ResidentStatus.LIVING)
    present = scoped(Household, user).filter(dissolved_on__isnull=True)
    row = (
        Area.objects.filter(pk=area.pk)
        .order_by()
        .values(
            residents=Coalesce(counted(living), 0),
            households=Coalesce(counted(present), 0),
        )
        .first()
    )
    return (
        {"residents": int(row["residents"]), "households": int(row["households"])}
        if row
        else {
            "residents": 0,
            "households": 0,
        }
    )


def for_listing(qs: QuerySet[Resident], user: Actor) -> QuerySet[Resident]:
    """A constant number of queries per page: household and area joined (without the area's
    geometry, which would make every row kilobytes wide), tags prefetched."""
    return (
        without_geometry(qs.select_related("household", "area"))
        .prefetch_related(current_tags_prefetch(user))
        .order_by("id")
    )


# ---- places ---------------------------------------------------------------------------------


def house_households(house: House) -> QuerySet[Household]:
    return without_geometry(
        house.households.filter(dissolved_on__isnull=True)
        .annotate(member_count=Count("members"))
        .select_related("area")
        .order_by("code")
    )


def household_get(user: Actor, pk: Any) -> Household:
    return get_scoped(Household, user, pk)


def household_members(household: Household, user: Actor) -> list[Resident]:
    return list(
        without_geometry(household.members.select_related("area"))
        .prefetch_related(current_tags_prefetch(user))
        .order_by("id")
    )


def household_record(user: Actor, pk: Any) -> dict[str, Any]:
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


def tag_get(user: Actor, pk: Any) -> ResidentTag:
    """A tag of a resident in scope, of a kind the user may see; otherwise 404."""
    tag = get_scoped(ResidentTag, user, pk, "resident__area")
    if tag.kind_id not in access.visible_kind_ids(user):
        raise DomainError.one(_("Not found."), code="not_found", status=404)
    return tag


def masked_echo(value: str) -> str:
    """A search criterion as it may be shown back: a whole ID number or phone masked."""
    for parse, mask in ((lambda v: parse_id_number(v).number, mask_id), (parse_phone, mask_phone)):
        try:
            return mask(parse(value))
        except InvalidValue:
            continue
    return value
