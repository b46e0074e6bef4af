"""The maps' base layer from the settings: nothing (offline), a URL of one's own, or a preset —
天地图 (vec_w + cva_w with the key, WGS-84: no shift) or 高德 (GCJ-02: the browser shifts); a
wrong preset or a missing key stops the start with a message naming the setting; the tile
hosts are allowed by the Content-Security-Policy and handed to every map page."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from wangge import tiles


def test_tianditu_draws_the_vector_map_and_its_labels_with_the_key():
    base = tiles.base(tiles="tianditu", tianditu_key="k123")
    assert base.crs == "wgs84"
    vec, cva = base.layers
    for layer, name in ((vec, "vec"), (cva, "cva")):
        assert layer.url.startswith(f"https://t{{s}}.tianditu.gov.cn/{name}_w/wmts?")
        assert f"LAYER={name}&" in layer.url and "TILEMATRIXSET=w&" in layer.url
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k123" in layer.url
        assert layer.subdomains == "01234567"
    assert tiles.origins(base) == ["https://*.tianditu.gov.cn"]
    with pytest.raises(ImproperlyConfigured, match="WANGGE_TIANDITU_KEY"):
        tiles.base(tiles="tianditu")


def test_gaode_tiles_are_gcj02_and_a_url_of_ones_own_stays_wgs84():
    base = tiles.base(tiles="gaode")
    (layer,) = base.layers
    assert base.crs == "gcj02" and layer.subdomains == "1234"
    assert layer.url.startswith("https://webrd0{s}.is.autonavi.com/appmaptile?")
    assert "x={x}&y={y}&z={z}" in layer.url
    assert tiles.origins(base) == ["https://*.is.autonavi.com"]
    own = tiles.base(tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert own.crs == "wgs84" and tiles.origins(own) == ["https://*.tiles.example.org"]
    assert tiles.base() == tiles.Base() and tiles.base().as_json() == {"crs": "wgs84", "layers": []}
    with pytest.raises(ImproperlyConfigured, match="WANGGE_TILES='baidu'"):
        tiles.base(tiles="baidu")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preset", "host", "crs"),
    [
        ("tianditu", "https://*.tianditu.gov.cn", "wgs84"),
        ("gaode", "https://*.is.autonavi.com", "gcj02"),
    ],
)
def test_a_map_page_gets_the_preset_and_its_host_is_allowed(settings, preset, host, crs):
    settings.WANGGE_TILES = preset
    settings.WANGGE_TIANDITU_KEY = "k123"
    page = Client().get("/r/")
    assert page.status_code == 200
    csp = (
        page.headers.get("Content-Security-Policy")
        or page.headers["Content-Security-Policy-Report-Only"]
    )
    img = next(d for d in csp.split("; ") if d.startswith("img-src"))
    assert host in img.split()
    html = page.content.decode()
    start = html.index('data-tiles="') + len('data-tiles="')
    config = json.loads(html[start : html.index('"', start)].replace("&quot;", '"'))
    assert config["crs"] == crs and len(config["layers"]) == (2 if preset == "tianditu" else 1)


def test_the_system_check_names_a_wrong_preset(settings):
    settings.WANGGE_TILES = "tianditu"
    settings.WANGGE_TIANDITU_KEY = ""
    (error,) = tiles.check()
    assert error.id == "wangge.E101" and "WANGGE_TIANDITU_KEY" in error.msg
    settings.WANGGE_TIANDITU_KEY = "k"
    assert tiles.check() == []
