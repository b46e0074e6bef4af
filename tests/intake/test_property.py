"""Property: whatever another system sends — any unicode (NUL, lone surrogates), impossible
dates, huge or non-finite numbers, wrong types, broken bytes — the push API and the file import
answer 2xx or 4xx, never 5xx, and a refusal writes nothing."""

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.intake.conftest import Intake, order, push
from tests.intake.files import HEADINGS
from wangge.events.models import Event, TimelineEntry

pytestmark = pytest.mark.django_db

PROPERTY = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = ["order_no", "title", "content", "address", "category", "priority", "called_at"]
FIELDS += ["caller_name", "caller_phone", "lon", "lat", "crs", "area"]

dates = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.tuples(st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)).map(
        lambda t: f"{t[0]:04}-{t[1]:02}-{t[2]:02} 10:00"
    ),
    st.tuples(st.integers(0, 13), st.integers(0, 32), st.integers(0, 9999)).map(
        lambda t: f"{t[0]}/{t[1]}/{t[2]} 11:45:00 PM"
    ),
)
scalars = st.one_of(
    st.text(),  # every code point, surrogates and NUL included
    st.text(st.characters(codec="utf-8"), max_size=5000),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(),  # nan and infinities too
    st.booleans(),
    st.none(),
    dates,
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(), scalars))


def _counts() -> tuple[int, int]:
    return Event.objects.count(), TimelineEntry.objects.count()


@PROPERTY
@given(changes=st.dictionaries(st.sampled_from(FIELDS), values, max_size=4))
def test_the_push_api_never_answers_5xx(client, intake: Intake, changes: dict[str, Any]):
    body = order(**changes)
    if isinstance(body.get("order_no"), str):  # distinct orders, so a success creates one
        body["order_no"] = body["order_no"][:40] + str(len(changes))
    before = _counts()
    response = push(client, intake.key, None, raw=json.dumps(body).encode())
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert _counts() == before
        errors = response.json()["errors"]
        assert errors and all(e["field"] for e in errors)


cells = st.one_of(st.text(max_size=30), dates, st.integers().map(str), st.just(""))


@PROPERTY
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=9), max_size=6),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig", "cp1252"]),
    noise=st.binary(max_size=8),
)
def test_the_file_import_never_answers_5xx(
    client, intake: Intake, rows: list[list[str]], encoding: str, noise: bytes
):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, errors="replace")
    data += noise
    before = _counts()
    upload = SimpleUploadedFile("orders.csv", data)
    response = client.post("/api/intake/orders/import", {"file": upload}, HTTP_X_API_KEY=intake.key)
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert _counts() == before
        assert response.json()["errors"]
