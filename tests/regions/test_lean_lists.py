"""Area lists, the tree and the roster never load geometry; only the GeoJSON endpoint, which
draws it, does (issue 12)."""

import pytest

from tests.factories import make_tree, make_user, post
from tests.sqlguard import geometry_queries, get_lean

pytestmark = pytest.mark.django_db

URLS = [
    "/api/areas",
    "/api/areas?level=5&page_size=200",
    "/api/areas/tree?depth=4",
    "/api/areas/roster/incomplete",
    "/api/areas/330103001",
    "/areas/roster/",
    "/areas/search/?q=测试",
]


def test_area_lists_load_no_geometry(client):
    areas = make_tree()
    user = make_user()
    post(user, areas["330103"], role="operator")
    client.force_login(user)
    for url in URLS:
        get_lean(client, url)


def test_the_guard_sees_geometry_where_it_is_drawn(client):
    """The guard is not blind: the GeoJSON endpoint does select the column."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    areas = make_tree()
    user = make_user()
    post(user, areas["330103"], role="operator")
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/areas/330103/geojson").status_code == 200
    assert geometry_queries([q["sql"] for q in ctx.captured_queries])
