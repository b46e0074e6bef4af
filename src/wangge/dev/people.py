"""A plausible synthetic population for the demo district (deterministic for a seed).

Per micro-grid: 50–80 households in a few residential buildings (6 floors × 2 units × 2
rooms), some vacant houses and a shop or two; household shapes like an urban community (single
elderly, elderly couples, young singles and couples, families, three generations), so about
12 % of residents are 60+ living alone or in an empty nest; ~1.5 % of households on 低保/特困,
a few disabled people and veterans, and very rarely a 重点人员. Per grid: a party branch with
members and their report-ins, an organisation or two per micro-grid, hazard points, and
facilities.

ID numbers are fake but valid in form: the region code is 339901–339909 (no such county
exists: Zhejiang has no prefecture 99), then a real birth date, a sequence whose last digit
gives the sex, and the right GB 11643 check digit. Phones are random mobile numbers.

Rows are written with `bulk_create`, sealed with the same key ring the services use (encrypted,
blind-indexed and masked exactly as `pii.seal_*` would), and one audit entry records the build.
"""

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext

from wangge.accounts import audit
from wangge.accounts.actors import SYSTEM
from wangge.accounts.models import Role
from wangge.dev.districts import GRID_LEVEL, MICROGRID_HOUSEHOLDS, _person_name
from wangge.people import crypto, pii
from wangge.people.identity import check_digit, mask_id, mask_phone
from wangge.people.models import (
    Building,
    Facility,
    HazardPoint,
    House,
    Household,
    HouseUse,
    Organization,
    OrganizationKind,
    PartyBranch,
    PartyMember,
    PartyReportIn,
    Relation,
    Residence,
    ResidenceType,
    Resident,
    ResidentTag,
    TagGrant,
    TagKind,
)
from wangge.regions.models import Area

BATCH = 2000
FAKE_REGIONS = [f"33990{i}" for i in range(1, 10)]
ROOMS_PER_BUILDING = 24  # 6 floors × 2 units × 2 rooms
TODAY = dt.date(2026, 6, 1)  # a fixed "today" keeps ages (and so the tags) deterministic

# Household shapes and their shares: (name, share).
SHAPES = [
    ("single_elderly", 0.12),
    ("elderly_couple", 0.13),
    ("single_young", 0.10),
    ("young_couple", 0.13),
    ("family", 0.38),
    ("three_generations", 0.14),
]
_ETHNICITIES = ["汉族"] * 97 + ["回族", "满族", "土家族"]


@dataclass
class DemoPeople:
    buildings: int = 0
    houses: int = 0
    households: int = 0
    residents: int = 0
    tags: int = 0
    organizations: int = 0
    branches: int = 0
    members: int = 0
    hazards: int = 0
    facilities: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Person:
    name: str
    sex: str
    birth: dt.date
    relation: str
    tags: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class _Ids:
    """Unique fake ID numbers: a sequence per (region, birth date), sex in its parity."""

    def __init__(self) -> None:
        self.used: dict[tuple[int, dt.date, str], int] = {}

    def make(self, birth: dt.date, sex: str, rng: np.random.Generator) -> str:
        region = int(rng.integers(len(FAKE_REGIONS)))
        while True:
            n = self.used.get((region, birth, sex), 0)
            if n < 500:
                break
            region = (region + 1) % len(FAKE_REGIONS)
        self.used[(region, birth, sex)] = n + 1
        seq = 2 * n + (1 if sex == "M" else 0)
        first17 = f"{FAKE_REGIONS[region]}{birth:%Y%m%d}{seq:03d}"
        return first17 + check_digit(first17)


def _birth(rng: np.random.Generator, low: int, high: int) -> dt.date:
    """A birth date for an age in [low, high] on TODAY."""
    days = int(rng.integers(low * 365 + 1, high * 365 + 364))
    return TODAY - dt.timedelta(days=days)


def _phone(rng: np.random.Generator) -> str:
    prefix = str(rng.choice(["138", "139", "158", "159", "186", "187", "135", "177"]))
    return prefix + f"{int(rng.integers(0, 10**8)):08d}"


def _age(birth: dt.date) -> int:
    return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))


def _household_people(rng: np.random.Generator, shape: str) -> list[_Person]:
    surname_of = _person_name(rng)[0]

    def person(sex: str, low: int, high: int, relation: str, same_name: bool = True) -> _Person:
        name = _person_name(rng)
        if same_name:
            name = surname_of + name[1:]
        return _Person(name, sex, _birth(rng, low, high), relation)

    head_sex = "M" if rng.random() < 0.6 else "F"
    other = "F" if head_sex == "M" else "M"
    people: list[_Person] = []
    if shape == "single_elderly":
        people = [person(head_sex if rng.random() < 0.4 else "F", 65, 92, Relation.HEAD)]
        people[0].tags.append(("living_alone", {}))
    elif shape == "elderly_couple":
        people = [
            person(head_sex, 60, 88, Relation.HEAD),
            person(other, 60, 86, Relation.SPOUSE, False),
        ]
        for p in people:
            p.tags.append(("empty_nest", {}))
    elif shape == "single_young":
        people = [person(head_sex, 20, 40, Relation.HEAD)]
    elif shape == "young_couple":
        people = [
            person(head_sex, 24, 40, Relation.HEAD),
            person(other, 23, 40, Relation.SPOUSE, False),
        ]
    else:
        people = [
            person(head_sex, 30, 50, Relation.HEAD),
            person(other, 28, 50, Relation.SPOUSE, False),
        ]
        for _ in range(1 if rng.random() < 0.6 else 2):
            people.append(person(str(rng.choice(["M", "F"])), 0, 22, Relation.CHILD))
        if shape == "three_generations":
            for sex in ["M", "F"][: int(rng.integers(1, 3))]:
                people.append(person(sex, 60, 90, Relation.PARENT, sex == "M"))
    return people


def _special_tags(rng: np.random.Generator, people: list[_Person], poor: bool) -> None:
    if poor:
        people[0].tags.append(("subsistence", {"kind": "低保" if rng.random() < 0.9 else "特困"}))
    for p in people:
        age = _age(p.birth)
        if rng.random() < 0.02:
            p.tags.append(
                (
                    "disabled",
                    {
                        "category": str(rng.choice(["视力", "听力", "肢体", "智力", "精神"])),
                        "grade": str(rng.choice(["一级", "二级", "三级", "四级"])),
                    },
                )
            )
        if p.sex == "M" and age >= 40 and rng.random() < 0.03:
            p.tags.append(("veteran", {}))
        if 25 <= age < 55 and rng.random() < 0.01:
            p.tags.append(("unemployed", {}))
        if 18 <= age < 60 and rng.random() < 0.002:
            kind = str(
                rng.choice(["community_correction", "released_prisoner", "severe_mental_disorder"])
            )
            data: dict[str, Any] = (
                {"risk_level": int(rng.integers(0, 3))} if kind == "severe_mental_disorder" else {}
            )
            p.tags.append((kind, data))


def _near(rng: np.random.Generator, area: Area, spread: float = 0.0004) -> tuple[float, float]:
    lon, lat = area.centroid_lon or 0.0, area.centroid_lat or 0.0
    dx, dy = rng.uniform(-spread, spread, 2)
    return round(lon + float(dx), 6), round(lat + float(dy), 6)


def _stable_rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng(
        int.from_bytes(hashlib.sha256(f"{seed}:{code}".encode()).digest()[:8], "big")
    )


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


def _plan_micro(
    micro: Area,
    rng: np.random.Generator,
    buildings: list[Building],
    houses: list[tuple[House, int]],
    plans: list[tuple[int, list[_Person]]],
) -> None:
    low, high = MICROGRID_HOUSEHOLDS
    n = int(rng.integers(low, high + 1))
    shops = int(rng.integers(0, 3))
    rooms = int(n * 1.08) + shops  # ~8 % of dwellings stand empty
    residential: list[int] = []
    for b in range(1, -(-rooms // ROOMS_PER_BUILDING) + 1):
        lon, lat = _near(rng, micro)
        code = f"{micro.code}-{b:02d}"
        address = f"{micro.name}{b}幢"
        buildings.append(
            Building(
                code=code, name=address, address=address, floors=6, lon=lon, lat=lat, area=micro
            )
        )
        for floor in range(1, 7):
            for unit in (1, 2):
                for room in (1, 2):
                    if rooms <= 0:
                        continue
                    rooms -= 1
                    number = f"{floor}0{room}"
                    use = HouseUse.RESIDENTIAL
                    if floor == 1 and unit == 1 and shops > 0:
                        use, shops = HouseUse.SHOP, shops - 1
                    houses.append(
                        (
                            House(
                                code=f"{code}-{unit}-{number}",
                                unit=str(unit),
                                number=number,
                                use=use,
                                address=f"{address}{unit}单元{number}室",
                                floor_area_m2=float(rng.integers(45, 140)),
                                lon=lon,
                                lat=lat,
                                area=micro,
                            ),
                            len(buildings) - 1,
                        )
                    )
                    if use == HouseUse.RESIDENTIAL:
                        residential.append(len(houses) - 1)
    shares = np.array([s for _n, s in SHAPES])
    shares = shares / shares.sum()
    for k, hi in enumerate(residential):
        if k >= n:
            houses[hi][0].use = HouseUse.VACANT
            continue
        shape = SHAPES[int(rng.choice(len(SHAPES), p=shares))][0]
        people = _household_people(rng, shape)
        _special_tags(rng, people, poor=rng.random() < 0.015)
        plans.append((hi, people))


@transaction.atomic
def build(*, seed: int = 330103, everywhere: bool = True) -> DemoPeople:
    """Fill the live micro-grids — every one, or (everywhere=False) the first street's, which
    keeps `wangge demo` quick — with people, places and organisations; give the demo's
    accounts the rights to see them (the operator reveals, an auditor reads the log)."""
    result = DemoPeople()
    micro_grids = Area.objects.live().filter(level=GRID_LEVEL + 1).defer("geometry")
    if not everywhere:
        street = Area.objects.live().filter(level=2).order_by("path").first()
        if street is not None:
            micro_grids = micro_grids.filter(path__startswith=street.path)
    micros = list(micro_grids.order_by("path"))
    buildings: list[Building] = []
    houses: list[tuple[House, int]] = []
    plans: list[tuple[int, list[_Person]]] = []
    for micro in micros:
        _plan_micro(micro, _stable_rng(seed, micro.code), buildings, houses, plans)
    _write(result, buildings, houses, plans, seed)
    _organisations(result, micros, seed)
    _accounts(result)
    audit.record(
        SYSTEM,
        "import",
        "demo",
        "",
        label="demo population",
        detail={"residents": result.residents, "households": result.households},
    )
    return result


def _with_ids(model: Any, objs: list[Any]) -> list[Any]:
    created: list[Any] = []
    for chunk in _batches(objs):
        created += model.objects.bulk_create(chunk)
    return created


def _write(
    result: DemoPeople,
    buildings: list[Building],
    houses: list[tuple[House, int]],
    plans: list[tuple[int, list[_Person]]],
    seed: int,
) -> None:
    ring = crypto.get_ring()
    rng = np.random.default_rng(seed)
    ids = _Ids()
    kinds = {k.code: k.pk for k in TagKind.objects.all()}
    _with_ids(Building, buildings)
    for house, bi in houses:
        house.building_id = buildings[bi].pk
    _with_ids(House, [h for h, _bi in houses])
    households = []
    for k, (hi, _people) in enumerate(plans, 1):
        house = houses[hi][0]
        households.append(
            Household(
                code=f"HH{house.area.code[-9:]}{k:07d}",
                house_id=house.pk,
                address=house.address,
                lon=house.lon,
                lat=house.lat,
                area=house.area,
            )
        )
    _with_ids(Household, households)
    residents: list[Resident] = []
    tags: list[tuple[int, str, dict[str, Any]]] = []
    for household, (hi, people) in zip(households, plans, strict=True):
        floating = houses[hi][0].use == HouseUse.RESIDENTIAL and rng.random() < 0.16
        for p in people:
            number = ids.make(p.birth, p.sex, rng)
            phone = _phone(rng) if _age(p.birth) >= 12 and rng.random() < 0.97 else ""
            r = Resident(
                name=p.name,
                sex=p.sex,
                birth_date=p.birth,
                ethnicity=str(rng.choice(_ETHNICITIES)),
                residence_type=ResidenceType.FLOATING if floating else ResidenceType.REGISTERED,
                household_id=household.pk,
                relation=p.relation,
                area=household.area,
                moved_in_on=TODAY - dt.timedelta(days=int(rng.integers(30, 20 * 365))),
                id_number_enc=ring.encrypt(number, pii.ID_CONTEXT),
                id_number_index=ring.blind_index(pii.id_key("id_card", number), pii.ID_CONTEXT),
                id_number_masked=mask_id(number),
            )
            if phone:
                r.phone_enc = ring.encrypt(phone, pii.PHONE_CONTEXT)
                r.phone_index = ring.blind_index(phone, pii.PHONE_CONTEXT)
                r.phone_masked = mask_phone(phone)
            residents.append(r)
            tags += [(len(residents) - 1, code, data) for code, data in p.tags]
    _with_ids(Resident, residents)
    for chunk in _batches(residents):
        Residence.objects.bulk_create(
            [
                Residence(
                    resident_id=r.pk,
                    household_id=r.household_id,
                    area_id=r.area_id,
                    relation=r.relation,
                    residence_type=r.residence_type,
                    started_on=r.moved_in_on,
                )
                for r in chunk
            ]
        )
    since = TODAY - dt.timedelta(days=400)
    ResidentTag.objects.bulk_create(
        [
            ResidentTag(
                resident_id=residents[i].pk, kind_id=kinds[code], data=data, valid_from=since
            )
            for i, code, data in tags
        ],
        batch_size=BATCH,
    )
    result.buildings, result.houses = len(buildings), len(houses)
    result.households, result.residents, result.tags = len(households), len(residents), len(tags)


_ORG_NAMES = ["便利店", "小吃店", "理发店", "药房", "幼儿园", "物业服务中心", "养老服务站", "超市"]
_ORG_KINDS = {
    "幼儿园": OrganizationKind.SCHOOL,
    "物业服务中心": OrganizationKind.ENTERPRISE,
    "养老服务站": OrganizationKind.SOCIAL,
}


def _sealed_phone(rng: np.random.Generator) -> dict[str, str]:
    enc, index, masked = pii.seal_phone(_phone(rng))
    return {"enc": enc, "index": index, "masked": masked}


def _organisations(result: DemoPeople, micros: list[Area], seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    orgs: list[Organization] = []
    facilities: list[Facility] = []
    hazards: list[HazardPoint] = []
    by_grid: dict[int, list[Area]] = {}
    for micro in micros:
        by_grid.setdefault(micro.parent_id or 0, []).append(micro)
        for _ in range(int(rng.integers(1, 3))):
            name = str(rng.choice(_ORG_NAMES))
            lon, lat = _near(rng, micro)
            phone = _sealed_phone(rng)
            orgs.append(
                Organization(
                    name=f"{micro.name}{name}{len(orgs) + 1}",
                    kind=_ORG_KINDS.get(name, OrganizationKind.SHOP),
                    licence_number=f"92339900MA{len(orgs) + 1:08d}",
                    contact_name=_person_name(rng),
                    contact_phone_enc=phone["enc"],
                    contact_phone_index=phone["index"],
                    contact_phone_masked=phone["masked"],
                    employees=int(rng.integers(2, 30)),
                    lon=lon,
                    lat=lat,
                    area=micro,
                )
            )
        for j in range(int(rng.integers(2, 6))):
            kind = str(rng.choice(["manhole", "street_lamp", "hydrant", "camera", "bin"]))
            lon, lat = _near(rng, micro)
            facilities.append(
                Facility(
                    code=f"F{micro.code}-{j + 1}",
                    kind=kind,
                    name="",
                    inspection_cycle_days=30,
                    last_inspected_on=TODAY - dt.timedelta(days=int(rng.integers(0, 60))),
                    lon=lon,
                    lat=lat,
                    area=micro,
                )
            )
        if rng.random() < 0.3:
            kind = str(rng.choice(["fire", "dangerous_building", "waterway", "road", "well"]))
            lon, lat = _near(rng, micro)
            hazards.append(
                HazardPoint(
                    name=f"{micro.name}{HazardPoint.Kind(kind).label}隐患",
                    kind=kind,
                    level=str(rng.choice(["low", "medium", "high"], p=[0.6, 0.3, 0.1])),
                    responsible=_person_name(rng),
                    last_checked_on=TODAY - dt.timedelta(days=int(rng.integers(0, 40))),
                    lon=lon,
                    lat=lat,
                    area=micro,
                )
            )
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    Facility.objects.bulk_create(facilities, batch_size=BATCH)
    HazardPoint.objects.bulk_create(hazards, batch_size=BATCH)
    grids = {a.pk: a for a in Area.objects.filter(pk__in=list(by_grid)).defer("geometry")}
    branches = _with_ids(
        PartyBranch,
        [
            PartyBranch(
                name=f"{grids[code].name}党支部", area=grids[code], secretary=_person_name(rng)
            )
            for code in sorted(by_grid)
            if code in grids
        ],
    )
    members = []
    for branch in branches:
        for _ in range(int(rng.integers(5, 16))):
            phone = _sealed_phone(rng)
            in_service = rng.random() < 0.6
            members.append(
                PartyMember(
                    name=_person_name(rng),
                    branch=branch,
                    kind=PartyMember.Kind.IN_SERVICE if in_service else PartyMember.Kind.RETIRED,
                    phone_enc=phone["enc"],
                    phone_index=phone["index"],
                    phone_masked=phone["masked"],
                    report_area=by_grid[branch.area_id][
                        int(rng.integers(len(by_grid[branch.area_id])))
                    ]
                    if in_service
                    else None,
                    joined_on=TODAY - dt.timedelta(days=int(rng.integers(365, 30 * 365))),
                )
            )
    _with_ids(PartyMember, members)
    PartyReportIn.objects.bulk_create(
        [
            PartyReportIn(
                member=m,
                area=m.report_area,
                reported_on=dt.date(TODAY.year, int(rng.integers(1, TODAY.month + 1)), 1),
                activity=str(rng.choice(["环境整治", "政策宣传", "走访慰问", "平安巡逻"])),
            )
            for m in members
            if m.report_area is not None
            for _ in range(int(rng.integers(0, 4)))
        ],
        batch_size=BATCH,
    )
    result.organizations, result.facilities, result.hazards = (
        len(orgs),
        len(facilities),
        len(hazards),
    )
    result.branches, result.members = len(branches), len(members)


def _accounts(result: DemoPeople) -> None:
    """The district operator may reveal and sees every sensitive group; a demo auditor (with
    the operator's password) reads the audit log."""
    user_model = get_user_model()
    operator = user_model.objects.filter(posts__role=Role.OPERATOR).order_by("username").first()
    if operator is None:
        return
    operator.user_permissions.add(Permission.objects.get(codename="reveal_resident"))
    TagGrant.objects.bulk_create(
        [TagGrant(user=operator, kind=k) for k in TagKind.objects.filter(sensitive=True)]
    )
    auditor, _created = user_model.objects.get_or_create(
        username="demo-auditor", defaults={"first_name": "审计员", "password": operator.password}
    )
    auditor.groups.add(Group.objects.get(name=audit_group()))
    result.accounts = [
        (
            operator.username,
            operator.first_name,
            gettext("reveals ID numbers and phones; sensitive groups"),
        ),
        (auditor.username, auditor.first_name, gettext("reads the audit log")),
    ]


def audit_group() -> str:
    from wangge.people.access import AUDITOR_GROUP

    return AUDITOR_GROUP


def reset() -> None:
    """Remove the demo population (the audit log stays: it is append-only)."""
    for model in (
        PartyReportIn,
        PartyMember,
        PartyBranch,
        ResidentTag,
        Residence,
        Resident,
        Household,
        Organization,
        House,
        Building,
        Facility,
        HazardPoint,
    ):
        model.objects.all().delete()
