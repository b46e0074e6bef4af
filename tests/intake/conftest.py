"""A world with a hotline channel that has an API key, and a video channel with a camera."""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import make_tree, make_user, post
from wangge.events.models import Category
from wangge.intake import services, video
from wangge.intake.models import Camera, Channel
from wangge.regions import spatial_index

# A point in micro-grid 330103001001001001 of make_tree (its south-west corner + a bit).
INSIDE = (120.1005, 30.2005)
OUTSIDE = (121.5, 31.2)  # Shanghai: far outside the test district


@dataclass
class World:
    areas: dict[str, Any]
    operator: Any  # command centre of the district


@dataclass
class Intake:
    world: World
    hotline: Channel
    key: str
    video: Channel
    secret: str
    camera: Camera


@pytest.fixture
def intake(db) -> Iterator[Intake]:
    spatial_index.invalidate()  # ids of another test's tree may linger in this process
    areas = make_tree(split=1)  # one area a level, all over the same square
    operator = make_user("operator")
    post(operator, areas["330103"], role="operator")
    world = World(areas, operator)
    hotline = Channel.objects.get(code="hotline")
    hotline.category_map = {"垃圾堆放": "0102"}
    hotline.save()
    key = services.channel_issue_key(hotline)
    channel = Channel.objects.get(code="video")
    channel.category_map = {"garbage_overflow": "0102"}
    channel.save()
    secret = services.channel_issue_secret(channel)
    camera = video.camera_save(channel, "CAM-001", "文晖路口", *INSIDE)
    yield Intake(world, hotline, key, channel, secret, camera)
    spatial_index.invalidate()


def order(**extra: Any) -> dict[str, Any]:
    return {
        "order_no": "GD20260301001",
        "content": "小区门口垃圾堆放三天无人清运",
        "address": "文晖路 1 号",
        "category": "垃圾堆放",
        "called_at": "2026-03-01 09:30",
        "caller_name": "张三",
        "caller_phone": "13800000000",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        **extra,
    }


def push(client: Any, key: str | None, body: Any, raw: bytes | None = None) -> Any:
    headers = {"HTTP_X_API_KEY": key} if key is not None else {}
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    return client.post("/api/intake/orders", data=data, content_type="application/json", **headers)


def signed(secret: str, body: bytes, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    return {
        "HTTP_X_WANGGE_TIMESTAMP": timestamp,
        "HTTP_X_WANGGE_SIGNATURE": video.sign(secret, timestamp, body),
    }


def category(code: str) -> Category:
    return Category.objects.get(code=code)
