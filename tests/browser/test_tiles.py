"""Over 高德's GCJ-02 tiles the browser shifts what it draws: the page's wgs2gcj / gcj2wgs give
the server's own numbers (wangge.regions.coords), a marker lands where the shifted point
projects, and a point read back from the map is WGS-84 again. Over 天地图 nothing is shifted.
No tile is fetched (offline): the layers' URL templates are checked, not their images."""

import pytest
from playwright.sync_api import Page

from wangge.regions import coords

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

POINTS = [
    (120.1551, 30.2741),  # 杭州
    (116.3912, 39.9073),  # 北京
    (87.6168, 43.8256),  # 乌鲁木齐
    (113.2644, 23.1291),  # 广州
    (2.3522, 48.8566),  # outside China: unchanged
]

NEW_MAP = """() => {
    const div = document.createElement("div");
    div.style.cssText = "width:400px;height:300px";
    document.body.appendChild(div);
    const map = L.map(div).setView([30.2741, 120.1551], 16);
    const layers = [];
    map.eachLayer(l => {
        const subdomains = [].concat(l.options.subdomains).join("");
        if (l._url) layers.push({url: l._url, subdomains});
    });
    const marker = L.marker([30.2741, 120.1551]).addTo(map);
    const projected = map.project(marker.getLatLng(), 16);
    const back = map.unproject(projected, 16);
    return {crs: map.options.crs.code, layers, projected: [projected.x, projected.y],
            back: [back.lng, back.lat], credit: map.attributionControl !== undefined};
}"""


def _mercator_px(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    import math

    r = 6378137.0
    x, y = r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    scale = 256 * 2**zoom / (2 * math.pi * r)
    return scale * (x + math.pi * r), scale * (math.pi * r - y)


def test_over_gaode_tiles_markers_are_shifted_to_gcj02(settings, live_server, page: Page):
    settings.WANGGE_TILES = "gaode"
    page.goto(f"{live_server.url}/r/")
    for lon, lat in POINTS:
        js = page.evaluate("([lon, lat]) => WanggeTiles.wgs2gcj(lon, lat)", [lon, lat])
        assert js == pytest.approx(list(coords.wgs84_to_gcj02(lon, lat)), abs=1e-12)
        gcj = coords.wgs84_to_gcj02(lon, lat)
        back = page.evaluate("([lon, lat]) => WanggeTiles.gcj2wgs(lon, lat)", list(gcj))
        assert back == pytest.approx(list(coords.gcj02_to_wgs84(*gcj)), abs=1e-9)
        assert back == pytest.approx([lon, lat], abs=1e-8)
    drawn = page.evaluate(NEW_MAP)
    assert drawn["crs"] == "EPSG:3857+GCJ-02"
    assert [layer["url"] for layer in drawn["layers"]] == [
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
    ]
    # The marker (given in WGS-84) sits at the GCJ-02 point's pixel, some hundreds of metres
    # (at zoom 16, dozens of pixels) from where it would be unshifted.
    shifted = _mercator_px(*coords.wgs84_to_gcj02(120.1551, 30.2741), 16)
    plain = _mercator_px(120.1551, 30.2741, 16)
    assert drawn["projected"] == pytest.approx(list(shifted), abs=1e-3)
    assert abs(drawn["projected"][0] - plain[0]) > 50
    assert drawn["back"] == pytest.approx([120.1551, 30.2741], abs=1e-8)
    assert drawn["credit"]


def test_over_tianditu_nothing_is_shifted(settings, live_server, page: Page):
    settings.WANGGE_TILES = "tianditu"
    settings.WANGGE_TIANDITU_KEY = "k123"
    page.goto(f"{live_server.url}/r/")
    drawn = page.evaluate(NEW_MAP)
    assert drawn["crs"] == "EPSG:3857"
    assert ["vec_w" in x["url"] and "cva_w" not in x["url"] for x in drawn["layers"]] == [
        True,
        False,
    ]
    assert all(
        x["url"].endswith("tk=k123") and x["subdomains"] == "01234567" for x in drawn["layers"]
    )
    plain = _mercator_px(120.1551, 30.2741, 16)
    assert drawn["projected"] == pytest.approx(list(plain), abs=1e-3)
