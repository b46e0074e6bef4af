"""On PostgreSQL the workflow's hot statements are prepared on the server; nothing else is."""

import pytest
from django.db import connection

from tests.events.factories import make_world, report
from wangge.events import workflow as wf
from wangge.events.models import Status

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="prepared statements are PostgreSQL's; SQLite runs the same SQL unprepared",
    ),
    pytest.mark.django_db,
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_transition_runs_its_statements_prepared_and_django_binds_the_rest():
    world = make_world()
    e = wf.event_accept(event=report(world), actor=world.operator)
    wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
    prepared = _prepared()
    # The event lock (with the actor's posts) and the write that ends each transition.
    assert any("FOR UPDATE" in sql and "json_agg" in sql for sql in prepared), prepared
    assert any(sql.startswith("WITH w0 AS (UPDATE") for sql in prepared), prepared
    # The ORM's own queries (the world was built through it) are never prepared.
    assert not any('"auth_user"' in sql or '"regions_post"' in sql for sql in prepared), prepared


@pytest.mark.django_db(transaction=True)  # a connection of its own, opened with the option
def test_with_preparing_off_the_loop_runs_and_prepares_nothing():
    """WANGGE_DB_PREPARE=0 (for a pooler in transaction mode) sets the threshold to None."""
    options = connection.settings_dict["OPTIONS"]
    was = options.get("prepare_threshold")
    connection.close()
    options["prepare_threshold"] = None
    try:
        world = make_world()
        e = wf.event_accept(event=report(world), actor=world.operator)
        e = wf.event_dispatch(event=e, actor=world.operator, lead=world.city)
        e = wf.event_sign(event=e, actor=world.city_handler)
        assert e.status == Status.HANDLING
        assert _prepared() == []
    finally:
        options["prepare_threshold"] = was
        connection.close()
