"""Guards for list endpoints: capture the SQL a request sends and fail when it loads area
geometry it does not draw, or when its query count grows with the data."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wangge import process_cache


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


@contextmanager
def caches_held() -> Iterator[None]:
    """Per-process caches (`wangge.process_cache`) keep what they hold for the block. Their
    look for a newer copy every few seconds is one query that falls where the wall clock puts
    it (later on a busy machine), not where the data does: two counts of the same page would
    differ by it. A cache that holds nothing still loads, as it would."""
    never_old = SimpleNamespace(monotonic=lambda: float("-inf"))
    with mock.patch.object(process_cache, "time", never_old):
        yield


def get_lean(client: Any, url: str, status: int = 200) -> tuple[Any, int]:
    """GET `url`, asserting no geometry is loaded and the status; (response, query count)."""
    with caches_held(), no_geometry(f"GET {url}") as ctx:
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
