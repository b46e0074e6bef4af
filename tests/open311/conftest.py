"""A world for Open311 tests: the area tree, people, an Open311 client with its key, and a
service (暴露垃圾 0102) with one attribute of each kind.

Built once for the module in a transaction rolled back at its end; each test runs in its own
savepoint inside it."""

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

from tests.events.factories import World, make_world
from wangge.events.models import Category
from wangge.intake.models import Channel
from wangge.open311.models import ServiceAttribute
from wangge.open311.services import client_register
from wangge.regions import spatial_index

BASE = "/open311/v2/"
INSIDE = {"lat": "30.2025", "long": "120.1025"}  # in micro-grid 330103001001001001
OUTSIDE = {"lat": "39.9", "long": "116.4"}  # Beijing


@dataclass
class Open311World:
    world: World
    channel: Channel
    key: str
    service: Category


def _v(key: str, name: str) -> dict[str, str]:
    return {"key": key, "name": name}


def make_attributes(category: Category) -> None:
    rows = [
        (
            "kind",
            "singlevaluelist",
            True,
            [{"key": "bag", "name": "袋装"}, {"key": "loose", "name": "散落"}],
        ),
        (
            "smells",
            "multivaluelist",
            False,
            [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}],
        ),
        ("volume", "number", False, []),
        ("seen_at", "datetime", False, []),
        ("note", "string", False, []),
        ("story", "text", False, []),
    ]
    for order, (code, datatype, required, values) in enumerate(rows, start=1):
        ServiceAttribute.objects.create(
            category=category,
            code=code,
            datatype=datatype,
            required=required,
            description=f"question {code}",
            order=order,
            values=values,
        )
    ServiceAttribute.objects.create(
        category=category,
        code="info",
        datatype="string",
        variable=False,
        description="read me",
        order=9,
    )


def build() -> Open311World:
    world = make_world()
    channel, key = client_register("civic_app", "Civic app")
    service = Category.objects.get(code="0102")
    make_attributes(service)
    return Open311World(world=world, channel=channel, key=key, service=service)


@pytest.fixture(scope="module")
def o(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            WANGGE_INDEX_CHECK_SECONDS=0,
        ),
    ):
        spatial_index.invalidate()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            spatial_index.invalidate()


def valid_form(o: Open311World, **extra: Any) -> dict[str, Any]:
    form = {
        "api_key": o.key,
        "service_code": "0102",
        **INSIDE,
        "address_string": "朝晖路 12 号",
        "description": "路边有一堆垃圾\n已经三天了",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13800000000",
        "email": "wang@example.org",
        "device_id": "dev-1",
        "account_id": "acc-1",
        "media_url": "https://img.example.org/1.jpg",
        "attribute[kind]": "bag",
    }
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


def parse(response: Any, fmt: str) -> Any:
    """The body in the given format: JSON as is; XML as an ElementTree root."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def error_descriptions(response: Any, fmt: str) -> list[str]:
    """The spec's error list; checks its shape and that each code is the HTTP status."""
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} for e in body)
        assert all(e["code"] == response.status_code for e in body)
        return [e["description"] for e in body]
    assert body.tag == "errors"
    errors = body.findall("error")
    assert errors and len(errors) == len(body)
    assert all(e.findtext("code") == str(response.status_code) for e in errors)
    return [e.findtext("description") or "" for e in errors]


@pytest.fixture
def client() -> Client:
    # Open311 clients send no CSRF token: the checks stay on to prove POST needs none.
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
