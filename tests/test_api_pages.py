"""One page shape for every list of the JSON API (issue 14): `?page=N&page_size=M` in,
`{items, page, page_size, next}` out, page_size 50 by default and 200 at most, `next` the
absolute path of the next page with the same filters (null on the last one)."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.events.factories import make_world, report
from tests.factories import make_user, post
from wangge.api import api
from wangge.api_pages import MAX_PAGE_SIZE, PAGE_SIZE

pytestmark = pytest.mark.django_db

PAGE_KEYS = {"items", "page", "page_size", "next"}

# GET operations answering a JSON array, and why they are not paged.
NOT_PAGED = {
    "/api/areas/tree": "a tree to a depth, not rows",
    "/api/categories": "the event catalogue: a fixed, small enumeration",
    "/api/departments": "a fixed, small enumeration",
    "/api/people/tag-kinds": "the special groups: a fixed, small enumeration",
    "/api/activities/kinds": "a fixed, small enumeration",
    "/api/fieldwork/visits/rules": "the rules the back office defines: a small enumeration",
    "/api/fieldwork/attend/rules": "the rules the back office defines: a small enumeration",
    "/api/events/{code}/duplicates": "the few best candidates of one event, best first",
    "/api/activities/figures": "one row of figures per child area of one area",
}

# GET operations that declare no response schema, and why none of them is a list to page.
UNTYPED = {
    "/api/areas/{code}/geojson": "GeoJSON FeatureCollection (its own standard)",
    "/api/fieldwork/patrols/{pid}/track": "GeoJSON of one patrol's track",
    "/api/events/counts": "counts per queue tab",
    "/api/events/figures": "figures",
    "/api/intake/figures/channels": "figures",
    "/api/fieldwork/patrols/figures": "figures",
    "/api/stats/overview": "figures",
    "/api/stats/children": "figures per child area",
    "/api/stats/trend": "figures per period",
    "/api/stats/breakdown/{dimension}": "figures per category, channel or department",
    "/api/stats/modules": "figures",
    "/api/stats/heat": "a heat map layer: the densest cells, capped (`capped` says so)",
    "/api/stats/open-events": "a map layer: the newest open events, capped (`capped`)",
    "/api/stats/status": "the worker's progress",
    "/api/stats/indicators": "figures of fed indicators",
    "/api/stats/activities": "figures",
    "/api/assessment/runs/{rid}/ranking": "a run's ranking with its top and bottom n",
    "/api/assessment/runs/{rid}/results/{target_id}": "one target's result",
    "/api/assessment/runs/{rid}/manual": "one target's manual items in one run",
    "/api/assessment/bulletins/subscriptions": "the caller's own subscriptions and areas",
    "/api/assessment/bulletins/{bid}": "one bulletin",
    "/api/assessment/indicators": "the indicator library: a fixed enumeration",
    "/api/intake/changes": "a channel's change feed with its own cursor (`cursor`, `limit`)",
    "/api/intake/orders/imports/{job_id}": "one import job",
    "/api/people/import/runs/{run_id}": "one import run",
    "/api/people/residents/export.xlsx": "a file",
    "/api/people/import/template.xlsx": "a file",
    "/api/people/import/reports/{token}.xlsx": "a file",
    "/api/fieldwork/campaigns/{pk}/export.xlsx": "a file",
    "/api/downloads/{pk}/file": "a file",
}
# Open311 GeoReport v2 (/open311/v2/…) keeps its own standard's lists: it is not in this API.


def _operations() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    schema = api.get_openapi_schema(path_prefix="/api/")
    components = schema["components"]["schemas"]
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            body = op["responses"].get(200, op["responses"].get("200", {}))
            content = body.get("content", {}).get("application/json", {}).get("schema")
            if content and "$ref" in content:
                content = components[content["$ref"].rsplit("/", 1)[1]]
            found.append((path, method, op, content or {}))
    return found


def test_every_list_of_the_api_has_the_one_page_shape():
    wrong, paged = [], []
    for path, method, op, content in _operations():
        params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if "items" in content.get("properties", {}):
            if set(content["properties"]) != PAGE_KEYS or not {"page", "page_size"} <= params:
                wrong.append(f"{method} {path}: {sorted(content['properties'])} {sorted(params)}")
            paged.append(path)
        elif method != "get":
            continue
        elif content.get("type") == "array":
            if path not in NOT_PAGED:
                wrong.append(f"GET {path}: a bare array (page it, or say why not in NOT_PAGED)")
        elif not content and path not in UNTYPED:
            wrong.append(f"GET {path}: no response schema (declare it, or say why in UNTYPED)")
        if {"limit", "offset", "page_no", "size"} & params and path != "/api/intake/changes":
            wrong.append(f"{method} {path}: another paging parameter {sorted(params)}")
    assert wrong == []
    assert len(paged) >= 30
    documented = {path for path, *_ in _operations()}
    assert set(NOT_PAGED) <= documented and set(UNTYPED) <= documented  # lists only shrink


def _walk(client: Any, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page from `url` on, following `next`: (all items, every page's answer)."""
    items, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        assert set(page) == PAGE_KEYS
        items += page["items"]
        pages.append(page)
        url = page["next"]
        assert len(pages) < 100
    return items, pages


def test_next_followed_to_the_end_gives_every_row_once_with_the_same_filters(client):
    w = make_world()
    for i in range(11):  # one clock: every event has the same reported_at, ties to break
        report(w, title=f"垃圾 {i}")
    report(w, code="0102", title="小广告")
    client.force_login(w.operator)

    items, pages = _walk(client, "/api/events?q=垃圾&page_size=4")
    codes = [e["code"] for e in items]
    assert len(codes) == len(set(codes)) == 11
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert [len(p["items"]) for p in pages] == [4, 4, 3] and pages[-1]["next"] is None
    second = urlsplit(pages[0]["next"])
    assert second.path == "/api/events" and not second.netloc  # an absolute path
    assert parse_qs(second.query) == {"q": ["垃圾"], "page": ["2"], "page_size": ["4"]}

    exact = client.get("/api/events?q=垃圾&page_size=11").json()
    assert len(exact["items"]) == 11 and exact["next"] is None  # no empty page after the last

    areas, _ = _walk(client, "/api/areas?page_size=7")
    assert len(areas) == len({a["code"] for a in areas}) == 341  # the whole tree


def test_default_size_and_the_cap(client):
    w = make_world()
    client.force_login(w.operator)
    first = client.get("/api/areas").json()
    assert first["page"] == 1 and first["page_size"] == PAGE_SIZE == len(first["items"])
    assert first["next"] == f"/api/areas?page=2&page_size={PAGE_SIZE}"
    most = client.get(f"/api/areas?page_size={MAX_PAGE_SIZE}").json()
    assert len(most["items"]) == MAX_PAGE_SIZE and most["next"]
    rest = client.get(most["next"]).json()
    assert len(rest["items"]) == 341 - MAX_PAGE_SIZE and rest["next"] is None
    beyond = client.get("/api/areas?page=99").json()
    assert beyond["items"] == [] and beyond["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("page=100001", "page"),
        ("page=99999999999999999999", "page"),
        ("page_size=0", "page_size"),
        (f"page_size={MAX_PAGE_SIZE + 1}", "page_size"),
        ("page_size=ten", "page_size"),
    ],
)
def test_bad_page_values_are_refused_naming_the_field(client, query, field):
    user = make_user("anyone")
    client.force_login(user)
    for path in ("/api/events", "/api/notifications", "/api/fieldwork/patrols"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, response.content)
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_pages_keep_the_scope(client):
    w = make_world()
    for i in range(5):
        report(w, title=f"垃圾 {i}")
    client.force_login(w.other_worker)  # another street's grid
    assert _walk(client, "/api/events?page_size=2")[0] == []
    street = make_user("street2")
    post(street, w.areas["330103002"], role="operator")
    client.force_login(street)
    areas, _ = _walk(client, "/api/areas?page_size=5")
    assert areas and all(a["code"].startswith("330103002") for a in areas)
    client.force_login(w.worker)
    mine, _ = _walk(client, "/api/events?page_size=2")
    assert len(mine) == 5


def test_a_post_search_pages_by_its_query_and_next(client):
    """The residents' search by number is a POST (numbers stay out of URLs): `page` and
    `page_size` are in its query, and `next` is where the same body goes for the next page."""
    w = make_world()
    client.force_login(w.operator)
    response = client.post(
        "/api/people/residents/search?page_size=3", {"q": ""}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == PAGE_KEYS and response.json()["page_size"] == 3
