"""Guards for list endpoints: capture the SQL a request sends and fail when it loads area
geometry it does not draw, or when its query count grows with the data."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext


def geometry_columns() -> set[str]:
    """The quoted column names that hold boundaries (every model field named geometry)."""
    return {
        f'."{field.column}"'
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name == "geometry"
    }


def geometry_queries(sql: list[str]) -> list[str]:
    columns = geometry_columns()
    return [q for q in sql if any(c in q for c in columns)]


@contextmanager
def no_geometry(what: str = "") -> Iterator[CaptureQueriesContext]:
    """Fails the block when any query it sends names a geometry column."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    bad = geometry_queries([q["sql"] for q in ctx.captured_queries])
    assert not bad, f"{what} loads area geometry:\n" + "\n\n".join(q[:600] for q in bad)


def get_lean(client: Any, url: str, status: int = 200) -> tuple[Any, int]:
    """GET `url`, asserting no geometry is loaded and the status; (response, query count)."""
    with no_geometry(f"GET {url}") as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    return response, len(ctx.captured_queries)


def grow_events(world: Any, n: int) -> None:
    """`n` more events in an events world (tests.events.factories), half of them dispatched:
    a list's query count is compared before and after."""
    from tests.events.factories import report
    from wangge.events import workflow

    for i in range(n):
        event = report(world, title=f"路边暴露垃圾 {i}")
        event = workflow.event_accept(event=event, actor=world.operator)
        if i % 2:
            workflow.event_dispatch(event=event, actor=world.operator, lead=world.city)


def lean_counts(client: Any, user: Any, urls: list[str]) -> dict[str, int]:
    """Each URL's query count for `user`, failing on any geometry read (get_lean)."""
    client.force_login(user)
    return {url: get_lean(client, url)[1] for url in urls}
