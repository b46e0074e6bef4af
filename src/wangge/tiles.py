"""The maps' base layer. None by default (areas on a blank background: works offline); a tile
URL of one's own (WANGGE_TILE_URL); or a preset (WANGGE_TILES):

- `tianditu`: 天地图's vector map and its Chinese labels (vec_w + cva_w) with the key in
  WANGGE_TIANDITU_KEY. CGCS2000 agrees with WGS-84 to centimetres: drawn as is.
- `gaode`: 高德 (AMap) tiles, which are in GCJ-02: the browser shifts what it draws over them
  (markers, outlines, a tapped point read back) with the same formulas as `regions.coords`
  (static/web/tiles.js), so everything the server stores and sends stays WGS-84.

Every map page reads `configured()` through the template context (`web.context.site`) and
the Content-Security-Policy allows the tile hosts (`origins`)."""

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

Crs = Literal["wgs84", "gcj02"]

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%(key)s"
)
_GAODE = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
PRESETS = ("tianditu", "gaode")


@dataclass(frozen=True)
class Layer:
    url: str  # a Leaflet URL template: {z}/{x}/{y}, {s} for a subdomain
    subdomains: str = "abc"
    attribution: str = ""
    max_zoom: int = 18

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "subdomains": self.subdomains,
            "attribution": self.attribution,
            "maxZoom": self.max_zoom,
        }


@dataclass(frozen=True)
class Base:
    layers: tuple[Layer, ...] = ()
    crs: Crs = "wgs84"  # the tiles' datum: "gcj02" shifts what the browser draws over them

    def as_json(self) -> dict[str, Any]:
        return {"crs": self.crs, "layers": [layer.as_json() for layer in self.layers]}


def base(
    *, tiles: str = "", tile_url: str = "", attribution: str = "", tianditu_key: str = ""
) -> Base:
    """The base layer for these settings; ImproperlyConfigured names what is wrong."""
    tiles = tiles.strip().lower()
    if tiles == "tianditu":
        key = tianditu_key.strip()
        if not key:
            raise ImproperlyConfigured("WANGGE_TILES=tianditu needs WANGGE_TIANDITU_KEY.")
        credit = attribution or "© 天地图"
        return Base(
            tuple(
                Layer(_TIANDITU % {"layer": layer, "key": key}, "01234567", credit)
                for layer in ("vec", "cva")
            )
        )
    if tiles == "gaode":
        return Base((Layer(_GAODE, "1234", attribution or "© 高德地图"),), crs="gcj02")
    if tiles:
        raise ImproperlyConfigured(
            f"WANGGE_TILES={tiles!r}: use one of {', '.join(PRESETS)}, or WANGGE_TILE_URL."
        )
    if tile_url:
        return Base((Layer(tile_url, attribution=attribution, max_zoom=19),))
    return Base()


def configured() -> Base:
    return base(
        tiles=settings.WANGGE_TILES,
        tile_url=settings.WANGGE_TILE_URL,
        attribution=settings.WANGGE_TILE_ATTRIBUTION,
        tianditu_key=settings.WANGGE_TIANDITU_KEY,
    )


def check(**kwargs: Any) -> list[checks.CheckMessage]:
    """`wangge manage check` (and the start of `wangge serve`) names a wrong setting."""
    try:
        configured()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="wangge.E101")]
    return []


def origins(b: Base) -> list[str]:
    """The hosts the tiles come from, for img-src: a {s} subdomain becomes a wildcard."""
    found = []
    for layer in b.layers:
        parts = urlsplit(layer.url)
        labels = parts.netloc.split(".")
        if "{s}" in labels[0]:
            labels[0] = "*"
        origin = f"{parts.scheme}://{'.'.join(labels)}"
        if origin not in found:
            found.append(origin)
    return found
