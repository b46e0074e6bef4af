"""A small world for the visit and must-attend tests: two grids (A with two micro-grids, B),
a full-time worker per grid, a liaison in micro-grid A1, households placed by helpers."""

import datetime as dt
from dataclasses import dataclass
from itertools import count
from typing import Any

from django.test import Client

from tests.factories import make_tree, make_user, post
from tests.people.factories import household_at
from wangge.accounts.actors import SYSTEM
from wangge.fieldwork.models import VisitTask
from wangge.fieldwork.visits import schedule
from wangge.people.identity import check_digit
from wangge.people.models import Household, Resident, ResidentTag, TagKind
from wangge.people.residents import services as people
from wangge.regions import spatial_index
from wangge.regions.models import Area

GRID_A = "330103001001001"
MICRO_A1 = GRID_A + "001"
MICRO_A2 = GRID_A + "002"
GRID_B = "330103002001001"
MICRO_B1 = GRID_B + "001"
_serial = count(1)


def id_number() -> str:
    n = next(_serial)
    body = f"330103{dt.date(1950, 1, 1) + dt.timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return body + check_digit(body)


@dataclass
class World:
    areas: dict[str, Area]
    micro_a1: Area
    micro_a2: Area
    micro_b1: Area
    worker_a: Any  # full-time at grid A
    liaison_a1: Any  # liaison at micro-grid A1
    worker_b: Any  # full-time at grid B
    operator: Any  # centre operator at the district
    admin: Any


def make_world() -> World:
    spatial_index.invalidate()
    areas = make_tree()
    worker_a, liaison_a1, worker_b = (
        make_user("worker_a"),
        make_user("liaison_a1"),
        make_user("worker_b"),
    )
    post(worker_a, areas[GRID_A], role="full_time")
    post(liaison_a1, areas[MICRO_A1], role="liaison")
    post(worker_b, areas[GRID_B], role="full_time")
    operator = make_user("operator")
    post(operator, areas["330103"], role="operator")
    return World(
        areas=areas,
        micro_a1=areas[MICRO_A1],
        micro_a2=areas[MICRO_A2],
        micro_b1=areas[MICRO_B1],
        worker_a=worker_a,
        liaison_a1=liaison_a1,
        worker_b=worker_b,
        operator=operator,
        admin=make_user("admin", is_superuser=True),
    )


def household(area: Area, code: str | None = None) -> Household:
    return household_at(area, code or f"HH{next(_serial)}")


def member(hh: Household, residence_type: str = "registered", name: str = "王五") -> Resident:
    return people.resident_create(
        actor=SYSTEM, name=name, id_number=id_number(), household=hh, residence_type=residence_type
    )


def tag(resident: Resident, kind: str, since: dt.date | None = None, **data: Any) -> ResidentTag:
    defaults = {"disabled": {"category": "肢体", "grade": "二级"}, "subsistence": {"kind": "低保"}}
    return people.tag_add(
        actor=SYSTEM,
        resident=resident,
        kind=TagKind.objects.get(code=kind),
        data=data or defaults.get(kind, {}),
        valid_from=since or dt.date(2020, 1, 1),
    )


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def world_with_tasks():
    w = make_world()
    a = household(w.micro_a1)
    tag(member(a), "living_alone")
    b = household(w.micro_b1)
    member(b)
    schedule.generate()  # today's periods
    return w, VisitTask.objects.get(household=a), VisitTask.objects.get(household=b)


def full_answers(**over):
    answers = {
        "family": "无变化",
        "groups": ["无变化"],
        "facilities": True,
        "hazards": False,
        "disputes": False,
    }
    answers.update(over)
    return answers
