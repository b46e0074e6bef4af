"""Strategies of the property tests: any unicode, impossible and overflowing dates, numbers of
any size, nested; and a count of every table's rows, to see that a refused write wrote
nothing."""

from typing import Any

from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ODD_DATES = [
    "2023-02-30 10:00",
    "0000-01-01T00:00:00",
    "9999-12-31",
    "9999-12-31T23:59:59+08:00",
    "1899-12-31",
    "2199-12-31T23:59:59Z",
    "2026-11-10",
    "2026-11-10T10:00:00+08:00",
]
# Every character, lone surrogates included (JSON carries them as \udxxx escapes).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
FORM_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)  # encodable
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    ANY_TEXT,
    st.text(max_size=400),
    st.sampled_from(ODD_DATES),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=6,
)


def bodies(names: Any) -> st.SearchStrategy[dict]:
    """Objects with any subset of the fields `names` (a schema class or names), each holding
    anything."""
    fields = getattr(names, "model_fields", names)
    return st.fixed_dictionaries({}, optional={name: VALUES for name in fields})


# Tables a refused request may write to by design: who asked what (audit, rate limits),
# sessions, and the queue of background tasks.
WRITTEN_WHEN_REFUSED = ("django_session",)


def row_counts(skip: tuple[str, ...] = WRITTEN_WHEN_REFUSED) -> dict[str, int]:
    """Every table's row count, in one query."""
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        }
        - set(skip)
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))
