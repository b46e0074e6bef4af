"""schemathesis over the whole OpenAPI document: every operation, its cases generated from the
document (valid ones and ones that break it), sent in process to the WSGI application as a
district operator with a session and CSRF token, with a channel's key where the operation
takes one. No answer is a 5xx. Runs on SQLite and PostgreSQL. `WANGGE_SCHEMATHESIS_EXAMPLES`
sets the cases per operation (3 by default: the suite's budget; 100 for a deep run)."""

import os
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.factories import make_tree, make_user, post, shared_world
from wangge.api import api
from wangge.intake import services as intake_services
from wangge.intake.api import API_KEY_HEADER
from wangge.intake.models import Channel

EXAMPLES = int(os.environ.get("WANGGE_SCHEMATHESIS_EXAMPLES", "3"))
CSRF = "s" * 32  # a CSRF secret: the cookie and the header agree, as a page's script sends them

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_world(django_db_blocker):
        areas = make_tree(split=1)  # one area a level: the cases are about input, not scope
        operator = make_user("operator")
        post(operator, areas["330103"], role="operator")
        client = Client()
        client.force_login(operator)
        key = intake_services.channel_issue_key(Channel.objects.get(code="hotline"))
        yield SimpleNamespace(session=client.cookies["sessionid"].value, key=key)


@pytest.fixture
def in_test_transaction():
    """Django's WSGI handler closes the connection around each request when it is not in
    autocommit, as inside a test's transaction (its test client unhooks this; so do we)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: a failure is found again
)
def test_no_operation_answers_5xx(
    case: Any, world: Any, db: Any, in_test_transaction: None
) -> None:
    if case.headers and API_KEY_HEADER in case.headers:
        case.headers[API_KEY_HEADER] = world.key
    response = case.call(
        headers={"X-CSRFToken": CSRF, "Host": "localhost"},
        cookies={"sessionid": world.session, "csrftoken": CSRF},
    )
    assert response.status_code < 500, (case.as_curl_command(), response.text[:500])


def test_the_document_names_every_schema_once():
    """Two input or output shapes of one name would be described as one (ninja keys its
    components by class name): every schema class the API uses has a name of its own."""
    from ninja import Schema

    seen: dict[str, set[str]] = {}
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("wangge."):
            seen.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: mods for name, mods in seen.items() if len(mods) > 1} == {}


def test_the_push_documents_its_body():
    document = api.get_openapi_schema()
    body = document["paths"]["/api/intake/orders"]["post"]["requestBody"]
    properties = body["content"]["application/json"]["schema"]["properties"]
    assert {"order_no", "content", "called_at", "lon", "lat"} <= set(properties)
