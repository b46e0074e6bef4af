// Areas one level down, coloured by the share of targets done; click to drill down.
(function () {
  "use strict";
  const el = document.getElementById("coverage-map");
  const map = L.map(el, { zoomSnap: 0.25 }).setView([30.27, 120.16], 12);
  function colour(p) {
    if (p.total === 0 || p.rate >= 1) return "#1b7f5a";
    if (p.rate >= 0.8) return "#fdb022";
    if (p.rate >= 0.5) return "#f79009";
    return "#b42318";
  }
  fetch(el.dataset.url, { credentials: "same-origin" })
    .then((resp) => resp.json())
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        style: (f) => ({ color: "#333", weight: 1, fillColor: colour(f.properties), fillOpacity: 0.6, className: "cover-area" }),
        onEachFeature: (f, l) => {
          const p = f.properties;
          l.bindTooltip(p.name + " · " + p.done + "/" + p.total + " (" + Math.floor(p.rate * 100) + "%)", { sticky: true });
          l.on("click", () => { window.location.search = "?area=" + encodeURIComponent(p.code); });
        },
      }).addTo(map);
      const bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
      el.dataset.loaded = String(collection.features.length);
    });
})();
