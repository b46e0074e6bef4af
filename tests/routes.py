"""Every route of the platform, read from the URL conf and the OpenAPI document: the scope walk
and the query-count walk make sure each has its case."""

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from wangge.api import api


def _normalise(pattern: str) -> str:
    """Django route or regex → "/a/<name>/" form."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)
    return "/" + text.replace("^", "").replace("$", "").replace("\\", "")


def _walk(patterns: list, prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield _normalise(prefix + str(p.pattern))


def routes() -> list[tuple[str, str]]:
    """(path, method) of every page (GET) and API operation."""
    pages = {
        (path, "GET")
        for path in _walk(get_resolver().url_patterns)
        if not path.startswith(("/api/", "/admin/"))
    }
    pages.add(("/admin/", "GET"))
    schema = api.get_openapi_schema()
    ops = {(path, m.upper()) for path, item in schema["paths"].items() for m in item}
    return sorted(pages | ops)
