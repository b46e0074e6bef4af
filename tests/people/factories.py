"""A small population for the people tests: two grids (A and B), one household in each."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group

from tests.factories import make_tree, make_user, post
from wangge.accounts.actors import SYSTEM
from wangge.people.models import Household, Resident
from wangge.people.places import services as place_services
from wangge.people.residents import services
from wangge.regions import spatial_index
from wangge.regions.models import Area

MICRO_A = "330103001001001001"
MICRO_B = "330103002001001001"
# Real-format numbers with valid check digits (GB 11643 examples and made-up ones).
ID_A = "11010519491231002X"
ID_B = "440524188001010014"
PHONE_A = "13812345678"
PHONE_B = "13987654321"


def centre(area: Area) -> tuple[float, float]:
    assert area.centroid_lon is not None and area.centroid_lat is not None
    return area.centroid_lon, area.centroid_lat


def household_at(area: Area, code: str) -> Household:
    lon, lat = centre(area)
    building = place_services.building_save(
        actor=SYSTEM, code=f"B-{code}", name=f"{code}幢", address=f"{code}路1号", lon=lon, lat=lat
    )
    house = place_services.house_save(
        actor=SYSTEM, code=f"H-{code}", building=building, unit="1", number="101"
    )
    return services.household_save(actor=SYSTEM, code=code, house=house)


@dataclass
class People:
    areas: dict[str, Area]
    micro_a: Area
    micro_b: Area
    worker_a: Any
    worker_b: Any
    liaison_a: Any
    auditor: Any
    admin: Any
    household_a: Household
    household_b: Household
    resident_a: Resident
    resident_b: Resident


def make_people() -> People:
    spatial_index.invalidate()  # ids of areas from an earlier (rolled-back) test differ
    areas = make_tree()
    micro_a, micro_b = areas[MICRO_A], areas[MICRO_B]
    worker_a, worker_b, liaison_a = make_user("worker_a"), make_user("worker_b"), make_user("lia")
    post(worker_a, areas[MICRO_A[:15]], role="full_time")
    post(worker_b, areas[MICRO_B[:15]], role="full_time")
    post(liaison_a, micro_a, role="liaison")
    auditor = make_user("auditor")
    auditor.groups.add(Group.objects.get(name="auditor"))
    household_a = household_at(micro_a, "HA")
    household_b = household_at(micro_b, "HB")
    resident_a = services.resident_create(
        actor=SYSTEM,
        name="张三",
        id_number=ID_A,
        phone=PHONE_A,
        household=household_a,
        relation="head",
    )
    resident_b = services.resident_create(
        actor=SYSTEM,
        name="李四",
        id_number=ID_B,
        phone=PHONE_B,
        household=household_b,
        relation="head",
    )
    return People(
        areas=areas,
        micro_a=micro_a,
        micro_b=micro_b,
        worker_a=worker_a,
        worker_b=worker_b,
        liaison_a=liaison_a,
        auditor=auditor,
        admin=make_user("admin", is_superuser=True),
        household_a=household_a,
        household_b=household_b,
        resident_a=resident_a,
        resident_b=resident_b,
    )
