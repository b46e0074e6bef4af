"""A small world for the patrol tests: the people world (grids A and B, their workers), a
hazard point and a facility in each of the two micro-grids."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.people.factories import People, centre, make_people
from wangge.accounts.actors import SYSTEM
from wangge.people.models import Facility, HazardPoint
from wangge.people.places import services as place_services


@dataclass
class PatrolWorld:
    people: People
    hazard_a: HazardPoint
    hazard_b: HazardPoint
    facility_a: Facility
    facility_b: Facility

    @property
    def worker_a(self) -> Any:
        return self.people.worker_a

    @property
    def worker_b(self) -> Any:
        return self.people.worker_b


def make_patrol_world() -> PatrolWorld:
    people = make_people()
    lon_a, lat_a = centre(people.micro_a)
    lon_b, lat_b = centre(people.micro_b)
    today = timezone.localdate()
    hazard_a = place_services.hazard_save(
        actor=SYSTEM, name="河道A", kind="waterway", lon=lon_a, lat=lat_a, check_cycle_days=7
    )
    hazard_b = place_services.hazard_save(
        actor=SYSTEM, name="河道B", kind="waterway", lon=lon_b, lat=lat_b, check_cycle_days=7
    )
    facility_a = place_services.facility_save(
        actor=SYSTEM,
        code="F-A",
        kind="manhole",
        name="井盖A",
        lon=lon_a + 0.001,
        lat=lat_a,
        inspection_cycle_days=30,
        last_inspected_on=today - dt.timedelta(days=10),  # due in 20 days
    )
    facility_b = place_services.facility_save(
        actor=SYSTEM, code="F-B", kind="manhole", name="井盖B", lon=lon_b, lat=lat_b
    )
    return PatrolWorld(people, hazard_a, hazard_b, facility_a, facility_b)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c
