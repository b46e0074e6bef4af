"""The areas API over real HTTP (test client): shapes, scope per endpoint, one error shape."""

import pytest

from tests.factories import ORIGIN, make_tree, make_user, post
from wangge.regions import coords, spatial_index
from wangge.regions.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(settings):
    settings.WANGGE_INDEX_CHECK_SECONDS = 0
    spatial_index.invalidate()
    yield make_tree()
    spatial_index.invalidate()


@pytest.fixture
def street_worker(client, tree):
    """A worker posted at street 330103002, logged in."""
    user = make_user("street")
    post(user, tree["330103002"])
    client.force_login(user)
    return user


SCOPED_URLS = [
    "/api/areas/330103001",
    "/api/areas/330103001/geojson",
    "/api/areas/tree?root=330103001",
]


@pytest.mark.parametrize("url", SCOPED_URLS)
def test_wrong_street_user_gets_nothing_from_any_area_endpoint(client, street_worker, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_search_lists_only_areas_in_scope(client, street_worker):
    body = client.get("/api/areas", {"page_size": 200}).json()
    assert len(body["items"]) == 85 and body["next"] is None
    assert {a["code"][:9] for a in body["items"]} == {"330103002"}
    assert client.get("/api/areas", {"code_prefix": "330103001"}).json()["items"] == []


def test_search_filters_by_level_parent_name_and_code_prefix(client, tree):
    client.force_login(make_user(is_superuser=True))
    assert len(client.get("/api/areas", {"level": 2}).json()["items"]) == 4
    by_parent = client.get("/api/areas", {"parent": "330103002"}).json()
    assert [a["code"] for a in by_parent["items"]] == [f"330103002{i:03}" for i in range(1, 5)]
    name = tree["330103003001"].name
    found = client.get("/api/areas", {"name": name}).json()
    assert found["items"][0]["code"] == "330103003001"
    page = client.get("/api/areas", {"code_prefix": "3301030040", "page": 2, "page_size": 5}).json()
    assert len(page["items"]) == 5 and page["next"].endswith("page=3&page_size=5")
    assert page["items"][0]["level_name"] in ("社区", "网格", "微网格")


def test_one_area_has_its_chain_children_and_staff(client, tree):
    client.force_login(make_user(is_superuser=True))
    grid = tree["330103001002003"]
    leader = make_user("leader", first_name="王伟")
    post(leader, grid, role="grid_leader")
    body = client.get(f"/api/areas/{grid.code}").json()
    assert [a["code"] for a in body["chain"]] == ["330103", "330103001", "330103001002", grid.code]
    assert len(body["children"]) == 4
    assert body["staff"] == [
        {"username": "leader", "name": "王伟", "role": "grid_leader", "role_name": "网格长"}
    ]
    assert body["bbox"][0] < body["centroid"][0] < body["bbox"][2]


def test_geojson_of_a_subtree(client, street_worker):
    body = client.get("/api/areas/330103002/geojson", {"depth": 2}).json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 4 + 16
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    with_self = client.get("/api/areas/330103002/geojson", {"depth": 0, "include_self": True})
    assert [f["id"] for f in with_self.json()["features"]] == ["330103002"]


def test_tree_nests_children_to_the_asked_depth(client, street_worker):
    body = client.get("/api/areas/tree", {"depth": 2}).json()
    assert [n["code"] for n in body] == ["330103002"]
    assert len(body[0]["children"]) == 4
    assert all(len(c["children"]) == 4 for c in body[0]["children"])
    assert all(g["children"] == [] for c in body[0]["children"] for g in c["children"])


def test_locate_answers_the_chain_in_any_crs(client, street_worker):
    lon, lat = ORIGIN[0] + 0.0012, ORIGIN[1] + 0.0413
    body = client.get("/api/locate", {"lon": lon, "lat": lat}).json()
    assert body["outside"] is False
    # The district above the worker's street is outside their scope.
    assert [a["level"] for a in body["chain"]] == [5, 4, 3, 2]
    assert body["chain"][0]["code"] == "330103002001001001"
    for crs, convert in (("gcj02", coords.wgs84_to_gcj02), ("bd09", coords.wgs84_to_bd09)):
        x, y = convert(lon, lat)
        assert (
            client.get("/api/locate", {"lon": x, "lat": y, "crs": crs}).json()["chain"]
            == body["chain"]
        )


def test_locate_answers_only_within_the_callers_scope(client, street_worker):
    """Another street's point: nothing of its chain, nor a nearest area, is told."""
    body = client.get("/api/locate", {"lon": ORIGIN[0] + 0.0012, "lat": ORIGIN[1] + 0.0013})
    assert body.status_code == 200
    assert body.json() == {**body.json(), "outside": True, "chain": [], "nearest": None}
    client.logout()
    assert client.get("/api/locate", {"lon": ORIGIN[0], "lat": ORIGIN[1]}).status_code == 401


def test_locate_outside_and_bad_input(client, street_worker):
    client.force_login(make_user(is_superuser=True))
    body = client.get("/api/locate", {"lon": 121.0, "lat": 31.0}).json()
    assert body["outside"] is True and body["nearest"]["code"].startswith("330103")
    assert body["distance_m"] > 50_000
    for params, field in (
        ({"lon": 200, "lat": 30}, "lon"),
        ({"lon": "east", "lat": 30}, "lon"),
        ({"lon": 120, "lat": 30, "crs": "mars"}, "crs"),
        ({"lat": 30}, "lon"),
    ):
        response = client.get("/api/locate", params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field


def test_anonymous_requests_are_refused_with_the_error_shape(client, tree):
    response = client.get("/api/areas")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"


def test_openapi_document_is_served_to_users_only(client):
    assert client.get("/api/openapi.json").status_code == 404
    assert client.get("/api/docs").status_code == 404
    client.force_login(make_user("reader"))
    spec = client.get("/api/openapi.json").json()
    assert "/api/locate" in spec["paths"] and "/api/areas/{code}/geojson" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_area_search_runs_a_bounded_number_of_queries(client, tree, django_assert_max_num_queries):
    client.force_login(make_user(is_superuser=True))
    with django_assert_max_num_queries(6):
        body = client.get("/api/areas", {"page_size": 200}).json()
    assert len(body["items"]) == 200
    assert Area.objects.count() == 341


def test_roster_endpoint_lists_scoped_grids_lacking_staff(client, street_worker, tree):
    grid = tree["330103002001001"]
    post(make_user(), grid, role="grid_leader")
    post(make_user(), grid, role="full_time")
    rows = client.get("/api/areas/roster/incomplete").json()["items"]
    codes = [r["area"]["code"] for r in rows]
    assert len(codes) == 15 and grid.code not in codes
    assert all(code.startswith("330103002") for code in codes)
    assert rows[0] == {**rows[0], "leaders": 0, "full_time": 0, "part_time": 0}
