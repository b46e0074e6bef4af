"""The map page in a real browser: log in, see one's areas, drill down by polygon and search."""

from collections.abc import Iterable

import pytest
from playwright.sync_api import ElementHandle, Locator, Page, expect

from tests.browser.helpers import login
from tests.factories import make_tree, make_user, post
from wangge.regions.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


# Codes of the polygons the map has drawn as drillable features (not the current outline).
DRAWN_CODES = """() => {
  const codes = [];
  if (!window.wanggeMap) return codes;
  window.wanggeMap.map.eachLayer((l) => {
    if (l.feature && l.options.className === "area-feature" && l.getElement && l.getElement()) {
      codes.push(l.feature.properties.code);
    }
  });
  return codes.sort();
}"""
POLYGON_OF = """(code) => {
  let found = null;
  window.wanggeMap.map.eachLayer((l) => {
    if (l.feature && l.feature.properties.code === code && l.getElement) found = l.getElement();
  });
  return found;
}"""
FETCH_STATUS = """async (url) => (await fetch(url, { credentials: "same-origin" })).status"""


def children_of(areas: dict[str, Area], parent: Area) -> list[str]:
    return sorted(a.code for a in areas.values() if a.parent_id == parent.pk)


def crumbs(page: Page) -> Locator:
    """The area links of the side breadcrumb (without the leading "All")."""
    return page.locator("#breadcrumb a[data-code]")


def expect_current(page: Page, areas: dict[str, Area], area: Area, trail: Iterable[Area]) -> None:
    """The map shows `area`: its code on #map, the trail in the breadcrumb, its children drawn."""
    expect(page.locator("#map")).to_have_attribute("data-current", area.code)
    expect(crumbs(page)).to_have_text([a.name for a in trail])
    expected = children_of(areas, area)
    expect(page.locator("#map path.area-feature")).to_have_count(len(expected))
    page.wait_for_function(
        f"(want) => JSON.stringify(({DRAWN_CODES})()) === JSON.stringify(want)", arg=expected
    )


def polygon_of(page: Page, code: str) -> ElementHandle:
    handle = page.evaluate_handle(POLYGON_OF, code).as_element()
    assert handle is not None, f"no polygon drawn for {code}"
    return handle


def test_clicking_a_polygon_drills_down(live_server, page: Page, js_errors: list[str]) -> None:
    areas = make_tree(split=2)
    district = areas["330103"]
    operator = make_user("operator")
    post(operator, district, role="operator")

    login(page, live_server.url, operator.username)
    expect_current(page, areas, district, [district])

    street = areas["330103002"]
    polygon = polygon_of(page, street.code)
    # Each area is labelled with its name on the map (a few areas: labels stay on).
    expect(page.locator(".leaflet-tooltip.area-label", has_text=street.name)).to_have_count(1)
    polygon.click()  # at the centre of its bounding box, after checking nothing covers it

    expect_current(page, areas, street, [district, street])
    assert js_errors == []


def test_a_street_worker_sees_only_the_street(live_server, page: Page, js_errors: list[str]):
    areas = make_tree(split=2)
    street, other = areas["330103002"], areas["330103003"]
    worker = make_user("worker")
    post(worker, street, role="full_time")

    login(page, live_server.url, worker.username, lands="/field/")
    page.goto("/")
    expect_current(page, areas, street, [street])  # no crumb for the district above

    for url in (
        f"/api/areas/{other.code}",
        f"/api/areas/{other.code}/geojson?depth=1&include_self=true",
        "/api/areas/330103",
    ):
        assert page.evaluate(FETCH_STATUS, url) == 404, url
    assert page.evaluate(FETCH_STATUS, f"/api/areas/{street.code}") == 200

    page.fill("input[name=q]", other.name)
    expect(page.locator("#search-results li.muted")).to_have_count(1)  # "No area matches."
    expect(page.locator("#search-results a")).to_have_count(0)
    assert js_errors == []


def test_search_result_drills_to_the_area(live_server, page: Page, js_errors: list[str]) -> None:
    areas = make_tree(split=2)
    district, street = areas["330103"], areas["330103004"]
    chief = make_user("chief", is_superuser=True)

    login(page, live_server.url, chief.username)
    expect_current(page, areas, district, [district])

    page.fill("input[name=q]", street.name.removeprefix(district.name))  # e.g. "-256"
    result = page.locator("#search-results").get_by_role("link", name=street.name, exact=True)
    result.click()

    expect_current(page, areas, street, [district, street])
    assert js_errors == []
