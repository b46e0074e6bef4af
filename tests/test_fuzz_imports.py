"""Property test over the file imports the other property tests leave out (issue 12: "every
write endpoint and import"): the people import (CSV, any text in any cell, stray bytes) and
the area import (GeoJSON with any values in its properties and coordinates). Each either
imports or refuses with a DomainError naming what is wrong; never another exception, never a
5xx through the API, and a refused or uncommitted file writes nothing. The hotline import is
tests/intake/test_property.py's. Runs on SQLite and PostgreSQL alike."""

import csv
import io
import json

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzzing import ANY_TEXT, FORM_TEXT, FUZZ, ODD_DATES, VALUES, row_counts
from tests.people.factories import make_people
from tests.regions.geojson import collection, feature, rect
from wangge.errors import DomainError
from wangge.people.imports import importer
from wangge.regions import importer as areas
from wangge.regions import spatial_index

pytestmark = pytest.mark.django_db

RESIDENT_HEADERS = ["姓名", "身份证号", "联系电话", "民族", "户号", "与户主关系", "人口类型"]
CELL = st.one_of(
    FORM_TEXT,
    st.sampled_from(ODD_DATES),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["330103199003071237", "户主", "户籍", "汉族", "\x00", "\ufeff"]),
)


@pytest.fixture
def people(db):
    spatial_index.invalidate()
    yield make_people()
    spatial_index.invalidate()


def _csv(rows: list[list[str]], raw_tail: bytes) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass") + raw_tail


@settings(FUZZ, max_examples=15)
@given(
    headers=st.one_of(st.just(RESIDENT_HEADERS), st.lists(FORM_TEXT, max_size=8)),
    rows=st.lists(st.lists(CELL, max_size=8), max_size=4),
    raw_tail=st.one_of(st.just(b""), st.binary(max_size=8)),
    mode=st.sampled_from(["all", "valid"]),
)
def test_the_people_import_imports_or_refuses_cleanly(people, headers, rows, raw_tail, mode):
    data = _csv([headers, *rows], raw_tail)
    before = row_counts()
    try:
        result = importer.import_file(
            actor=people.worker_a, data=data, file_name="people.csv", mode=mode
        )
    except DomainError as refused:
        assert refused.problems
        assert row_counts() == before
        return
    if not result.committed:
        after = row_counts()
        assert {t: n for t, n in after.items() if n != before[t]} == {}


@settings(FUZZ, max_examples=15)
@given(
    cells=st.lists(st.lists(CELL, min_size=7, max_size=7), max_size=3),
    name=st.sampled_from(["p.csv", "p.xlsx", "p.txt", "p"]),
)
def test_the_people_import_api_never_answers_5xx(people, cells, name):
    client = Client()
    client.force_login(people.worker_a)
    upload = io.BytesIO(_csv([RESIDENT_HEADERS, *cells], b""))
    upload.name = name
    before = row_counts()
    response = client.post("/api/people/import", {"file": upload, "mode": "all"})
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400 or not response.json().get("committed"):
        changed = {t: n for t, n in row_counts().items() if n != before[t]}
        # The refused file's report (for download) is the only thing kept.
        assert set(changed) <= {"people_importreport"}, changed


COORD = st.one_of(st.floats(), st.integers(), ANY_TEXT, st.none())


@settings(FUZZ, max_examples=15)
@given(
    props=st.dictionaries(st.sampled_from(["code", "name", "parent", "x"]), VALUES, max_size=4),
    ring=st.one_of(st.none(), st.lists(st.lists(COORD, max_size=3), max_size=5)),
    crs=st.one_of(st.none(), VALUES),
    dry_run=st.booleans(),
)
def test_the_area_import_imports_or_refuses_cleanly(db, props, ring, crs, dry_run):
    base = feature("330103", "测试区", rect(0, 0, 0.02, 0.02))
    odd = feature("330103001", "街道", rect(0, 0, 0.01, 0.01))
    odd["properties"].update(props)
    if ring is not None:
        odd["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    data = collection(base, odd)
    if crs is not None:
        data["crs"] = crs
    raw = json.dumps(data, allow_nan=True)
    before = row_counts()
    try:
        areas.import_geojson(raw, areas.ImportOptions(dry_run=dry_run), file_name="a.geojson")
    except DomainError as refused:
        assert refused.problems
        assert row_counts() == before
        return
    if dry_run:
        assert row_counts() == before
