"""The plans PostgreSQL keeps for the push's prepared statements use the indexes: a prepared
statement may run on a generic plan, made without the parameters' values, for good."""

import re

import pytest
from django.db import connection

from wangge.intake import orders

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="prepared statements and their generic plans are PostgreSQL's",
    ),
    pytest.mark.django_db,
]


def _generic_plan(sql: str, values: list[str]) -> str:
    numbered = iter(range(1, 100))
    prepared = re.sub("%s", lambda _m: f"${next(numbered)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # any usable index wins
        cursor.execute(f"PREPARE plan_probe AS {prepared}")
        try:
            quoted = ", ".join(f"'{v}'" for v in values)
            cursor.execute(f"EXPLAIN EXECUTE plan_probe({quoted})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE plan_probe")


def test_the_order_lookup_uses_the_unique_index_whatever_the_number():
    plan = _generic_plan(
        orders._find_statement(), [*orders.SOURCE_ACTIONS, "hotline", "GD-2026-0001"]
    )
    assert "event_unique_source_ref" in plan, plan
    assert "Seq Scan on events_event" not in plan, plan
