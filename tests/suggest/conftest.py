"""A world whose history teaches: closed events of three kinds, each led by its department,
and a model trained on them — once for the package's modules, each test in a savepoint."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.events.factories import World, make_world, report
from tests.factories import make_user
from wangge.events import workflow as wf
from wangge.events.models import Category, Department, Event, RoutingRule
from wangge.regions import spatial_index
from wangge.suggest import services

# category, department, texts (six each: five folds still leave four to calibrate on)
HISTORY = [
    (
        "0102",
        "cg",
        [
            "路边暴露垃圾无人清运",
            "小区门口垃圾桶满溢发臭",
            "人行道上堆放生活垃圾",
            "绿化带里倒了很多垃圾",
            "菜场门口垃圾乱扔没人管",
            "楼下垃圾好几天没人收",
        ],
    ),
    (
        "1001",
        "sj",
        [
            "无证餐饮店油烟扰民",
            "街边小吃店没有营业执照",
            "无证经营的快餐店卫生很差",
            "夜宵摊无证经营占用门面",
            "餐馆没有食品经营许可证",
            "无证小饭馆后厨脏乱",
        ],
    ),
    (
        "0902",
        "xf",
        [
            "楼道里电动车充电有火灾隐患",
            "电动车推进楼道飞线充电",
            "居民从窗口拉电线给电动车充电",
            "电梯里带电动车上楼充电",
            "车棚电动车私拉电线充电",
            "楼梯间停放电动车充电",
        ],
    ),
]
# The routing rule sends 暴露垃圾 to market supervision: the model learned otherwise.
TRAINING = {"WANGGE_SUGGEST_MIN_SAMPLES": 10, "WANGGE_SUGGEST_MIN_CONFIDENCE": 0.34}


@dataclass
class Trained:
    world: World
    fire: Department
    fire_handler: Any
    departments: dict[str, Department]


def close(world: World, category: str, title: str, lead: Department, handler: Any) -> Event:
    """An event through the whole loop: reported, accepted, dispatched, handled, closed."""
    event = report(world, category, title=title)
    event = wf.event_accept(event=event, actor=world.operator)
    event = wf.event_dispatch(event=event, actor=world.operator, lead=lead)
    event = wf.event_sign(event=event, actor=handler)
    event = wf.event_feedback(event=event, actor=handler, note="已处置")
    event = wf.event_verify(event=event, actor=world.operator, passed=True)
    return wf.event_close(event=event, actor=world.operator)


@pytest.fixture(scope="package")
def trained(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            WANGGE_INDEX_CHECK_SECONDS=0,
            **TRAINING,
        ),
    ):
        spatial_index.invalidate()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = make_world()
            fire = Department.objects.create(code="xf", name="消防")
            fire_handler = make_user("fire")
            fire.handlers.add(fire_handler)
            departments = {"cg": world.city, "sj": world.market, "xf": fire}
            handlers = {"cg": world.city_handler, "sj": world.market_handler, "xf": fire_handler}
            RoutingRule.objects.create(
                category=Category.objects.get(code="0102"),
                area=world.areas["330103"],
                department=world.market,
            )
            for category, department, texts in HISTORY:
                for text in texts:
                    close(world, category, text, departments[department], handlers[department])
            services.train()
            yield Trained(world, fire, fire_handler, departments)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            spatial_index.invalidate()


@pytest.fixture(autouse=True)
def _training_settings(settings):
    for name, value in TRAINING.items():
        setattr(settings, name, value)
