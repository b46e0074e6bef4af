"""Property test over every write operation of the JSON API, read from its OpenAPI schema:
bodies with any subset of the operation's fields holding arbitrary unicode (lone surrogates,
NUL, controls), impossible and overflowing dates and numbers of any size, sent by a grid
worker, a district operator and a superuser. No answer is a 5xx, and a refused write leaves
every table's row count as it was (issue 12: "throw arbitrary unicode, dates and numbers at
every write endpoint"). A new write operation is fuzzed without being named here. The
channel-key endpoints (intake's pushes and imports, fed indicators) are fuzzed by
tests/intake/test_property.py; web forms by tests/test_fuzz_writes.py and test_bad_input.py.
Runs on SQLite and PostgreSQL alike."""

import json
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import shared_world
from tests.fieldwork.visits_factories import household, make_world, member
from tests.fuzzing import FORM_TEXT, FUZZ, VALUES, bodies, row_counts
from wangge.api import api
from wangge.events import workflow
from wangge.events.models import Category
from wangge.fieldwork.models import Patrol, VisitRule, VisitTask
from wangge.fieldwork.visits import schedule

pytestmark = pytest.mark.django_db

# Operations another property test owns (authenticated by a channel's key, not a session).
KEYED = ("/api/intake/", "/api/stats/indicators")


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _operations() -> list[tuple[str, str, str, list[str]]]:
    """(method, path, content type, field names) of every write operation."""
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, operations in sorted(schema["paths"].items()):
        if path.startswith(KEYED):
            continue
        for method, op in sorted(operations.items()):
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = op.get("requestBody", {}).get("content", {}) or {"application/json": {}}
            kind, body = next(iter(content.items()))
            fields = _resolve(body.get("schema", {}), components).get("properties", {})
            found.append((method, path, kind, sorted(fields)))
    return found


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module; each test starts from it as built (a savepoint)."""
    key_file = tmp_path_factory.mktemp("pii") / "pii.key"
    with (
        pytest.MonkeyPatch.context() as env,
        override_settings(WANGGE_PII_KEY_FILE=key_file),
        shared_world(django_db_blocker),
    ):
        env.delenv("WANGGE_PII_KEY", raising=False)
        yield _world()


def _world() -> Any:
    w = make_world()
    w.resident = member(household(w.micro_a1))
    category = Category.objects.get(code="0102")
    w.event = workflow.event_report(
        actor=w.worker_a, title="路灯不亮", category=category, area=w.micro_a1
    )
    w.other = workflow.event_report(
        actor=w.worker_a, title="垃圾堆放", category=category, area=w.micro_a1
    )
    schedule.generate()
    w.patrol = Patrol.objects.create(worker=w.worker_a, area=w.areas["330103001001001"])
    task = VisitTask.objects.first()
    rule = VisitRule.objects.first()
    # A path parameter is the id of an object of its kind where the world has one, else 1.
    w.params = {
        "code": w.event.code,
        "other": w.other.code,
        "residents/{rid}": str(w.resident.pk),
        "visits/rules/{rid}": str(rule.pk if rule else 1),
        "tasks/{tid}": str(task.pk if task else 1),
        "patrols/{pid}": str(w.patrol.pk),
    }
    return w


def _url(world, path: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return world.params.get(f"{before}/{{{name}}}", world.params.get(name, "1"))

    return re.sub(r"\{(\w+)\}", fill, path)


def _ids(op: tuple[str, str, str, list[str]]) -> str:
    return f"{op[0].upper()} {op[1]}"


@settings(FUZZ, max_examples=6)
@given(data=st.data())
@pytest.mark.parametrize("operation", OPERATIONS, ids=_ids)
def test_no_write_operation_answers_5xx_or_half_writes(db, world, data, operation):
    method, path, kind, fields = operation
    user = data.draw(st.sampled_from([world.worker_a, world.operator, world.admin]))
    client = Client()
    client.force_login(user)
    url = _url(world, path)
    before = row_counts()
    if kind == "application/json":
        body = data.draw(bodies(fields) | VALUES)
        raw = json.dumps(body)  # NaN, Infinity and \ud800 escapes as Python's json writes them
        response = getattr(client, method)(url, raw, content_type=kind)
    else:  # multipart: the form's fields as text, no file
        form = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, FORM_TEXT)))
        raw = repr(form)
        response = client.post(url, form)
    assert response.status_code < 500, (user.username, url, raw, response.content[:300])
    if response.status_code >= 400:
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, (user.username, url, raw, response.status_code, changed)


def test_every_write_operation_is_fuzzed():
    """The walk sees the operations it is meant to (a broken schema read would see none)."""
    seen = {(m, p) for m, p, _k, _f in OPERATIONS}
    assert len(OPERATIONS) > 50
    for expected in [
        ("post", "/api/events"),
        ("post", "/api/events/{code}/close"),
        ("patch", "/api/people/residents/{rid}"),
        ("post", "/api/fieldwork/visits/tasks/{tid}/records"),
        ("post", "/api/notices"),
        ("post", "/api/fieldwork/campaigns"),
        ("post", "/api/assessment/runs"),
    ]:
        assert expected in seen, expected
