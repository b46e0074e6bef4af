// The base map of a preset (WANGGE_TILES: tianditu, gaode; see wangge/tiles.py), added to every
// Leaflet map of the page; loaded right after leaflet.js. A tile URL of one's own
// (WANGGE_TILE_URL) is added by each page's own script instead.
//
// 高德 tiles are in GCJ-02: the maps then use a projection that shifts WGS-84 → GCJ-02 before
// Web Mercator, so markers and outlines (WGS-84, as the server sends them) land on the tiles'
// streets, and a tapped point reads back as WGS-84 (the inverse). The formulas are those of
// wangge/regions/coords.py (Krasovsky ellipsoid; points outside mainland China unshifted).
(function () {
  "use strict";
  const A = 6378245.0;
  const EE = 0.00669342162296594323;
  const inChina = (lon, lat) => lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55;

  function delta(lon, lat) {
    const x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    const common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dlat += common;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dlon += common;
    dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radLat = lat / 180.0 * PI;
    const magic = 1.0 - EE * Math.sin(radLat) ** 2;
    const sqrtMagic = Math.sqrt(magic);
    dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI);
    dlon = dlon * 180.0 / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [dlon, dlat];
  }

  function wgs2gcj(lon, lat) {
    if (!inChina(lon, lat)) return [lon, lat];
    const [dlon, dlat] = delta(lon, lat);
    return [lon + dlon, lat + dlat];
  }

  function gcj2wgs(lon, lat) {
    let wlon = lon, wlat = lat;
    for (let i = 0; i < 30; i++) {
      const [dlon, dlat] = delta(wlon, wlat);
      const eLon = wlon + dlon - lon, eLat = wlat + dlat - lat;
      if (Math.abs(eLon) < 1e-9 && Math.abs(eLat) < 1e-9) break;
      wlon -= eLon;
      wlat -= eLat;
    }
    return inChina(wlon, wlat) ? [wlon, wlat] : [lon, lat];
  }

  const me = document.currentScript;
  let config = { crs: "wgs84", layers: [] };
  try {
    if (me && me.dataset.tiles) config = JSON.parse(me.dataset.tiles);
  } catch (e) { /* a broken setting leaves the blank background */ }
  window.WanggeTiles = { wgs2gcj, gcj2wgs, config };
  if (!window.L) return;

  if (config.crs === "gcj02") {
    const merc = L.Projection.SphericalMercator;
    const projection = {
      bounds: merc.bounds,
      project(ll) {
        const [lon, lat] = wgs2gcj(ll.lng, ll.lat);
        return merc.project(L.latLng(lat, lon));
      },
      unproject(point) {
        const g = merc.unproject(point);
        const [lon, lat] = gcj2wgs(g.lng, g.lat);
        return L.latLng(lat, lon);
      },
    };
    L.Map.mergeOptions({ crs: L.extend({}, L.CRS.EPSG3857, { code: "EPSG:3857+GCJ-02", projection }) });
  }
  if (config.layers.length) {
    L.Map.addInitHook(function () {
      if (!this.attributionControl) {
        this.attributionControl = L.control.attribution().addTo(this);
      }
      for (const layer of config.layers) {
        L.tileLayer(layer.url, {
          subdomains: layer.subdomains, attribution: layer.attribution, maxZoom: layer.maxZoom,
        }).addTo(this);
      }
    });
  }
})();
