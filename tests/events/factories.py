"""A small world for event tests: the area tree, a centre operator, grid staff, departments."""

from dataclasses import dataclass
from typing import Any

from tests.factories import make_tree, make_user, post, reseed
from wangge.events import workflow
from wangge.events.models import Category, Department, Event
from wangge.regions.models import Area


@dataclass
class World:
    areas: dict[str, Area]
    micro: Area  # 330103001001001001
    operator: Any  # centre at the district
    street_operator: Any  # centre at street 330103001
    worker: Any  # full-time worker at grid 330103001001001
    other_worker: Any  # full-time worker at another street's grid
    city: Department
    market: Department
    city_handler: Any
    market_handler: Any
    admin: Any


def make_world() -> World:
    # Module- and package-wide worlds are built after whatever test ran last on this worker,
    # perhaps a transactional one that flushed the catalogue away.
    reseed()
    areas = make_tree()
    micro = Area.objects.get(code="330103001001001001")
    operator = make_user("operator")
    post(operator, areas["330103"], role="operator")
    street_operator = make_user("street_op")
    post(street_operator, areas["330103001"], role="operator")
    worker = make_user("worker")
    post(worker, areas["330103001001001"], role="full_time")
    other_worker = make_user("other_worker")
    post(other_worker, areas["330103002001001"], role="full_time")
    city = Department.objects.create(code="cg", name="城管")
    market = Department.objects.create(code="sj", name="市场监管")
    city_handler, market_handler = make_user("city"), make_user("market")
    city.handlers.add(city_handler)
    market.handlers.add(market_handler)
    return World(
        areas=areas,
        micro=micro,
        operator=operator,
        street_operator=street_operator,
        worker=worker,
        other_worker=other_worker,
        city=city,
        market=market,
        city_handler=city_handler,
        market_handler=market_handler,
        admin=make_user("admin", is_superuser=True),
    )


def report(world: World, code: str = "0102", **extra: Any) -> Event:
    return workflow.event_report(
        actor=world.worker,
        title=extra.pop("title", "路边暴露垃圾"),
        category=Category.objects.get(code=code),
        area=extra.pop("area", world.micro),
        **extra,
    )
